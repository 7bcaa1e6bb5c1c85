package config

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
)

// loadAs runs Load on a fresh command with args and the variables of env,
// in an environment cleared of every name chmcp or the fixtures use.
func loadAs(t *testing.T, env map[string]string, args ...string) (Config, Notices, error) {
	t.Helper()
	clearEnv(t)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "CLICKHOUSE_") || strings.HasPrefix(name, "MCP_") || foreignVars[name] != "" {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var (
		cfg Config
		n   Notices
		err error
	)
	cmd := &cli.Command{Name: "chmcp", Flags: Flags(), Writer: io.Discard, ErrWriter: io.Discard,
		Action: func(_ context.Context, cmd *cli.Command) error {
			cfg, n, err = Load(cmd)
			return nil
		}}
	if runErr := cmd.Run(context.Background(), append([]string{"chmcp"}, args...)); runErr != nil {
		return Config{}, Notices{}, runErr
	}
	return cfg, n, err
}

// readEnvFile reads a fixture in .env syntax: KEY=VALUE lines, # comments,
// also after a value following whitespace.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	inline := regexp.MustCompile(`\s+#.*$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = inline.ReplaceAllString(v, "")
	}
	return env
}

func fixture(name string) string { return filepath.Join("testdata", "compat", name) }

// TestOtherServersFixtures loads configurations written from altinity-mcp's
// and mcp-clickhouse's documented examples and checks the effective
// configuration, or that what chmcp cannot honour is refused by name.
func TestOtherServersFixtures(t *testing.T) {
	type check func(t *testing.T, c Config, n Notices, err error)
	ok := func(more func(t *testing.T, c Config)) check {
		return func(t *testing.T, c Config, n Notices, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("does not load: %v", err)
			}
			more(t, c)
		}
	}
	refused := func(want ...string) check {
		return func(t *testing.T, _ Config, _ Notices, err error) {
			t.Helper()
			if err == nil {
				t.Fatal("loaded; want it refused")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		}
	}
	eq := func(t *testing.T, key string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	tests := []struct {
		fixture string
		check   check
	}{
		{"altinity-readme-config.yaml", refused("server.dynamic_tools: not supported by chmcp: write server.tools")},
		{"altinity-helm-values.yaml", ok(func(t *testing.T, c Config) {
			eq(t, "protocol", c.ClickHouse.Protocol, ProtocolHTTP)
			eq(t, "port", c.ClickHouse.Port, 8123)
			eq(t, "read_only", c.ClickHouse.ReadOnly, false)
			eq(t, "max_execution_time", c.ClickHouse.MaxExecutionTime.D().String(), "30s")
			eq(t, "max_result_rows", c.ClickHouse.MaxResultRows, 1000)
			eq(t, "transport", c.Server.Transport, TransportHTTP)
			eq(t, "address", c.Server.Address, "0.0.0.0")
			eq(t, "jwe", c.Server.JWE.Enabled, false)
			eq(t, "oauth", c.Server.OAuth.Enabled, false)
		})},
		{"altinity-helm-github-jwe.yaml", refused("reload_time: not supported by chmcp", "server.openapi.tls: not supported by chmcp")},
		{"altinity-helm-oauth-google.yaml", refused(
			"server.oauth.client_id: not supported by chmcp: in chmcp the client at the identity provider is server.oauth.upstream.client_id",
			"server.oauth.forward_to_clickhouse: not supported by chmcp",
			`server.oauth.issuer: in chmcp this is chmcp's own public URL`, `move "https://accounts.google.com" there`,
			"server.oauth.scopes: in chmcp these are the scopes a token must carry", "are server.oauth.upstream.scopes")},
		{"altinity-helm-multicluster.yaml", refused("multicluster: not supported by chmcp", "server.oauth.jwks_url: not supported", "server.oauth.issuer: in chmcp")},
		{"altinity-tools-read-only.yaml", refused("server.tools: rule 1", "field name not found")},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			c, n, err := loadAs(t, nil, "--config", fixture(tt.fixture))
			tt.check(t, c, n, err)
		})
	}
	envTests := []struct {
		fixture string
		check   check
		info    []string // notices that must be logged
		warn    []string // variables that must be warned about
	}{
		{"altinity-readme-env.env", ok(func(t *testing.T, c Config) {
			eq(t, "host", c.ClickHouse.Host, "localhost")
			eq(t, "protocol", c.ClickHouse.Protocol, ProtocolHTTP) // port 8123 means http
			eq(t, "database", c.ClickHouse.Database, "analytics")
			eq(t, "max_result_rows", c.ClickHouse.MaxResultRows, 5000) // CLICKHOUSE_LIMIT
			eq(t, "transport", c.Server.Transport, TransportHTTP)
			eq(t, "log level", c.Logging.Level, "debug")
		}), []string{"CLICKHOUSE_LIMIT is altinity-mcp's name for clickhouse.max_result_rows", "clickhouse.port 8123 is ClickHouse's HTTP port"}, nil},
		{"altinity-readme-env-oauth.env", refused(`server.oauth.issuer: in chmcp this is chmcp's own public URL`),
			[]string{"MCP_OAUTH_SIGNING_SECRET is altinity-mcp's name for server.oauth.signing_key"}, []string{"MCP_OAUTH_BROKER"}},
		{"mcp-clickhouse-playground.env", ok(func(t *testing.T, c Config) {
			eq(t, "host", c.ClickHouse.Host, "sql-clickhouse.clickhouse.com")
			eq(t, "username", c.ClickHouse.Username, "demo")
			eq(t, "protocol", c.ClickHouse.Protocol, ProtocolHTTP)
			eq(t, "tls", c.ClickHouse.TLS.Enabled, true)
			eq(t, "port", c.ClickHouse.EffectivePort(), 8443)
			eq(t, "dial_timeout", c.ClickHouse.DialTimeout.D().String(), "30s")
		}), []string{"CLICKHOUSE_USER is mcp-clickhouse's name for clickhouse.username"}, []string{"CLICKHOUSE_VERIFY", "CLICKHOUSE_SEND_RECEIVE_TIMEOUT"}},
		{"mcp-clickhouse-docker.env", ok(func(t *testing.T, c Config) {
			eq(t, "username", c.ClickHouse.Username, "default")
			eq(t, "password", c.ClickHouse.Password.Reveal(), "clickhouse")
			eq(t, "protocol", c.ClickHouse.Protocol, ProtocolHTTP) // mcp-clickhouse speaks HTTP
			eq(t, "port", c.ClickHouse.EffectivePort(), 8123)
			eq(t, "tls", c.ClickHouse.TLS.Enabled, false)
		}), nil, []string{"CLICKHOUSE_VERIFY"}},
		{"mcp-clickhouse-http.env", ok(func(t *testing.T, c Config) {
			eq(t, "transport", c.Server.Transport, TransportHTTP)
			eq(t, "address", c.Server.Address, "0.0.0.0")
			eq(t, "port", c.Server.Port, 4200)
		}), []string{"CLICKHOUSE_MCP_BIND_PORT is mcp-clickhouse's name for server.port"}, nil},
	}
	for _, tt := range envTests {
		t.Run(tt.fixture, func(t *testing.T) {
			c, n, err := loadAs(t, readEnvFile(t, fixture(tt.fixture)))
			tt.check(t, c, n, err)
			for _, w := range tt.info {
				if !strings.Contains(strings.Join(n.Info, "\n"), w) {
					t.Errorf("notices do not say %q: %q", w, n.Info)
				}
			}
			for _, w := range tt.warn {
				if !strings.Contains(strings.Join(n.Warnings, "\n"), "environment variable "+w+" ") {
					t.Errorf("no warning about %s: %q", w, n.Warnings)
				}
			}
		})
	}
}

