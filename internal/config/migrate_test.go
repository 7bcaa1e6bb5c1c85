package config

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestMigrateFixtures: `chmcp migrate` turns each documented example of the
// other servers into a chmcp file that loads strictly, comments what it
// changed, and lists (and reports) what it could not carry.
func TestMigrateFixtures(t *testing.T) {
	tests := []struct {
		from, fixture string
		want          []string // substrings of the output
		lost          []string // substrings of Lost; none = everything carried
	}{
		{FromAltinity, "altinity-readme-config.yaml", []string{
			"protocol: http\n", "view_regexp: mydb\\..*", `name "get_user_data" dropped`, "# dropped: server.jwt (no effect at this value)"}, nil},
		{FromAltinity, "altinity-helm-values.yaml", []string{"max_result_rows: 1000", "# dropped: multicluster"}, nil},
		{FromAltinity, "altinity-helm-github-jwe.yaml", []string{
			"max_ttl: 86400 # altinity-mcp: server.jwe.token_generator.max_expiry_seconds",
			"secret_key: \"\" # altinity-mcp: server.jwe.jwe_secret_key; secret not printed: set MCP_JWE_SECRET_KEY"},
			[]string{"reload_time: chmcp does not reload", "server.openapi.tls: chmcp takes the scheme"}},
		{FromAltinity, "altinity-helm-oauth-google.yaml", []string{
			"issuer: https://accounts.google.com # server.oauth.issuer: altinity-mcp's issuer is the identity provider's",
			"scopes: # server.oauth.scopes: the scopes requested from the identity provider",
			"client_id: <GOOGLE_CLIENT_ID>.apps.googleusercontent.com # server.oauth.client_id"},
			[]string{"server.oauth.issuer: set server.oauth.issuer to the URL clients reach chmcp at", "server.oauth.forward_to_clickhouse: chmcp does not pass"}},
		{FromAltinity, "altinity-helm-multicluster.yaml", []string{"scopes: # altinity-mcp: server.oauth.required_scopes"},
			[]string{"multicluster: chmcp serves one ClickHouse target per process", "server.oauth.jwks_url"}},
		{FromAltinity, "altinity-tools-read-only.yaml", []string{"view_regexp: analytics\\..*_view", "rule 1: execute_query is built in"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			file, err := os.ReadFile(fixture(tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Migrate(tt.from, file, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkMigration(t, m, tt.want, tt.lost)
		})
	}
	envTests := []struct {
		from, fixture string
		want          []string
		lost          []string
	}{
		{FromAltinity, "altinity-readme-env.env", []string{"protocol: http # altinity-mcp's default", "max_result_rows: 5000 # altinity-mcp: CLICKHOUSE_LIMIT"}, nil},
		{FromAltinity, "altinity-readme-env-oauth.env", []string{"issuer: https://accounts.example.com # MCP_OAUTH_ISSUER", "signing_key: \"\" # altinity-mcp: MCP_OAUTH_SIGNING_SECRET; secret not printed"},
			[]string{"MCP_OAUTH_BROKER: chmcp is always the authorization server"}},
		{FromMCPClickHouse, "mcp-clickhouse-playground.env", []string{"port: 8443\n", "protocol: http # mcp-clickhouse speaks HTTP", "username: demo # CLICKHOUSE_USER"},
			[]string{"CLICKHOUSE_SEND_RECEIVE_TIMEOUT=30"}},
		{FromMCPClickHouse, "mcp-clickhouse-docker.env", []string{"port: 8123 # mcp-clickhouse's default", "insecure_skip_verify: true # CLICKHOUSE_VERIFY=false", "enabled: false # CLICKHOUSE_SECURE"}, nil},
		{FromMCPClickHouse, "mcp-clickhouse-http.env", []string{"port: 4200 # CLICKHOUSE_MCP_BIND_PORT", "enabled: true # CLICKHOUSE_SECURE (default true)"}, nil},
	}
	for _, tt := range envTests {
		t.Run(tt.fixture, func(t *testing.T) {
			var environ []string
			for k, v := range readEnvFile(t, fixture(tt.fixture)) {
				environ = append(environ, k+"="+v)
			}
			m, err := Migrate(tt.from, nil, nil, environ)
			if err != nil {
				t.Fatal(err)
			}
			checkMigration(t, m, tt.want, tt.lost)
		})
	}
	t.Run("altinity flags", func(t *testing.T) {
		m, err := Migrate("altinity", nil, []string{"--transport", "sse", "--allow-jwe-auth", "--jwe-secret-key", "k", "--openapi", "disable", "--clickhouse-http-headers", "a=b"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkMigration(t, m, []string{"enabled: true # altinity-mcp: --allow-jwe-auth", "enabled: false # altinity-mcp: --openapi disable"},
			[]string{"--clickhouse-http-headers: chmcp sends no custom HTTP headers"})
		if strings.Contains(string(m.YAML), ": k\n") {
			t.Error("a secret was printed")
		}
	})
}

func checkMigration(t *testing.T, m Migration, want, lost []string) {
	t.Helper()
	out := string(m.YAML)
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if len(lost) == 0 && len(m.Lost) > 0 {
		t.Errorf("lost %q, want everything carried", m.Lost)
	}
	for _, l := range lost {
		if !strings.Contains(strings.Join(m.Lost, "\n"), l) || !strings.Contains(out, "# NOT CARRIED: "+l) {
			t.Errorf("Lost/output do not report %q: %q", l, m.Lost)
		}
	}
	if _, err := LoadFile(writeFile(t, "migrated.yaml", out)); err != nil {
		t.Errorf("the migrated file does not load: %v\n%s", err, out)
	}
}

// dotEnv reads quoted values as python-dotenv (mcp-clickhouse) does: the
// quotes are not part of the value, and # inside them is not a comment.
func TestDotEnvQuotes(t *testing.T) {
	got := dotEnv([]byte("A='ch.example'\nB=\"a #b\" # comment\nexport C=v # c\nD=\"x\\ty\"\nF=\"p\\\"q\" # c\n"))
	want := []string{"A=ch.example", "B=a #b", "C=v", "D=x\ty", `F=p"q`}
	if !slices.Equal(got, want) {
		t.Fatalf("dotEnv:\n got %q\nwant %q", got, want)
	}
}
