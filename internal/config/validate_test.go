package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("Defaults() invalid: %v", err)
	}
	if !Defaults().ClickHouse.ReadOnly {
		t.Error("read_only must default to true (least privilege)")
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	pem := filepath.Join(dir, "ok.pem")
	if err := os.WriteFile(pem, []byte("-----BEGIN CERTIFICATE-----"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // exact fragment; "" = valid
	}{
		// clickhouse.host / port / username / password / protocol
		{"host empty", func(c *Config) { c.ClickHouse.Host = "" }, "clickhouse.host: must not be empty"},
		{"host blank", func(c *Config) { c.ClickHouse.Host = "  " }, "clickhouse.host: must not be empty"},
		{"host with scheme", func(c *Config) { c.ClickHouse.Host = "http://ch:8123" }, `clickhouse.host: invalid value "http://ch:8123" (want host[:port], a host name or IP address without scheme or path; IPv6 with a port as [addr]:port)`},
		{"host with path", func(c *Config) { c.ClickHouse.Host = "ch/x" }, `clickhouse.host: invalid value "ch/x" (want host[:port]`},
		{"host with port", func(c *Config) { c.ClickHouse.Host = "ch:9000" }, ""},
		{"host ipv6", func(c *Config) { c.ClickHouse.Host = "::1" }, ""},
		{"host ipv6 bracketed with port", func(c *Config) { c.ClickHouse.Host = "[::1]:9000" }, ""},
		{"host list", func(c *Config) { c.ClickHouse.Host = "ch-1:9000, ch-2 ,[::1]:9001,10.0.0.3" }, ""},
		{"host list stray comma", func(c *Config) { c.ClickHouse.Host = "ch-1,,ch-2" }, `clickhouse.host: entry 2 "": empty entry (a stray comma?)`},
		{"host list trailing comma", func(c *Config) { c.ClickHouse.Host = "ch-1," }, `clickhouse.host: entry 2 "": empty entry`},
		{"host list bad port", func(c *Config) { c.ClickHouse.Host = "ch-1,ch-2:99999" }, `clickhouse.host: entry 2 "ch-2:99999": invalid port "99999" (allowed: 1..65535)`},
		{"host port zero", func(c *Config) { c.ClickHouse.Host = "ch-1:0" }, `clickhouse.host: invalid value "ch-1:0" (invalid port "0" (allowed: 1..65535))`},
		{"host empty port", func(c *Config) { c.ClickHouse.Host = "ch-1:" }, `clickhouse.host: invalid value "ch-1:" (empty port)`},
		{"host ipv4 in brackets", func(c *Config) { c.ClickHouse.Host = "[10.0.0.1]:9000" }, `only IPv6 addresses go in brackets`},
		{"host bad bracket", func(c *Config) { c.ClickHouse.Host = "a,[::1" }, `clickhouse.host: entry 2 "[::1": want host[:port]`},
		{"host list duplicate", func(c *Config) { c.ClickHouse.Host = "CH-1:9000,ch-1:9000" }, `clickhouse.host: entry 2 "ch-1:9000": same as entry 1`},
		{"host list same host other port", func(c *Config) { c.ClickHouse.Host = "ch-1:9000,ch-1:9001" }, ""},
		{"conn open strategy", func(c *Config) { c.ClickHouse.ConnOpenStrategy = "fastest" }, `clickhouse.conn_open_strategy: invalid value "fastest" (allowed: in_order, round_robin, random)`},
		{"conn open strategy round robin", func(c *Config) { c.ClickHouse.ConnOpenStrategy = ConnOpenRoundRobin }, ""},
		{"compression", func(c *Config) { c.ClickHouse.Compression = "gzip" }, `clickhouse.compression: invalid value "gzip" (allowed: none, lz4, zstd)`},
		{"compression lz4", func(c *Config) { c.ClickHouse.Compression = CompressionLZ4 }, ""},
		{"compression over http", func(c *Config) { c.ClickHouse.Protocol, c.ClickHouse.Compression = ProtocolHTTP, CompressionZSTD },
			`clickhouse.compression: invalid value "zstd" with clickhouse.protocol http`},
		// JWE, OpenAPI, tool rules
		{"jwe without key", func(c *Config) { c.Server.Transport, c.Server.JWE.Enabled = TransportHTTP, true }, "server.jwe.secret_key: required when server.jwe.enabled"},
		{"jwe short key", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey = TransportHTTP, true, "short"
		}, "server.jwe.secret_key: too short: 5 bytes, need at least 32"},
		{"jwe key and key file", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.SecretKeyFile = TransportHTTP, true, Secret(strings.Repeat("k", 32)), pem
		}, "server.jwe.secret_key: set together with server.jwe.secret_key_file; use one of them"},
		{"jwe key file missing", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKeyFile = TransportHTTP, true, missing
		}, "server.jwe.secret_key_file: cannot read file"},
		{"jwe short jwt key", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKeyFile, c.Server.JWE.JWTSecretKey = TransportHTTP, true, pem, "short"
		}, "server.jwe.jwt_secret_key: too short: 5 bytes, need at least 32"},
		{"jwe over stdio", func(c *Config) { c.Server.JWE.Enabled, c.Server.JWE.SecretKey = true, Secret(strings.Repeat("k", 32)) }, "server.jwe.enabled: requires server.transport http or sse"},
		{"jwe mint open", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.MintEnabled = TransportHTTP, true, Secret(strings.Repeat("k", 32)), true
		}, "server.jwe.mint_enabled: needs server.oauth.enabled or a server.jwe.mint_admin_key of at least 32 bytes"},
		{"jwe ok", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey = TransportHTTP, true, Secret(strings.Repeat("k", 32))
		}, ""},
		// server.jwe.allowed_targets: where the server's own login may go
		{"jwe targets ok", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey = TransportHTTP, true, Secret(strings.Repeat("k", 32))
			c.Server.JWE.AllowedHosts, c.Server.JWE.AllowedTargets = []string{"ch2.internal", "::1"}, []string{"localhost:8123", "CH2.internal:9000", "[::1]:9000"}
		}, ""},
		{"jwe target on a second clickhouse.host node", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey = TransportHTTP, true, Secret(strings.Repeat("k", 32))
			c.ClickHouse.Host, c.Server.JWE.AllowedTargets = "ch1.internal:9000,ch2.internal", []string{"ch2.internal:9440"}
		}, ""},
		{"jwe target without port", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.AllowedTargets = TransportHTTP, true, Secret(strings.Repeat("k", 32)), []string{"localhost"}
		}, `server.jwe.allowed_targets[0]: invalid value "localhost" (want host:port`},
		{"jwe target bad port", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.AllowedTargets = TransportHTTP, true, Secret(strings.Repeat("k", 32)), []string{"localhost:0"}
		}, `server.jwe.allowed_targets[0]: invalid value "localhost:0" (port must be 1..65535)`},
		{"jwe target on a host no token may name", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.AllowedTargets = TransportHTTP, true, Secret(strings.Repeat("k", 32)), []string{"evil.example:9000"}
		}, `server.jwe.allowed_targets[0]: host "evil.example" is neither clickhouse.host nor in server.jwe.allowed_hosts`},
		{"jwe targets with a cluster secret", func(c *Config) {
			c.Server.Transport, c.Server.JWE.Enabled, c.Server.JWE.SecretKey, c.Server.JWE.AllowedTargets = TransportHTTP, true, Secret(strings.Repeat("k", 32)), []string{"localhost:8123"}
			c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret = "cl", "s"
		}, "server.jwe.allowed_targets[0]: not used with a cluster secret"},
		// server.cors_origin "*" needs authentication or an explicit opt-in
		{"public cors without auth", func(c *Config) { c.Server.Transport, c.Server.CORSOrigin = TransportHTTP, "*" },
			`server.cors_origin: "*" with neither server.oauth nor server.jwe enabled`},
		{"public cors allowed", func(c *Config) {
			c.Server.Transport, c.Server.CORSOrigin, c.Server.AllowPublicCORS = TransportHTTP, "*", true
		}, ""},
		{"public cors with jwe", func(c *Config) {
			c.Server.Transport, c.Server.CORSOrigin, c.Server.JWE.Enabled, c.Server.JWE.SecretKey = TransportSSE, "*", true, Secret(strings.Repeat("k", 32))
		}, ""},
		{"public cors over stdio", func(c *Config) { c.Server.CORSOrigin = "*" }, ""},
		{"allow_public_cors unused", func(c *Config) {
			c.Server.Transport, c.Server.CORSOrigin, c.Server.AllowPublicCORS = TransportHTTP, "https://app.example.com", true
		}, "server.allow_public_cors: not used here"},
		{"openapi bad url", func(c *Config) { c.Server.OpenAPI.PublicURL = "ftp://x" }, `server.openapi.public_url: invalid value "ftp://x"`},
		{"tool rule bad type", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "delete", ViewRegexp: "x"}} }, `server.tools[0].type: invalid value "delete" (allowed: read, write)`},
		{"tool rule read without regexp", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "read"}} }, "server.tools[0].view_regexp: required for type: read"},
		{"tool rule write needs insert", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "write", TableRegexp: "x"}} }, `server.tools[0].mode: invalid value "" (allowed: insert)`},
		{"tool rule bad regexp", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "read", ViewRegexp: "("}} }, `server.tools[0].view_regexp: invalid regular expression "("`},
		{"tool rule mixed", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "read", ViewRegexp: "a", TableRegexp: "b"}} }, "server.tools[0].table_regexp: not used for type: read"},
		{"tool rule bad prefix", func(c *Config) { c.Server.Tools = []ToolRule{{Type: "read", ViewRegexp: "a", Prefix: "a b"}} }, `server.tools[0].prefix: invalid value "a b"`},
		{"tool rules ok", func(c *Config) {
			c.Server.Tools = []ToolRule{{Type: "read", ViewRegexp: "^a\\..*", Prefix: "a_"}, {Type: "write", TableRegexp: "^b\\.t$", Mode: "insert"}}
		}, ""},
		// server.metrics
		{"metrics on main server", func(c *Config) { c.Server.Transport, c.Server.Metrics.Enabled = TransportHTTP, true }, ""},
		{"metrics own address", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "127.0.0.1:9464"} }, ""},
		{"metrics all interfaces", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: ":9464"} }, ""},
		{"metrics ipv6", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "[::1]:9464"} }, ""},
		{"metrics host name", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "metrics.internal:9464"} }, ""},
		{"metrics over stdio needs address", func(c *Config) { c.Server.Metrics.Enabled = true }, "server.metrics.address: required when server.metrics.enabled and server.transport is stdio"},
		{"metrics address without port", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "127.0.0.1"} }, `server.metrics.address: invalid value "127.0.0.1" (want host:port`},
		{"metrics address url", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "http://127.0.0.1:9464"} }, `server.metrics.address: invalid value "http://127.0.0.1:9464"`},
		{"metrics address bad host", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "a b:9464"} }, `server.metrics.address: invalid value "a b:9464" (invalid host "a b")`},
		{"metrics address port 0", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "127.0.0.1:0"} }, `server.metrics.address: invalid value "127.0.0.1:0" (port must be 1..65535)`},
		{"metrics address named port", func(c *Config) { c.Server.Metrics = MetricsConfig{Enabled: true, Address: "127.0.0.1:http"} }, "(port must be 1..65535)"},
		{"metrics address ignored when disabled", func(c *Config) { c.Server.Metrics.Address = "not an address" }, ""},

		// interserver secret
		{"secret over http", func(c *Config) {
			c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret, c.ClickHouse.Protocol = "c", "s", ProtocolHTTP
		}, `clickhouse.protocol: invalid value "http" with a cluster secret (interserver-secret authentication needs tcp, the native protocol)`},
		{"secret without name", func(c *Config) { c.ClickHouse.ClusterSecret = "s" }, "clickhouse.cluster_name: required when a cluster secret is set"},
		{"secret file without name", func(c *Config) { c.ClickHouse.ClusterSecretFile = pem }, "clickhouse.cluster_name: required when a cluster secret is set"},
		{"name without secret", func(c *Config) { c.ClickHouse.ClusterName = "c" }, "clickhouse.cluster_secret: required when clickhouse.cluster_name is set"},
		{"secret and secret file", func(c *Config) {
			c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret, c.ClickHouse.ClusterSecretFile = "c", "s", pem
		}, "clickhouse.cluster_secret: set together with clickhouse.cluster_secret_file; use one of them"},
		{"secret file missing", func(c *Config) { c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecretFile = "c", missing }, "clickhouse.cluster_secret_file: cannot read file"},
		{"secret fallback user empty", func(c *Config) {
			c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret, c.ClickHouse.Username = "c", "s", ""
		}, "clickhouse.username: must not be empty"},
		{"secret ok", func(c *Config) { c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret = "c", "s" }, ""},
		{"bad denied regexp", func(c *Config) { c.ClickHouse.Impersonation.DeniedUsers = []string{"("} }, `clickhouse.impersonation.denied_users: invalid regular expression "("`},
		{"no user claims", func(c *Config) { c.ClickHouse.Impersonation.UserClaims = nil }, "clickhouse.impersonation.user_claims: must name at least one claim"},
		{"bad claim", func(c *Config) { c.ClickHouse.Impersonation.UserClaims = []string{"e mail"} }, `clickhouse.impersonation.user_claims: invalid claim name "e mail"`},
		// Issue 9: identity mapping cannot be steered.
		{"strip_domain without domains", func(c *Config) { c.ClickHouse.Impersonation.StripDomain = true },
			"clickhouse.impersonation.allowed_domains: required when clickhouse.impersonation.strip_domain is true and server.oauth.allowed_email_domains is not set: without a domain restriction alice@attacker.example would be mapped to the internal user alice"},
		{"strip_domain, OAuth's domains without OAuth", func(c *Config) {
			c.ClickHouse.Impersonation.StripDomain = true
			c.Server.OAuth.AllowedEmailDomains = []string{"corp.com"}
		}, "clickhouse.impersonation.allowed_domains: required when clickhouse.impersonation.strip_domain is true"},
		{"strip_domain with domains", func(c *Config) {
			c.ClickHouse.Impersonation.StripDomain, c.ClickHouse.Impersonation.AllowedDomains = true, []string{"corp.com", "Corp-2.example"}
		}, ""},
		{"mutable claim", func(c *Config) { c.ClickHouse.Impersonation.UserClaims = []string{"email", "preferred_username"} },
			`clickhouse.impersonation.user_claims: claim "preferred_username" can be changed by the user at the identity provider, so anyone could pick their ClickHouse user; use email or sub, or set clickhouse.impersonation.allow_mutable_claims: true`},
		{"mutable claim: name", func(c *Config) { c.ClickHouse.Impersonation.UserClaims = []string{"name"} }, `claim "name" can be changed by the user`},
		{"mutable claim: nickname", func(c *Config) { c.ClickHouse.Impersonation.UserClaims = []string{"nickname"} }, `claim "nickname" can be changed by the user`},
		{"mutable claim allowed", func(c *Config) {
			c.ClickHouse.Impersonation.UserClaims, c.ClickHouse.Impersonation.AllowMutableClaims = []string{"preferred_username"}, true
		}, ""},
		{"domain wildcard", func(c *Config) { c.ClickHouse.Impersonation.AllowedDomains = []string{"*.corp.com"} },
			`clickhouse.impersonation.allowed_domains: invalid domain "*.corp.com" (want an ASCII domain name such as example.com, without @ or wildcards)`},
		{"domain with @", func(c *Config) { c.ClickHouse.Impersonation.AllowedDomains = []string{"@corp.com"} }, `allowed_domains: invalid domain "@corp.com"`},
		{"unicode domain", func(c *Config) { c.ClickHouse.Impersonation.AllowedDomains = []string{"\u212Aorp.com"} }, "allowed_domains: invalid domain"},
		{"empty protected user", func(c *Config) { c.ClickHouse.Impersonation.ProtectedUsers = []string{"admin", ""} }, "clickhouse.impersonation.protected_users: empty user name"},

		{"host underscore", func(c *Config) { c.ClickHouse.Host = "clickhouse_server" }, ""},
		{"port 0 ok", func(c *Config) { c.ClickHouse.Port = 0 }, ""},
		{"port 65535 ok", func(c *Config) { c.ClickHouse.Port = 65535 }, ""},
		{"port too big", func(c *Config) { c.ClickHouse.Port = 65536 }, "clickhouse.port: invalid value 65536 (allowed: 0..65535; 0 = protocol default)"},
		{"port negative", func(c *Config) { c.ClickHouse.Port = -1 }, "clickhouse.port: invalid value -1 (allowed: 0..65535"},
		{"username empty", func(c *Config) { c.ClickHouse.Username = "" }, "clickhouse.username: must not be empty"},
		{"password placeholder", func(c *Config) { c.ClickHouse.Password = "[REDACTED]" }, "clickhouse.password: is the [REDACTED] placeholder of a config dump"},
		{"cluster secret placeholder", func(c *Config) { c.ClickHouse.ClusterName, c.ClickHouse.ClusterSecret = "c", "[REDACTED]" },
			"clickhouse.cluster_secret: is the [REDACTED] placeholder of a config dump"},
		{"any secret placeholder", func(c *Config) { c.Server.OAuth.Upstream.ClientSecret = "[REDACTED]" },
			"server.oauth.upstream.client_secret: is the [REDACTED] placeholder of a config dump"},
		{"protocol", func(c *Config) { c.ClickHouse.Protocol = "foo" }, `clickhouse.protocol: invalid value "foo" (allowed: tcp, http)`},
		{"protocol case-sensitive", func(c *Config) { c.ClickHouse.Protocol = "HTTP" }, `clickhouse.protocol: invalid value "HTTP" (allowed: tcp, http)`},
		{"protocol http", func(c *Config) { c.ClickHouse.Protocol = "http" }, ""},

		// clickhouse.tls
		{"client cert without key", func(c *Config) { c.ClickHouse.TLS.ClientCert = pem }, "clickhouse.tls.client_key: required when clickhouse.tls.client_cert is set"},
		{"client key without cert", func(c *Config) { c.ClickHouse.TLS.ClientKey = pem }, "clickhouse.tls.client_cert: required when clickhouse.tls.client_key is set"},
		{"client pair ok", func(c *Config) {
			c.ClickHouse.TLS = TLSConfig{Enabled: true, CACert: pem, ClientCert: pem, ClientKey: pem}
		}, ""},
		{"ca missing", func(c *Config) { c.ClickHouse.TLS.CACert = missing }, `clickhouse.tls.ca_cert: cannot read file "` + missing + `": no such file or directory`},
		{"ca is a directory", func(c *Config) { c.ClickHouse.TLS.CACert = dir }, `clickhouse.tls.ca_cert: cannot read file "` + dir + `": is a directory`},
		{"client cert missing", func(c *Config) { c.ClickHouse.TLS.ClientCert, c.ClickHouse.TLS.ClientKey = missing, pem }, "clickhouse.tls.client_cert: cannot read file"},
		{"client key missing", func(c *Config) { c.ClickHouse.TLS.ClientCert, c.ClickHouse.TLS.ClientKey = pem, missing }, "clickhouse.tls.client_key: cannot read file"},
		{"server-only field on clickhouse", func(c *Config) { c.ClickHouse.TLS.CertFile = pem }, "clickhouse.tls.cert_file: not used here (use clickhouse.tls.client_cert)"},
		{"server-only key on clickhouse", func(c *Config) { c.ClickHouse.TLS.KeyFile = pem }, "clickhouse.tls.key_file: not used here (use clickhouse.tls.client_key)"},

		// clickhouse limits and pool
		{"max_execution_time negative", func(c *Config) { c.ClickHouse.MaxExecutionTime = Duration(-time.Second) }, "clickhouse.max_execution_time: invalid value -1s (must be >= 0; 0 = no limit)"},
		{"max_execution_time zero ok", func(c *Config) { c.ClickHouse.MaxExecutionTime = 0 }, ""},
		{"max_result_rows", func(c *Config) { c.ClickHouse.MaxResultRows = 0 }, "clickhouse.max_result_rows: invalid value 0 (must be >= 1)"},
		{"max_result_bytes", func(c *Config) { c.ClickHouse.MaxResultBytes = -5 }, "clickhouse.max_result_bytes: invalid value -5 (must be >= 1)"},
		{"max_query_length", func(c *Config) { c.ClickHouse.MaxQueryLength = 0 }, "clickhouse.max_query_length: invalid value 0 (must be >= 1)"},
		{"max_rows_to_read negative", func(c *Config) { c.ClickHouse.MaxRowsToRead = -1 }, "clickhouse.max_rows_to_read: invalid value -1 (must be >= 0; 0 = leave the limit to ClickHouse and the user's profile)"},
		{"max_bytes_to_read negative", func(c *Config) { c.ClickHouse.MaxBytesToRead = -2 }, "clickhouse.max_bytes_to_read: invalid value -2 (must be >= 0"},
		{"max_memory_usage negative", func(c *Config) { c.ClickHouse.MaxMemoryUsage = -3 }, "clickhouse.max_memory_usage: invalid value -3 (must be >= 0"},
		{"guardrails zero ok", func(c *Config) {
			c.ClickHouse.MaxRowsToRead, c.ClickHouse.MaxBytesToRead, c.ClickHouse.MaxMemoryUsage = 0, 0, 0
		}, ""},
		{"max_open_conns", func(c *Config) { c.ClickHouse.MaxOpenConns, c.ClickHouse.MaxIdleConns = 0, 0 }, "clickhouse.max_open_conns: invalid value 0 (must be >= 1)"},
		{"max_idle_conns negative", func(c *Config) { c.ClickHouse.MaxIdleConns = -1 }, "clickhouse.max_idle_conns: invalid value -1 (must be >= 0)"},
		{"max_idle_conns above open", func(c *Config) { c.ClickHouse.MaxIdleConns = 17 }, "clickhouse.max_idle_conns: invalid value 17 (must be <= clickhouse.max_open_conns, which is 16)"},
		{"max_idle_conns zero ok", func(c *Config) { c.ClickHouse.MaxIdleConns = 0 }, ""},
		{"dial_timeout zero", func(c *Config) { c.ClickHouse.DialTimeout = 0 }, "clickhouse.dial_timeout: invalid value 0s (must be > 0)"},

		// server
		{"transport", func(c *Config) { c.Server.Transport = "ws" }, `server.transport: invalid value "ws" (allowed: stdio, http, sse)`},
		{"transport empty", func(c *Config) { c.Server.Transport = "" }, `server.transport: invalid value "" (allowed: stdio, http, sse)`},
		{"http port 0", func(c *Config) { c.Server.Transport, c.Server.Port = "http", 0 }, "server.port: invalid value 0 (allowed: 1..65535 when server.transport is http)"},
		{"sse port too big", func(c *Config) { c.Server.Transport, c.Server.Port = "sse", 70000 }, "server.port: invalid value 70000 (allowed: 1..65535 when server.transport is sse)"},
		{"stdio port 0 ok", func(c *Config) { c.Server.Port = 0 }, ""},
		{"stdio port negative", func(c *Config) { c.Server.Port = -1 }, "server.port: invalid value -1 (allowed: 0..65535)"},
		{"address with port", func(c *Config) { c.Server.Address = "0.0.0.0:8080" }, `server.address: invalid value "0.0.0.0:8080"`},
		{"address empty ok", func(c *Config) { c.Server.Address = "" }, ""},
		{"address ipv6 ok", func(c *Config) { c.Server.Address = "::" }, ""},
		{"cors star", func(c *Config) { c.Server.CORSOrigin = "*" }, ""},
		{"cors origin", func(c *Config) { c.Server.CORSOrigin = "https://app.example.com:8443" }, ""},
		{"cors ipv6 origin", func(c *Config) { c.Server.CORSOrigin = "http://[::1]:3000" }, ""},
		{"cors bare host", func(c *Config) { c.Server.CORSOrigin = "example.com" }, `server.cors_origin: invalid value "example.com" (want scheme://host[:port]; allowed: "", "*" or an origin scheme://host[:port])`},
		{"cors path", func(c *Config) { c.Server.CORSOrigin = "https://example.com/" }, "server.cors_origin: invalid value \"https://example.com/\" (must not have a path, query or fragment"},
		{"cors query", func(c *Config) { c.Server.CORSOrigin = "https://example.com?a=1" }, "must not have a path, query or fragment"},
		{"cors user", func(c *Config) { c.Server.CORSOrigin = "https://u:p@example.com" }, "must not contain user info"},
		{"cors bad port", func(c *Config) { c.Server.CORSOrigin = "https://example.com:99999" }, "invalid port"},
		{"cors empty port", func(c *Config) { c.Server.CORSOrigin = "https://example.com:" }, "invalid port"},
		{"cors wildcard host", func(c *Config) { c.Server.CORSOrigin = "https://*.example.com" }, "invalid host"},
		{"cors list", func(c *Config) { c.Server.CORSOrigin = "https://a.com,https://b.com" }, `server.cors_origin: invalid value "https://a.com,https://b.com"`},
		{"allowed_hosts ok", func(c *Config) { c.Server.AllowedHosts = []string{"mcp.example.com", "10.0.0.1"} }, ""},
		{"allowed_hosts bad", func(c *Config) { c.Server.AllowedHosts = []string{"ok.example", "https://x.example"} }, `server.allowed_hosts[1]: invalid value "https://x.example"`},
		{"allowed_hosts empty item", func(c *Config) { c.Server.AllowedHosts = []string{""} }, `server.allowed_hosts[0]: invalid value ""`},
		{"server tls needs cert and key", func(c *Config) { c.Server.TLS.Enabled = true }, "server.tls.cert_file: required when server.tls.enabled is true"},
		{"server tls needs key", func(c *Config) { c.Server.TLS = TLSConfig{Enabled: true, CertFile: pem} }, "server.tls.key_file: required when server.tls.enabled is true"},
		{"server tls ok", func(c *Config) { c.Server.TLS = TLSConfig{Enabled: true, CertFile: pem, KeyFile: pem} }, ""},
		{"server cert missing", func(c *Config) { c.Server.TLS = TLSConfig{Enabled: true, CertFile: missing, KeyFile: pem} }, `server.tls.cert_file: cannot read file "` + missing + `"`},
		{"server key missing", func(c *Config) { c.Server.TLS = TLSConfig{Enabled: true, CertFile: pem, KeyFile: missing} }, "server.tls.key_file: cannot read file"},
		{"server ca not implemented", func(c *Config) { c.Server.TLS.CACert = pem }, "server.tls.ca_cert: not used here (client certificate verification is not implemented)"},
		{"client-only field on server", func(c *Config) { c.Server.TLS.ClientCert = pem }, "server.tls.client_cert: not used here (use server.tls.cert_file)"},
		{"client-only key on server", func(c *Config) { c.Server.TLS.ClientKey = pem }, "server.tls.client_key: not used here (use server.tls.key_file)"},
		{"skip verify on server", func(c *Config) { c.Server.TLS.InsecureSkipVerify = true }, "server.tls.insecure_skip_verify: not used here (applies to clickhouse.tls only)"},
		{"read_header_timeout", func(c *Config) { c.Server.ReadHeaderTimeout = 0 }, "server.read_header_timeout: invalid value 0s (must be > 0)"},
		{"read_timeout", func(c *Config) { c.Server.ReadTimeout = Duration(-time.Second) }, "server.read_timeout: invalid value -1s (must be > 0)"},
		{"idle_timeout", func(c *Config) { c.Server.IdleTimeout = 0 }, "server.idle_timeout: invalid value 0s (must be > 0)"},
		{"shutdown_timeout", func(c *Config) { c.Server.ShutdownTimeout = 0 }, "server.shutdown_timeout: invalid value 0s (must be > 0)"},
		{"max_body_bytes", func(c *Config) { c.Server.MaxBodyBytes = 0 }, "server.max_body_bytes: invalid value 0 (must be >= 1)"},
		{"max_inflight_result_bytes below one result", func(c *Config) { c.Server.MaxInflightResultBytes = 1000 },
			"server.max_inflight_result_bytes: invalid value 1000 (must be 0, derived from the memory limit, or at least clickhouse.max_result_bytes = 102400)"},
		{"max_inflight_result_bytes negative", func(c *Config) { c.Server.MaxInflightResultBytes = -1 },
			"server.max_inflight_result_bytes: invalid value -1 (must be 0, derived from the memory limit, or at least clickhouse.max_result_bytes = 102400)"},

		// logging
		{"log level", func(c *Config) { c.Logging.Level = "trace" }, `logging.level: invalid value "trace" (allowed: debug, info, warn, error)`},
		{"log format", func(c *Config) { c.Logging.Format = "xml" }, `logging.format: invalid value "xml" (allowed: text, json)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			wantErr(t, err, tt.want)
		})
	}
}

func TestValidateUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(path, []byte("PRIVATE KEY MATERIAL"), 0o000); err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.ClickHouse.TLS.ClientCert, c.ClickHouse.TLS.ClientKey = path, path
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "clickhouse.tls.client_key: cannot read file") || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateCollectsAll(t *testing.T) {
	c := Defaults()
	c.ClickHouse.Protocol = "foo"
	c.ClickHouse.MaxResultRows = 0
	c.Server.Transport = "ws"
	c.Logging.Level = "loud"
	c.Logging.Format = "xml"
	err := c.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error is not an errors.Join: %T", err)
	}
	if n := len(joined.Unwrap()); n != 5 {
		t.Errorf("got %d problems, want 5:\n%v", n, err)
	}
	for _, key := range []string{"clickhouse.protocol", "clickhouse.max_result_rows", "server.transport", "logging.level", "logging.format"} {
		if !strings.Contains(err.Error(), key+": ") {
			t.Errorf("missing %s in %v", key, err)
		}
	}
	var target interface{ Unwrap() []error }
	if !errors.As(err, &target) {
		t.Error("errors.As should find the joined error")
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"example.com": false, "10.0.0.1": false, "::": false, "": false, "[::1]": false, "localhost.example.com": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestStripDomainWithOAuthDomains: OAuth's allowed_email_domains is a
// domain restriction for strip_domain when OAuth is on.
func TestStripDomainWithOAuthDomains(t *testing.T) {
	c := Defaults()
	c.Server.Transport = TransportHTTP
	c.ClickHouse.Impersonation.StripDomain = true
	c.Server.OAuth.Enabled, c.Server.OAuth.AllowedEmailDomains = true, []string{"corp.com"}
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "clickhouse.impersonation.allowed_domains") {
		t.Fatalf("OAuth's domains should do: %v", err)
	}
	c.Server.OAuth.AllowedEmailDomains = nil
	wantErr(t, c.Validate(), "clickhouse.impersonation.allowed_domains: required when")
}
