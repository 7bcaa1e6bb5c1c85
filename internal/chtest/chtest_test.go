package chtest

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shared is the server this test binary's tests share, started by the
// first test that asks for it (srv).
var shared = NewShared(Options{})

// TestMain: these tests check the harness and its engine; an external
// server (ExternalEnv) cannot stand in for them.
func TestMain(m *testing.M) {
	if err := RequireEngine(); err != nil {
		loud("internal/chtest tests the engine harness itself", err)
		os.Exit(1)
	}
	os.Exit(shared.Run(m))
}

func srv(t testing.TB) *Server { return shared.Server(t) }

func TestPing(t *testing.T) {
	resp, err := http.Get(srv(t).HTTPURL() + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "Ok.\n" {
		t.Fatalf("/ping = %q, want %q", body, "Ok.\n")
	}
}

func TestVersion(t *testing.T) {
	v := mustExec(t, "SELECT version()")
	if !strings.HasPrefix(v, "26.7") {
		t.Fatalf("version() = %q, want 26.7.*", v)
	}
}

func TestExecErrorCarriesClickHouseCode(t *testing.T) {
	_, err := srv(t).Exec(t.Context(), "SELEC 1")
	if err == nil || !strings.Contains(err.Error(), "Code: 62") || !strings.Contains(err.Error(), "SYNTAX_ERROR") {
		t.Fatalf("Exec(bad SQL) error = %v, want Code: 62 (SYNTAX_ERROR)", err)
	}
}

func TestClusterDefined(t *testing.T) {
	got := mustExec(t, "SELECT host_address, port FROM system.clusters WHERE cluster = '"+srv(t).ClusterName+"'")
	want := srv(t).Host + "\t" + strconv.Itoa(srv(t).TCPPort)
	if got != want {
		t.Fatalf("system.clusters row = %q, want %q", got, want)
	}
}

func TestUsers(t *testing.T) {
	if got := mustExec(t, "SELECT arrayStringConcat(groupArray(name), ',') FROM (SELECT name FROM system.users ORDER BY name)"); got != "admin,alice,bob,default,limited" {
		t.Fatalf("users = %q", got)
	}
	for _, tc := range []struct{ user, password string }{
		{"alice", ""}, {"bob", ""}, {srv(t).AdminUser, srv(t).AdminPassword},
	} {
		code, body := httpQuery(t, tc.user, tc.password, "SELECT currentUser()")
		if code != http.StatusOK || strings.TrimSpace(body) != tc.user {
			t.Errorf("login as %s: HTTP %d %q", tc.user, code, body)
		}
	}
}

// A wrong password must be rejected without taking the server down.
func TestWrongPasswordOverHTTP(t *testing.T) {
	for _, user := range []string{srv(t).AdminUser, "nobody"} {
		code, body := httpQuery(t, user, "wrong", "SELECT 1")
		if code == http.StatusOK || !strings.Contains(body, "Code: 516") {
			t.Errorf("login as %s with a wrong password: HTTP %d %q, want Code: 516", user, code, body)
		}
	}
	assertAlive(t, srv(t))
}

func TestQueryLogFlushes(t *testing.T) {
	// Unique, so that a second run (-count=2) on the same server cannot find the first one's.
	query := "SELECT 'chtest-query-log-" + randomHex(8) + "'"
	mustExec(t, query)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n := mustExec(t, "SELECT count() FROM system.query_log WHERE query = '"+strings.ReplaceAll(query, "'", "\\'")+"' AND type = 'QueryFinish'")
		if n != "0" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("query never appeared in system.query_log")
}

func TestCacheDir(t *testing.T) {
	t.Setenv("CHMCP_CACHE_DIR", "/x/chmcp-cache")
	t.Setenv("XDG_CACHE_HOME", "/y")
	if d, _ := CacheDir(); d != "/x/chmcp-cache" {
		t.Errorf("with CHMCP_CACHE_DIR: %q", d)
	}
	t.Setenv("CHMCP_CACHE_DIR", "")
	if d, _ := CacheDir(); d != "/y/chmcp" {
		t.Errorf("with XDG_CACHE_HOME: %q", d)
	}
	t.Setenv("XDG_CACHE_HOME", "relative") // invalid per the XDG spec: ignored
	t.Setenv("HOME", "/home/u")
	if d, _ := CacheDir(); d != "/home/u/.cache/chmcp" {
		t.Errorf("fallback: %q", d)
	}
}

func mustExec(t *testing.T, sql string) string {
	t.Helper()
	out, err := srv(t).Exec(t.Context(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func httpQuery(t *testing.T, user, password, sql string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv(t).HTTPURL(), strings.NewReader(sql))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// assertAlive checks the process exists and still answers queries.
func assertAlive(t *testing.T, s *Server) {
	t.Helper()
	if err := syscall.Kill(s.Pid(), 0); err != nil {
		t.Fatalf("server process %d is gone: %v", s.Pid(), err)
	}
	if out, err := s.Exec(t.Context(), "SELECT 1"); err != nil || strings.TrimSpace(out) != "1" {
		t.Fatalf("server no longer answers: %q %v", out, err)
	}
}
