package chtest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExternal(t *testing.T) {
	t.Parallel()
	s, err := parseExternal("native=ch.example:9440, http=ch-http.example:8443,secret=s3cr=t,admin_password=p@ss")
	if err != nil {
		t.Fatal(err)
	}
	if s.Host != "ch.example" || s.TCPPort != 9440 || s.HTTPURL() != "http://ch-http.example:8443" || s.AdminPassword != "p@ss" ||
		s.ClusterSecret != "s3cr=t" || s.ClusterName != ClusterName || !s.external || s.Dir != "" {
		t.Fatalf("parsed %+v", s)
	}
	if back, err := parseExternal(s.ExternalValue()); err != nil || back.AdminPassword != "p@ss" || back.ClusterSecret != "s3cr=t" ||
		back.TCPAddr() != s.TCPAddr() || back.HTTPURL() != s.HTTPURL() {
		t.Fatalf("ExternalValue does not round-trip: %v %+v", err, back)
	}
	const ok = "native=127.0.0.1:9000,http=127.0.0.1:8123,secret=topsecret,admin_password=hunter2"
	for value, want := range map[string]string{
		"127.0.0.1:9000":                                        "not key=value",
		"clickhouse://127.0.0.1:9000":                           "not key=value",
		ok + ",cluster=x":                                       `unknown key "cluster"`,
		ok + ",secret=again":                                    "secret given twice",
		strings.Replace(ok, "hunter2", "", 1):                   "empty admin_password",
		strings.Replace(ok, ",secret=topsecret", "", 1):         "missing secret",
		strings.Replace(ok, "127.0.0.1:9000", "127.0.0.1", 1):   "native: not HOST:PORT",
		strings.Replace(ok, "127.0.0.1:8123", "127.0.0.1:0", 1): "http: invalid port",
	} {
		_, err := parseExternal(value)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ExternalEnv) {
			t.Errorf("%s: error %v, want one naming %q", value, err, want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%s: the error leaks a secret: %v", value, err)
		}
	}
}

func TestExternalServerCannotBeSignalled(t *testing.T) {
	t.Parallel()
	s, err := parseExternal("native=127.0.0.1:9000,http=127.0.0.1:8123,secret=x,admin_password=pw")
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(){"Kill": s.Kill, "Freeze": func() { s.Freeze() }, "ServerLog": func() { s.ServerLog() }} {
		func() {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, name+" needs a ClickHouse process the test harness started") {
					t.Errorf("%s on an external server: %q", name, msg)
				}
			}()
			call()
		}()
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestExternalConfig: a server configured the way a stock
// clickhouse-server is (a default user with an empty password, open to
// every network), plus the config.d and users.d files of ExternalConfig,
// has everything the shared servers' tests rely on, fixture users
// included; without those files the check lists what is missing.
func TestExternalConfig(t *testing.T) {
	t.Parallel()
	eng, err := EnsureEngine(t.Context(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	tcp, http, err := pickPorts()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &Server{Host: "127.0.0.1", TCPPort: tcp, HTTPPort: http, Dir: dir, ClusterName: ClusterName,
		ClusterSecret: "external-secret", AdminUser: AdminUser, AdminPassword: "external-password",
		ShardPorts: []int{tcp}, logf: t.Logf, http: newHTTPClient()}
	// clickhouse-local merges users.d but not config.d: the config.d
	// file's content goes into the main config here.
	stock := func(withFiles bool) {
		os.RemoveAll(filepath.Join(dir, "users.d"))
		configD, usersD, err := ExternalConfig(s.Host, tcp, s.ClusterSecret, s.AdminPassword)
		if err != nil {
			t.Fatal(err)
		}
		if !withFiles {
			configD = "<clickhouse></clickhouse>"
		}
		write(t, filepath.Join(dir, configFile), fmt.Sprintf(`<clickhouse><listen_host>127.0.0.1</listen_host>
<tcp_port>%d</tcp_port><http_port>%d</http_port><path>%s/</path><users_config>%s</users_config>
<logger><level>warning</level><log>%s</log><errorlog>%s</errorlog><console>0</console></logger>%s</clickhouse>`,
			tcp, http, esc(dir), esc(filepath.Join(dir, usersFile)), esc(filepath.Join(dir, logFile)), esc(filepath.Join(dir, errLogFile)),
			strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(configD), "<clickhouse>"), "</clickhouse>")))
		write(t, filepath.Join(dir, usersFile), `<clickhouse><profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
<users><default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></clickhouse>`)
		if withFiles {
			write(t, filepath.Join(dir, "users.d", "chmcp-test.xml"), usersD)
		}
	}
	run := func() error {
		if err := s.launch(t.Context(), eng); err != nil {
			t.Fatal(err)
		}
		defer func() { s.proc.Stop(5e9) }()
		return s.checkExternal(t.Context(), FixtureOptions())
	}

	stock(false)
	err = run()
	for _, missing := range []string{"user admin", "user capped", "settings profile limited", "cluster chmcp_cluster", "system.query_log"} {
		if err == nil || !strings.Contains(err.Error(), "- "+missing) {
			t.Errorf("a stock server passes the check for %q: %v", missing, err)
		}
	}
	stock(true)
	if err := run(); err != nil {
		t.Fatalf("a server with ExternalConfig's files fails the check:\n%v", err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newHTTPClient() *http.Client { return &http.Client{Transport: &http.Transport{}} }

// TestPureTestsStartNoServer: a run of tests that need no ClickHouse
// starts none, and needs no engine: this test binary, run again with an
// empty engine cache and no npm to fetch one, passes TestCacheDir and fails
// TestPing loudly.
func TestPureTestsStartNoServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func(test string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.count=1", "-test.run", "^"+test+"$")
		cmd.Env = []string{"PATH=" + dir, "HOME=" + dir, "CHMCP_CACHE_DIR=" + filepath.Join(dir, "empty-cache")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("TestCacheDir"); err != nil {
		t.Fatalf("a test that needs no ClickHouse failed without the engine: %v\n%s", err, out)
	}
	out, err := run("TestPing")
	if err == nil || !strings.Contains(out, "could not obtain the ClickHouse engine") || !strings.Contains(out, "--- FAIL: TestPing") {
		t.Fatalf("an integration test without the engine: %v\n%s", err, out)
	}
}
