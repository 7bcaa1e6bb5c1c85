package chtest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// ExternalEnv names the external ClickHouse the integration tests use
// instead of starting the engine, as comma-separated key=value pairs (all
// four required, values without commas):
//
//	native=HOST:PORT,http=HOST:PORT,secret=CLUSTER_SECRET,admin_password=PASSWORD
//
// native and http are its native-protocol and HTTP addresses, secret the
// <secret> of its cluster chmcp_cluster, admin_password the password of its
// user admin. The server must carry ExternalConfig's users, profiles and
// cluster; the first test that needs it checks so and fails loudly
// otherwise. `chlocal serve` and `chlocal config` print a matching value.
const ExternalEnv = "CHMCP_TEST_CLICKHOUSE"

const externalFormat = "native=HOST:PORT,http=HOST:PORT,secret=CLUSTER_SECRET,admin_password=PASSWORD"

// ExternalValue is the ExternalEnv value that names s.
func (s *Server) ExternalValue() string {
	return FormatExternal(s.TCPAddr(), net.JoinHostPort(s.httpHost(), strconv.Itoa(s.HTTPPort)), s.ClusterSecret, s.AdminPassword)
}

// FormatExternal is the ExternalEnv value naming a server by its native
// and HTTP addresses (host:port), cluster secret and admin password.
func FormatExternal(native, http, secret, adminPassword string) string {
	return fmt.Sprintf("native=%s,http=%s,secret=%s,admin_password=%s", native, http, secret, adminPassword)
}

// External reports whether ExternalEnv is set: shared servers then use
// that server, and tests that need a ClickHouse process of their own fail.
func External() bool { return os.Getenv(ExternalEnv) != "" }

// parseExternal reads an ExternalEnv value. Its errors never repeat the
// value: it carries a password and a secret.
func parseExternal(v string) (*Server, error) {
	bad := func(why string) error {
		return fmt.Errorf("chtest: %s: %s (format: %s)", ExternalEnv, why, externalFormat)
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		switch {
		case !ok:
			return nil, bad("an entry is not key=value")
		case k != "native" && k != "http" && k != "secret" && k != "admin_password":
			return nil, bad("unknown key " + strconv.Quote(k))
		case fields[k] != "":
			return nil, bad("key " + k + " given twice")
		case val == "":
			return nil, bad("empty " + k)
		}
		fields[k] = val
	}
	for _, k := range []string{"native", "http", "secret", "admin_password"} {
		if fields[k] == "" {
			return nil, bad("missing " + k)
		}
	}
	host, tcpPort, err := hostPort(fields["native"])
	if err != nil {
		return nil, bad("native: " + err.Error())
	}
	httpHost, httpPort, err := hostPort(fields["http"])
	if err != nil {
		return nil, bad("http: " + err.Error())
	}
	return &Server{
		Host: host, TCPPort: tcpPort, HTTPPort: httpPort, HTTPHost: httpHost,
		ClusterName: ClusterName, ClusterSecret: fields["secret"],
		AdminUser: AdminUser, AdminPassword: fields["admin_password"],
		ShardPorts: []int{tcpPort}, external: true, logf: discard,
		http: &http.Client{Transport: &http.Transport{}},
	}, nil
}

func hostPort(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return "", 0, errors.New("not HOST:PORT")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, errors.New("invalid port")
	}
	return host, port, nil
}

// connectExternal returns the server ExternalEnv names once it has what
// tests with opts rely on.
func connectExternal(ctx context.Context, opts Options) (*Server, error) {
	s, err := parseExternal(os.Getenv(ExternalEnv))
	if err != nil {
		return nil, err
	}
	if opts.ExtraConfig != "" || opts.Dir != "" {
		return nil, fmt.Errorf("chtest: %s is set, but these tests need a server with their own config (Options.ExtraConfig/Dir): run them without it", ExternalEnv)
	}
	if err := s.checkExternal(ctx, opts); err != nil {
		return nil, fmt.Errorf("chtest: the external ClickHouse at %s (%s) lacks what the tests rely on "+
			"(give it the files `chlocal config` writes, docs/testing.md):\n%w", s.TCPAddr(), ExternalEnv, err)
	}
	return s, nil
}

