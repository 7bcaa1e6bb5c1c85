package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const fullYAML = `
clickhouse:
  host: ch.example.com
  port: 9440
  database: analytics
  username: mcp
  password: "s3cret"
  protocol: http
  tls:
    enabled: true
    insecure_skip_verify: true
  read_only: false
  max_execution_time: 30      # plain seconds, altinity-mcp style
  max_result_rows: 500
  max_result_bytes: 2048
  max_query_length: 4096
  max_open_conns: 4
  max_idle_conns: 2
  dial_timeout: 1.5
server:
  transport: http
  address: 0.0.0.0
  port: 9090
  cors_origin: https://app.example.com
  allowed_hosts: [mcp.example.com, mcp.internal]
  tls:
    enabled: false
  read_header_timeout: 5s
  read_timeout: 1m
  idle_timeout: 90s
  shutdown_timeout: 10s
  max_body_bytes: 1024
logging:
  level: debug
  format: json
`

const fullJSON = `{
  "clickhouse": {
    "host": "ch.example.com", "port": 9440, "database": "analytics",
    "username": "mcp", "password": "s3cret", "protocol": "http",
    "tls": {"enabled": true, "insecure_skip_verify": true},
    "read_only": false, "max_execution_time": "30s", "max_result_rows": 500,
    "max_result_bytes": 2048, "max_query_length": 4096,
    "max_open_conns": 4, "max_idle_conns": 2, "dial_timeout": 1.5
  },
  "server": {
    "transport": "http", "address": "0.0.0.0", "port": 9090,
    "cors_origin": "https://app.example.com",
    "allowed_hosts": ["mcp.example.com", "mcp.internal"],
    "tls": {"enabled": false},
    "read_header_timeout": "5s", "read_timeout": 60, "idle_timeout": "90s",
    "shutdown_timeout": "10s", "max_body_bytes": 1024
  },
  "logging": {"level": "debug", "format": "json"}
}`

func fullWant() Config {
	c := Defaults()
	ch := &c.ClickHouse
	ch.Host, ch.Port, ch.Database, ch.Username, ch.Password, ch.Protocol = "ch.example.com", 9440, "analytics", "mcp", "s3cret", "http"
	ch.TLS.Enabled, ch.TLS.InsecureSkipVerify = true, true
	ch.ReadOnly, ch.MaxExecutionTime = false, Duration(30*time.Second)
	ch.MaxResultRows, ch.MaxResultBytes, ch.MaxQueryLength = 500, 2048, 4096
	ch.MaxOpenConns, ch.MaxIdleConns, ch.DialTimeout = 4, 2, Duration(1500*time.Millisecond)
	s := &c.Server
	s.Transport, s.Address, s.Port, s.CORSOrigin = "http", "0.0.0.0", 9090, "https://app.example.com"
	s.AllowedHosts = []string{"mcp.example.com", "mcp.internal"}
	s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, s.ShutdownTimeout = Duration(5*time.Second), Duration(time.Minute), Duration(90*time.Second), Duration(10*time.Second)
	s.MaxBodyBytes = 1024
	c.Logging = LoggingConfig{Level: "debug", Format: "json"}
	return c
}

