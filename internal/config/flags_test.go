package config

import (
	"context"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v3"
)

// clearEnv unsets every variable Flags reads, for the duration of the test,
// so the ambient environment cannot leak in.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, env := range append(envNames(), EnvConfigFile) {
		t.Setenv(env, "") // registers restore at cleanup
		os.Unsetenv(env)
	}
}

func envNames() []string {
	var out []string
	for _, o := range options {
		if !o.fileOnly() {
			out = append(out, o.env)
		}
	}
	return out
}

// run parses args with a fresh command carrying Flags() and returns what
// FromCommand built.
func run(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	var (
		cfg    Config
		cfgErr error
	)
	cmd := &cli.Command{
		Name:      "chmcp",
		Flags:     Flags(),
		Writer:    io.Discard,
		ErrWriter: io.Discard,
		Action: func(_ context.Context, cmd *cli.Command) error {
			cfg, cfgErr = FromCommand(cmd)
			return nil
		},
	}
	if err := cmd.Run(context.Background(), append([]string{"chmcp"}, args...)); err != nil {
		return Config{}, err
	}
	return cfg, cfgErr
}

func TestPrecedence(t *testing.T) {
	file := "clickhouse:\n  host: from-file\n  max_execution_time: 10s\n  read_only: true\nserver:\n  allowed_hosts: [file.example]\n"
	tests := []struct {
		name     string
		file     bool
		env      map[string]string
		args     []string
		wantHost string
		check    func(t *testing.T, c Config)
	}{
		{name: "default", wantHost: "localhost"},
		{name: "file over default", file: true, wantHost: "from-file"},
		{name: "env over default", env: map[string]string{"CLICKHOUSE_HOST": "from-env"}, wantHost: "from-env"},
		{name: "env over file", file: true, env: map[string]string{"CLICKHOUSE_HOST": "from-env"}, wantHost: "from-env"},
		{name: "flag over default", args: []string{"--clickhouse-host", "from-flag"}, wantHost: "from-flag"},
		{name: "flag over file", file: true, args: []string{"--clickhouse-host=from-flag"}, wantHost: "from-flag"},
		{name: "flag over env over file", file: true, env: map[string]string{"CLICKHOUSE_HOST": "from-env"},
			args: []string{"--clickhouse-host", "from-flag"}, wantHost: "from-flag"},
		{name: "unset keys keep file values", file: true, env: map[string]string{"CLICKHOUSE_HOST": "from-env"}, wantHost: "from-env",
			check: func(t *testing.T, c Config) {
				if c.ClickHouse.MaxExecutionTime.D() != 10*time.Second {
					t.Errorf("max_execution_time = %v, want the file's 10s", c.ClickHouse.MaxExecutionTime)
				}
				if c.ClickHouse.Database != "default" {
					t.Errorf("database = %q, want the default", c.ClickHouse.Database)
				}
			}},
		{name: "env false overrides file true", file: true, env: map[string]string{"CLICKHOUSE_READ_ONLY": "false"}, wantHost: "from-file",
			check: func(t *testing.T, c Config) {
				if c.ClickHouse.ReadOnly {
					t.Error("read_only = true, want false from env")
				}
			}},
		{name: "flag false overrides env true", env: map[string]string{"CLICKHOUSE_READ_ONLY": "true"}, args: []string{"--read-only=false"}, wantHost: "localhost",
			check: func(t *testing.T, c Config) {
				if c.ClickHouse.ReadOnly {
					t.Error("read_only = true, want false from flag")
				}
			}},
		{name: "duration env seconds, flag go syntax", env: map[string]string{"CLICKHOUSE_MAX_EXECUTION_TIME": "30"},
			args: []string{"--clickhouse-dial-timeout", "2s"}, wantHost: "localhost",
			check: func(t *testing.T, c Config) {
				if c.ClickHouse.MaxExecutionTime.D() != 30*time.Second || c.ClickHouse.DialTimeout.D() != 2*time.Second {
					t.Errorf("durations = %v, %v; want 30s, 2s", c.ClickHouse.MaxExecutionTime, c.ClickHouse.DialTimeout)
				}
			}},
		{name: "list from env replaces file list", file: true, env: map[string]string{"MCP_ALLOWED_HOSTS": "a.example, b.example,"}, wantHost: "from-file",
			check: func(t *testing.T, c Config) {
				if want := []string{"a.example", "b.example"}; !reflect.DeepEqual(c.Server.AllowedHosts, want) {
					t.Errorf("allowed_hosts = %q, want %q", c.Server.AllowedHosts, want)
				}
			}},
		{name: "repeated list flag over env", env: map[string]string{"MCP_ALLOWED_HOSTS": "env.example"},
			args: []string{"--allowed-hosts", "x.example", "--allowed-hosts", "y.example"}, wantHost: "localhost",
			check: func(t *testing.T, c Config) {
				if want := []string{"x.example", "y.example"}; !reflect.DeepEqual(c.Server.AllowedHosts, want) {
					t.Errorf("allowed_hosts = %q, want %q", c.Server.AllowedHosts, want)
				}
			}},
		{name: "empty env vars count as unset", file: true,
			env:      map[string]string{"CLICKHOUSE_HOST": "", "CLICKHOUSE_READ_ONLY": "", "CLICKHOUSE_PORT": "", "MCP_ALLOWED_HOSTS": "", "CLICKHOUSE_DIAL_TIMEOUT": ""},
			wantHost: "from-file",
			check: func(t *testing.T, c Config) {
				if !c.ClickHouse.ReadOnly {
					t.Error("empty CLICKHOUSE_READ_ONLY turned read-only off")
				}
				if want := []string{"file.example"}; !reflect.DeepEqual(c.Server.AllowedHosts, want) {
					t.Errorf("allowed_hosts = %q, want the file's %q", c.Server.AllowedHosts, want)
				}
			}},
		{name: "explicit empty flag still sets", file: true, args: []string{"--allowed-hosts", ""}, wantHost: "from-file",
			check: func(t *testing.T, c Config) {
				if len(c.Server.AllowedHosts) != 0 {
					t.Errorf("allowed_hosts = %q, want empty", c.Server.AllowedHosts)
				}
			}},
		{name: "password from env", env: map[string]string{"CLICKHOUSE_PASSWORD": "pw"}, wantHost: "localhost",
			check: func(t *testing.T, c Config) {
				if c.ClickHouse.Password.Reveal() != "pw" {
					t.Error("password not taken from env")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			if tt.file {
				t.Setenv(EnvConfigFile, writeFile(t, "chmcp.yaml", file))
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := run(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ClickHouse.Host != tt.wantHost {
				t.Errorf("host = %q, want %q", cfg.ClickHouse.Host, tt.wantHost)
			}
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

// TestEveryOptionSettable sets each key by flag and by env and checks that
// the right field moved, so a wrong field in the table cannot go unnoticed.
func TestEveryOptionSettable(t *testing.T) {
	pem := writeFile(t, "x.pem", "pem")
	for _, o := range options {
		if o.fileOnly() {
			continue
		}
		var raw string
		switch o.field(&Config{}).(type) {
		case *bool:
			raw = "true"
			d := Defaults()
			if o.value(&d) == true {
				raw = "false"
			}
		case *int, *int64:
			raw = "3"
		case *Duration:
			raw = "3"
		case *[]string:
			raw = "h3.example"
		default:
			raw = "v3"
		}
		switch o.key {
		case "clickhouse.protocol":
			raw = "http"
		case "clickhouse.conn_open_strategy":
			raw = "round_robin"
		case "clickhouse.compression":
			raw = "zstd"
		case "server.transport":
			raw = "sse"
		case "logging.level":
			raw = "warn"
		case "logging.format":
			raw = "json"
		case "server.cors_origin", "server.openapi.public_url":
			raw = "https://v3.example"
		case "clickhouse.allowed_io_functions":
			raw = "dictGet*"
		case "server.max_inflight_result_bytes":
			raw = "3000000" // at least clickhouse.max_result_bytes
		case "clickhouse.tls.ca_cert", "clickhouse.tls.client_cert", "clickhouse.tls.client_key",
			"server.tls.cert_file", "server.tls.key_file", "server.tls.ca_cert", "clickhouse.cluster_secret_file":
			raw = pem
		}
		for _, via := range []string{"flag", "env"} {
			t.Run(o.key+"/"+via, func(t *testing.T) {
				clearEnv(t)
				var args []string
				if via == "flag" {
					args = []string{"--" + o.flag + "=" + raw}
				} else {
					t.Setenv(o.env, raw)
				}
				got, err := run(t, args...)
				if err != nil && !strings.Contains(err.Error(), "required when") &&
					!strings.Contains(err.Error(), "must be <= clickhouse.max_open_conns") &&
					!strings.HasPrefix(err.Error(), o.key+": not used here") { // a key that only applies with others
					t.Fatal(err)
				}
				want, d := Defaults(), Defaults()
				if reflect.DeepEqual(o.value(&got), o.value(&d)) {
					t.Fatalf("%s unchanged (%v) after setting %q", o.key, o.value(&got), raw)
				}
				// Everything else must be untouched.
				p := reflect.ValueOf(o.field(&want)).Elem()
				p.Set(reflect.ValueOf(o.field(&got)).Elem())
				if !reflect.DeepEqual(got, want) {
					t.Errorf("setting %s changed other keys:\ngot  %+v\nwant %+v", o.key, got, want)
				}
			})
		}
	}
}

func TestFromCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{name: "bad duration flag names the flag", args: []string{"--clickhouse-max-execution-time", "abc"},
			want: []string{"--clickhouse-max-execution-time (env CLICKHOUSE_MAX_EXECUTION_TIME): invalid duration \"abc\""}},
		{name: "bad duration env names the flag and env", env: map[string]string{"MCP_SERVER_READ_TIMEOUT": "1 minute"},
			want: []string{"--server-read-timeout (env MCP_SERVER_READ_TIMEOUT): invalid duration \"1 minute\""}},
		{name: "all duration errors reported", args: []string{"--clickhouse-dial-timeout=x", "--server-idle-timeout=y"},
			want: []string{"--clickhouse-dial-timeout", "--server-idle-timeout"}},
		{name: "bad int flag", args: []string{"--clickhouse-port", "abc"},
			want: []string{"clickhouse-port"}},
		{name: "bad int env", env: map[string]string{"MCP_PORT": "eighty"},
			want: []string{"MCP_PORT", "port"}},
		{name: "validation runs", args: []string{"--clickhouse-protocol", "foo", "--transport", "ws"},
			want: []string{`clickhouse.protocol: invalid value "foo" (allowed: tcp, http)`, `server.transport: invalid value "ws" (allowed: stdio, http, sse)`}},
		{name: "missing config file", args: []string{"--config", "/nonexistent/chmcp.yaml"},
			want: []string{"/nonexistent/chmcp.yaml"}},
		{name: "unknown flag", args: []string{"--clickhouse-hots", "x"},
			want: []string{"clickhouse-hots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := run(t, tt.args...)
			wantErr(t, err, tt.want...)
		})
	}
}

func TestFromCommandConfigFlag(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvConfigFile, writeFile(t, "env.yaml", "clickhouse:\n  host: env-file\n"))
	flagFile := writeFile(t, "flag.json", `{"clickhouse": {"host": "flag-file"}}`)

	cfg, err := run(t)
	if err != nil || cfg.ClickHouse.Host != "env-file" {
		t.Errorf("CONFIG_FILE: host = %q, err = %v", cfg.ClickHouse.Host, err)
	}
	cfg, err = run(t, "--config", flagFile)
	if err != nil || cfg.ClickHouse.Host != "flag-file" {
		t.Errorf("--config over CONFIG_FILE: host = %q, err = %v", cfg.ClickHouse.Host, err)
	}
	t.Setenv(EnvConfigFile, "")
	cfg, err = run(t)
	if err != nil || cfg.ClickHouse.Host != "localhost" {
		t.Errorf("empty CONFIG_FILE means no file: host = %q, err = %v", cfg.ClickHouse.Host, err)
	}
	// A file that is loadable but invalid: the assembled config comes back
	// with the validation error.
	t.Setenv(EnvConfigFile, writeFile(t, "bad.yaml", "logging:\n  level: loud\n"))
	cfg, err = run(t)
	if err == nil || !strings.Contains(err.Error(), `logging.level: invalid value "loud" (allowed: debug, info, warn, error)`) {
		t.Errorf("err = %v", err)
	}
	if cfg.Logging.Level != "loud" {
		t.Errorf("config not returned with the validation error: %+v", cfg.Logging)
	}
}

func TestFlagsTable(t *testing.T) {
	seen := map[string]string{}
	for _, f := range Flags() {
		for _, n := range f.Names() {
			if prev, dup := seen["flag "+n]; dup {
				t.Errorf("flag %q defined twice (%s)", n, prev)
			}
			seen["flag "+n] = n
		}
	}
	for _, o := range options {
		if o.fileOnly() {
			continue
		}
		if o.key == "" || o.flag == "" || o.env == "" || o.usage == "" {
			t.Errorf("incomplete option %+v", o)
		}
		if _, dup := seen["env "+o.env]; dup {
			t.Errorf("env %s used twice", o.env)
		}
		seen["env "+o.env] = o.key
		if _, dup := seen["key "+o.key]; dup {
			t.Errorf("key %s listed twice", o.key)
		}
		seen["key "+o.key] = o.key
		if prefixes[o.key] {
			t.Errorf("key %s is both a value and a section", o.key)
		}
	}
	// Flags() must be fresh each time: urfave flags hold parse state.
	a, b := Flags(), Flags()
	if a[1] == b[1] {
		t.Error("Flags() returned shared flag instances")
	}
	// The required altinity-mcp names.
	for flag, env := range map[string]string{
		"clickhouse-host": "CLICKHOUSE_HOST", "clickhouse-port": "CLICKHOUSE_PORT", "clickhouse-database": "CLICKHOUSE_DATABASE",
		"clickhouse-username": "CLICKHOUSE_USERNAME", "clickhouse-password": "CLICKHOUSE_PASSWORD", "clickhouse-protocol": "CLICKHOUSE_PROTOCOL",
		"clickhouse-tls": "CLICKHOUSE_TLS", "clickhouse-tls-ca-cert": "CLICKHOUSE_TLS_CA_CERT", "read-only": "CLICKHOUSE_READ_ONLY",
		"clickhouse-max-execution-time": "CLICKHOUSE_MAX_EXECUTION_TIME", "transport": "MCP_TRANSPORT", "address": "MCP_ADDRESS",
		"port": "MCP_PORT", "cors-origin": "MCP_CORS_ORIGIN", "allowed-hosts": "MCP_ALLOWED_HOSTS", "server-tls": "MCP_SERVER_TLS",
		"server-tls-cert-file": "MCP_SERVER_TLS_CERT_FILE", "server-tls-key-file": "MCP_SERVER_TLS_KEY_FILE",
		"log-level": "LOG_LEVEL", "log-format": "LOG_FORMAT",
	} {
		found := false
		for _, o := range options {
			if o.flag == flag {
				found = true
				if o.env != env {
					t.Errorf("--%s reads %s, want %s", flag, o.env, env)
				}
			}
		}
		if !found {
			t.Errorf("missing flag --%s", flag)
		}
	}
}