// TestOtherServersNames: the findings of issue 13, each of which used to
// load with exit 0 and a different meaning.
func TestOtherServersNames(t *testing.T) {
	const key32 = "0123456789abcdef0123456789abcdef"
	t.Run("MCP_ALLOW_JWE_AUTH turns JWE on", func(t *testing.T) {
		c, n, err := loadAs(t, map[string]string{"MCP_ALLOW_JWE_AUTH": "true", "MCP_JWE_SECRET_KEY": key32, "MCP_TRANSPORT": "http"})
		if err != nil || !c.Server.JWE.Enabled {
			t.Fatalf("JWE enabled = %v, err %v", c.Server.JWE.Enabled, err)
		}
		if !strings.Contains(strings.Join(n.Info, "\n"), "MCP_ALLOW_JWE_AUTH is altinity-mcp's name for server.jwe.enabled") {
			t.Errorf("alias not reported: %q", n.Info)
		}
	})
	t.Run("--allow-jwe-auth", func(t *testing.T) {
		c, _, err := loadAs(t, nil, "--transport", "sse", "--allow-jwe-auth", "--jwe-secret-key", key32)
		if err != nil || !c.Server.JWE.Enabled {
			t.Fatalf("JWE enabled = %v, err %v", c.Server.JWE.Enabled, err)
		}
	})
	for word, want := range map[string]bool{"disable": false, "http": true, "https": true} {
		t.Run("--openapi "+word, func(t *testing.T) {
			c, _, err := loadAs(t, nil, "--openapi", word)
			if err != nil || c.Server.OpenAPI.Enabled != want {
				t.Fatalf("openapi enabled = %v, want %v (err %v)", c.Server.OpenAPI.Enabled, want, err)
			}
		})
	}
	t.Run("positional arguments are refused", func(t *testing.T) {
		_, _, err := loadAs(t, nil, "--read-only", "disable")
		if err == nil || !strings.Contains(err.Error(), `unexpected argument "disable"`) {
			t.Fatalf("want the argument refused, got %v", err)
		}
	})
	t.Run("unknown variables are named", func(t *testing.T) {
		_, n, err := loadAs(t, map[string]string{"CONFIG_RELOAD_TIME": "10", "CLICKHOUSE_HTTP_HEADERS": "a=b", "MCP_OAUTH_BROKER": "true", "CLICKHOUSE_HOTS": "x"})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(n.Warnings, "\n")
		for _, want := range []string{"CONFIG_RELOAD_TIME", "CLICKHOUSE_HTTP_HEADERS", "MCP_OAUTH_BROKER", "CLICKHOUSE_HOTS is not a chmcp setting and is ignored (did you mean CLICKHOUSE_HOST?)"} {
			if !strings.Contains(got, want) {
				t.Errorf("warnings do not name %s: %q", want, n.Warnings)
			}
		}
	})
	t.Run("an alias and its chmcp name together are refused", func(t *testing.T) {
		_, _, err := loadAs(t, map[string]string{"CLICKHOUSE_USER": "a", "CLICKHOUSE_USERNAME": "b"})
		if err == nil || !strings.Contains(err.Error(), "both set clickhouse.username") {
			t.Fatalf("want a conflict, got %v", err)
		}
		path := writeFile(t, "c.yaml", "server:\n  oauth:\n    signing_key: "+key32+"\n    signing_secret: "+key32+"\n")
		if _, _, err := loadAs(t, nil, "--config", path); err == nil || !strings.Contains(err.Error(), "keep one") {
			t.Fatalf("want a conflict, got %v", err)
		}
	})
	t.Run("port 8123 with no protocol is http; an explicit protocol stays", func(t *testing.T) {
		c, _, err := loadAs(t, nil, "--clickhouse-port", "8123")
		if err != nil || c.ClickHouse.Protocol != ProtocolHTTP {
			t.Fatalf("protocol %q, err %v", c.ClickHouse.Protocol, err)
		}
		c, _, err = loadAs(t, nil, "--clickhouse-port", "8123", "--clickhouse-protocol", "tcp")
		if err != nil || c.ClickHouse.Protocol != ProtocolTCP {
			t.Fatalf("explicit tcp: protocol %q, err %v", c.ClickHouse.Protocol, err)
		}
	})
	t.Run("a JSON file reads aliases too", func(t *testing.T) {
		path := writeFile(t, "c.json", `{"clickhouse": {"limit": 42, "http_headers": {}}, "server": {"jwe": {"jwe_secret_key": "`+key32+`"}}}`)
		c, _, err := loadAs(t, nil, "--config", path)
		if err != nil || c.ClickHouse.MaxResultRows != 42 || c.Server.JWE.SecretKey.Reveal() != key32 {
			t.Fatalf("got rows %d, err %v", c.ClickHouse.MaxResultRows, err)
		}
	})
}