func TestLoadFileFull(t *testing.T) {
	tests := []struct{ name, file, content string }{
		{"yaml", "c.yaml", fullYAML},
		{"yml", "c.yml", fullYAML},
		{"json", "c.json", fullJSON},
		{"json content read by the YAML parser", "c.conf", fullJSON},
		{"upper-case extension", "C.JSON", fullJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFile(writeFile(t, tt.file, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if want := fullWant(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if got.ClickHouse.Password.Reveal() != "s3cret" {
				t.Errorf("password not loaded")
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestLoadFileOverlaysDefaults(t *testing.T) {
	tests := []struct{ name, file, content string }{
		{"empty yaml", "c.yaml", ""},
		{"comment-only yaml", "c.yaml", "# nothing\n"},
		{"empty json", "c.json", "  \n"},
		{"empty json object", "c.json", "{}"},
		{"null sections and values", "c.yaml", "clickhouse:\nserver:\n  port:\n  allowed_hosts: ~\nlogging: null\n"},
		{"json nulls", "c.json", `{"clickhouse": null, "server": {"port": null, "allowed_hosts": null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFile(writeFile(t, tt.file, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, Defaults()) {
				t.Errorf("got %+v, want Defaults()", got)
			}
		})
	}

	got, err := LoadFile(writeFile(t, "c.yaml", "clickhouse:\n  host: other\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.ClickHouse.Host = "other"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("partial file: got %+v, want defaults with host=other", got)
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string // fragments, all required
	}{
		{"yaml unknown top-level key", "c.yaml", "clickhouse:\n  host: h\nfoo: 1\n",
			[]string{"c.yaml:3:1: foo: unknown key"}},
		{"yaml unknown nested key with suggestion", "c.yaml", "clickhouse:\n  hots: h\n",
			[]string{"c.yaml:2:3: clickhouse.hots: unknown key (did you mean \"clickhouse.host\"?)"}},
		{"yaml unknown tls key", "c.yaml", "clickhouse:\n  tls:\n    cert_file: x\n",
			[]string{"clickhouse.tls.cert_file: unknown key"}},
		{"yaml unknown jwe key", "c.yaml", "server:\n  jwe:\n    enable: true\n",
			[]string{"server.jwe.enable: unknown key"}},
		{"yaml tool rule with an unknown field", "c.yaml", "server:\n  tools:\n    - type: read\n      view_regex: x\n",
			[]string{"server.tools: rule 1:", "field view_regex not found"}},
		{"yaml tools not a list", "c.yaml", "server:\n  tools: read\n",
			[]string{"server.tools: expected a list of tool rules"}},
		{"yaml server mTLS not supported", "c.yaml", "server:\n  tls:\n    ca_cert: /x.pem\n",
			[]string{"server.tls.ca_cert: not supported by chmcp: chmcp does not verify client certificates"}},
		{"yaml all problems reported", "c.yaml", "a: 1\nclickhouse:\n  b: 2\n  port: x\n",
			[]string{"a: unknown key", "clickhouse.b: unknown key", "clickhouse.port: expected an integer"}},
		{"yaml int type error", "c.yaml", "clickhouse:\n  port: abc\n",
			[]string{"c.yaml:2:9: clickhouse.port: expected an integer, got \"abc\""}},
		{"yaml quoted int", "c.yaml", "clickhouse:\n  port: \"9000\"\n",
			[]string{"clickhouse.port: expected an integer"}},
		{"yaml float for int", "c.yaml", "clickhouse:\n  max_result_rows: 1.5\n",
			[]string{"clickhouse.max_result_rows: expected an integer"}},
		{"yaml bool type error", "c.yaml", "clickhouse:\n  read_only: maybe\n",
			[]string{"clickhouse.read_only: expected a boolean, got \"maybe\""}},
		{"yaml 1.1 bool", "c.yaml", "clickhouse:\n  read_only: yes\n",
			[]string{"clickhouse.read_only: expected a boolean, got \"yes\""}},
		{"yaml quoted bool", "c.yaml", "clickhouse:\n  read_only: \"true\"\n",
			[]string{"clickhouse.read_only: expected a boolean"}},
		{"yaml duration error", "c.yaml", "clickhouse:\n  max_execution_time: soon\n",
			[]string{"clickhouse.max_execution_time: invalid duration \"soon\""}},
		{"yaml list for string", "c.yaml", "clickhouse:\n  host: [a, b]\n",
			[]string{"clickhouse.host: expected a string, got a list"}},
		{"yaml scalar for list", "c.yaml", "server:\n  allowed_hosts: a,b\n",
			[]string{"server.allowed_hosts: expected a list of strings, got \"a,b\""}},
		{"yaml scalar for section", "c.yaml", "clickhouse: localhost\n",
			[]string{"clickhouse: expected a mapping of keys, got \"localhost\""}},
		{"yaml top-level list", "c.yaml", "- a\n",
			[]string{"c.yaml:1:1: expected a mapping of keys, got a list"}},
		{"yaml duplicate key", "c.yaml", "clickhouse:\n  host: a\n  host: b\n",
			[]string{"c.yaml:3:3: clickhouse.host: duplicate key"}},
		{"yaml two documents", "c.yaml", "clickhouse:\n  host: a\n---\nlogging:\n  level: info\n",
			[]string{"c.yaml:3:1: more than one YAML document"}},
		{"yaml syntax error", "c.yaml", "clickhouse: [\n",
			[]string{"c.yaml: yaml:"}},
		{"json unknown key", "c.json", `{"clickhouse": {"host": "h", "hots": "x"}}`,
			[]string{"c.json: clickhouse.hots: unknown key (did you mean \"clickhouse.host\"?)"}},
		{"json unknown top-level key", "c.json", `{"extra": true}`,
			[]string{"c.json: extra: unknown key"}},
		{"json all problems reported", "c.json", `{"a": 1, "clickhouse": {"port": "9000", "read_only": "yes"}}`,
			[]string{"a: unknown key", "clickhouse.port: expected an integer, got \"9000\"", "clickhouse.read_only: expected a boolean, got \"yes\""}},
		{"json duration error", "c.json", `{"server": {"read_timeout": "abc"}}`,
			[]string{"server.read_timeout: invalid duration \"abc\""}},
		{"json secret type error", "c.json", `{"clickhouse": {"password": 123}}`,
			[]string{"clickhouse.password: expected a string"}},
		{"json list type error", "c.json", `{"server": {"allowed_hosts": "a"}}`,
			[]string{"server.allowed_hosts: expected a list of strings, got \"a\""}},
		{"json section not an object", "c.json", `{"server": [1]}`,
			[]string{"server: expected an object, got an array"}},
		{"json syntax error with line", "c.json", "{\n  \"clickhouse\": {\n    \"host\": ,\n}}",
			[]string{"c.json: line 3: invalid character ','"}},
		{"json trailing data", "c.json", `{} {}`,
			[]string{"c.json: line 1: unexpected data after the top-level JSON value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFile(writeFile(t, tt.file, tt.content))
			wantErr(t, err, tt.want...)
		})
	}
}

// wantErr fails unless err is non-nil and contains every fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q\ndoes not contain %q", err, f)
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v should name the file", err)
	}
}