// checkExternal verifies what the tests take for granted of a harness
// server: the users, the profiles, admin's password, the cluster, the
// query log and the time zone.
func (s *Server) checkExternal(ctx context.Context, opts Options) error {
	if _, err := s.Exec(ctx, "SELECT 1"); err != nil {
		return fmt.Errorf("- passwordless default user over HTTP: %w", err)
	}
	var problems []error
	wantAs := func(user, what, sql, expect string) {
		got, err := s.ExecAs(ctx, user, sql)
		if err != nil {
			problems = append(problems, fmt.Errorf("- %s: %w", what, err))
		} else if got = strings.TrimSpace(got); got != expect {
			problems = append(problems, fmt.Errorf("- %s: got %q, want %q", what, got, expect))
		}
	}
	want := func(what, sql, expect string) { wantAs("default", what, sql, expect) }
	users, err := elementNames(opts.ExtraUsers)
	if err != nil {
		return fmt.Errorf("- Options.ExtraUsers: %w", err)
	}
	profiles, err := elementNames(opts.ExtraProfiles)
	if err != nil {
		return fmt.Errorf("- Options.ExtraProfiles: %w", err)
	}
	users = append([]string{"default", s.AdminUser, "alice", "bob", "limited"}, users...)
	profiles = append([]string{"default", "limited"}, profiles...)
	for _, u := range users {
		want("user "+u, "SELECT count() FROM system.users WHERE name = "+quote(u), "1")
	}
	for _, p := range profiles {
		want("settings profile "+p, "SELECT count() FROM system.settings_profiles WHERE name = "+quote(p), "1")
	}
	wantAs("limited", "the user limited's profile",
		"SELECT getSetting('max_rows_to_read'), getSetting('max_memory_usage'), getSetting('max_threads')",
		fmt.Sprintf("%d\t%d\t%d", LimitedProfile["max_rows_to_read"], LimitedProfile["max_memory_usage"], LimitedProfile["max_threads"]))
	want("cluster "+s.ClusterName+" with this server's native port",
		fmt.Sprintf("SELECT count() > 0 FROM system.clusters WHERE cluster = %s AND port = %d", quote(s.ClusterName), s.TCPPort), "1")
	want("time zone UTC", "SELECT toUnixTimestamp(toDateTime('2020-01-01 00:00:00'))", "1577836800")
	if _, err := s.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		problems = append(problems, fmt.Errorf("- SYSTEM FLUSH LOGS: %w", err))
	}
	want("system.query_log", "SELECT count() FROM system.tables WHERE database = 'system' AND name = 'query_log'", "1")
	if err := s.checkAdminPassword(ctx); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

func (s *Server) checkAdminPassword(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.HTTPURL(), strings.NewReader("SELECT currentUser()"))
	if err != nil {
		return err
	}
	req.SetBasicAuth(s.AdminUser, s.AdminPassword)
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("- %s's login: %w", s.AdminUser, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != s.AdminUser {
		return fmt.Errorf("- %s's login with the password of %s: HTTP %d %s", s.AdminUser, ExternalEnv, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// elementNames are the names of the top-level elements of an XML fragment
// (the users of Options.ExtraUsers, the profiles of ExtraProfiles).
func elementNames(fragment string) ([]string, error) {
	d := xml.NewDecoder(strings.NewReader("<x>" + fragment + "</x>"))
	var names []string
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth++; depth == 2 {
				names = append(names, tok.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// quote is a ClickHouse string literal.
func quote(s string) string {
	var b bytes.Buffer
	b.WriteByte('\'')
	for _, r := range s {
		if r == '\'' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// mustOwn panics with a clear message when s is an external server: the
// test asked for something only a process chtest started can do.
func (s *Server) mustOwn(what string) {
	if s.external {
		panic(fmt.Sprintf("chtest: %s needs a ClickHouse process the test harness started, but %s points the tests at an external server: "+
			"run this test without %s (docs/testing.md)", what, ExternalEnv, ExternalEnv))
	}
}
