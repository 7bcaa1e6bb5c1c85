package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Allowed values of the enumerated keys, shared by Validate, the flag help
// and docs/configuration.md.
var (
	allowedProtocols  = []string{ProtocolTCP, ProtocolHTTP}
	allowedTransports = []string{TransportStdio, TransportHTTP, TransportSSE}
	allowedLogLevels  = []string{"debug", "info", "warn", "error"}
	allowedLogFormats = []string{"text", "json"}
)

// option is one configuration key: its place in the file, its flag, its
// environment variable and the field it sets. The table below is the single
// source of truth for LoadFile (which keys exist), Flags / FromCommand, Dump
// and the reference table in docs/configuration.md.
type option struct {
	key     string // dotted file key, e.g. "clickhouse.tls.ca_cert"
	flag    string // long flag name without dashes
	env     string // environment variable
	allowed string // allowed values / range, for help and docs
	usage   string
	// field returns a pointer to the field in c: *string, *Secret, *bool,
	// *int, *int64, *Duration or *[]string.
	field func(c *Config) any
}

var options = []option{
	// ClickHouse connection.
	{"clickhouse.host", "clickhouse-host", "CLICKHOUSE_HOST", "host[:port], comma-separated; IPv6 as [addr]:port", "ClickHouse server, or several nodes of one cluster (failover per conn_open_strategy)",
		func(c *Config) any { return &c.ClickHouse.Host }},
	{"clickhouse.port", "clickhouse-port", "CLICKHOUSE_PORT", "0..65535", "ClickHouse port of the clickhouse.host entries without one; 0 = protocol default (tcp 9000, tcp+TLS 9440, http 8123, http+TLS 8443)",
		func(c *Config) any { return &c.ClickHouse.Port }},
	{"clickhouse.database", "clickhouse-database", "CLICKHOUSE_DATABASE", "", "Default database",
		func(c *Config) any { return &c.ClickHouse.Database }},
	{"clickhouse.username", "clickhouse-username", "CLICKHOUSE_USERNAME", "non-empty", "ClickHouse user",
		func(c *Config) any { return &c.ClickHouse.Username }},
	{"clickhouse.password", "clickhouse-password", "CLICKHOUSE_PASSWORD", "", "ClickHouse password (secret: redacted in dumps and logs; prefer the env var or the file over the flag)",
		func(c *Config) any { return &c.ClickHouse.Password }},
	{"clickhouse.protocol", "clickhouse-protocol", "CLICKHOUSE_PROTOCOL", strings.Join(allowedProtocols, ", "), "ClickHouse protocol: native tcp or http",
		func(c *Config) any { return &c.ClickHouse.Protocol }},
	{"clickhouse.tls.enabled", "clickhouse-tls", "CLICKHOUSE_TLS", "true, false", "Use TLS to connect to ClickHouse",
		func(c *Config) any { return &c.ClickHouse.TLS.Enabled }},
	{"clickhouse.tls.ca_cert", "clickhouse-tls-ca-cert", "CLICKHOUSE_TLS_CA_CERT", "readable file", "PEM CA bundle to verify the ClickHouse server certificate (default: system roots)",
		func(c *Config) any { return &c.ClickHouse.TLS.CACert }},
	{"clickhouse.tls.client_cert", "clickhouse-tls-client-cert", "CLICKHOUSE_TLS_CLIENT_CERT", "readable file; with client_key", "PEM client certificate for mutual TLS",
		func(c *Config) any { return &c.ClickHouse.TLS.ClientCert }},
	{"clickhouse.tls.client_key", "clickhouse-tls-client-key", "CLICKHOUSE_TLS_CLIENT_KEY", "readable file; with client_cert", "PEM private key of the client certificate",
		func(c *Config) any { return &c.ClickHouse.TLS.ClientKey }},
	{"clickhouse.tls.insecure_skip_verify", "clickhouse-tls-insecure-skip-verify", "CLICKHOUSE_TLS_INSECURE_SKIP_VERIFY", "true, false", "Do not verify the ClickHouse server certificate (testing only)",
		func(c *Config) any { return &c.ClickHouse.TLS.InsecureSkipVerify }},

	// Interserver-secret authentication and impersonation.
	{"clickhouse.cluster_name", "clickhouse-cluster-name", "CLICKHOUSE_CLUSTER_NAME", "a <remote_servers> cluster name", "Cluster whose <secret> chmcp presents; required with a cluster secret",
		func(c *Config) any { return &c.ClickHouse.ClusterName }},
	{"clickhouse.cluster_secret", "clickhouse-cluster-secret", "CLICKHOUSE_CLUSTER_SECRET", "needs protocol tcp; exclusive with cluster_secret_file", "Interserver secret of the cluster (secret: redacted); queries then run as the caller, no password is sent",
		func(c *Config) any { return &c.ClickHouse.ClusterSecret }},
	{"clickhouse.cluster_secret_file", "clickhouse-cluster-secret-file", "CLICKHOUSE_CLUSTER_SECRET_FILE", "readable, non-empty file", "Read the interserver secret from this file (Kubernetes secrets, secret managers)",
		func(c *Config) any { return &c.ClickHouse.ClusterSecretFile }},
	{"clickhouse.impersonation.user_claims", "clickhouse-impersonation-user-claims", "CLICKHOUSE_IMPERSONATION_USER_CLAIMS", "claim names, in order", "Verified claims that name the ClickHouse user, first non-empty wins",
		func(c *Config) any { return &c.ClickHouse.Impersonation.UserClaims }},
	{"clickhouse.impersonation.lowercase", "clickhouse-impersonation-lowercase", "CLICKHOUSE_IMPERSONATION_LOWERCASE", "true, false", "Lower-case the mapped user name",
		func(c *Config) any { return &c.ClickHouse.Impersonation.Lowercase }},
	{"clickhouse.impersonation.strip_domain", "clickhouse-impersonation-strip-domain", "CLICKHOUSE_IMPERSONATION_STRIP_DOMAIN", "true, false", "Drop the @domain of an email claim",
		func(c *Config) any { return &c.ClickHouse.Impersonation.StripDomain }},
	{"clickhouse.impersonation.allowed_users", "clickhouse-impersonation-allowed-users", "CLICKHOUSE_IMPERSONATION_ALLOWED_USERS", "anchored regular expressions", "Users chmcp may act as (empty = any user not denied)",
		func(c *Config) any { return &c.ClickHouse.Impersonation.AllowedUsers }},
	{"clickhouse.impersonation.denied_users", "clickhouse-impersonation-denied-users", "CLICKHOUSE_IMPERSONATION_DENIED_USERS", "anchored regular expressions", "Users chmcp never acts as",
		func(c *Config) any { return &c.ClickHouse.Impersonation.DeniedUsers }},
	{"clickhouse.impersonation.protected_users", "clickhouse-impersonation-protected-users", "CLICKHOUSE_IMPERSONATION_PROTECTED_USERS", "user names", "Privileged users chmcp acts as only when allowed_users names them literally; default and clickhouse.username always are",
		func(c *Config) any { return &c.ClickHouse.Impersonation.ProtectedUsers }},
	{"clickhouse.impersonation.allowed_domains", "clickhouse-impersonation-allowed-domains", "CLICKHOUSE_IMPERSONATION_ALLOWED_DOMAINS", "domain names", "Email domains a mapped or named user may come from (empty = any; strip_domain needs this or server.oauth.allowed_email_domains)",
		func(c *Config) any { return &c.ClickHouse.Impersonation.AllowedDomains }},
	{"clickhouse.impersonation.allow_mutable_claims", "clickhouse-impersonation-allow-mutable-claims", "CLICKHOUSE_IMPERSONATION_ALLOW_MUTABLE_CLAIMS", "true, false", "Accept user_claims the user can edit at the identity provider (name, preferred_username, nickname, ...)",
		func(c *Config) any { return &c.ClickHouse.Impersonation.AllowMutableClaims }},

	// ClickHouse guard rails.
	{"clickhouse.read_only", "read-only", "CLICKHOUSE_READ_ONLY", "true, false", "Allow only read queries (set --read-only=false to allow writes)",
		func(c *Config) any { return &c.ClickHouse.ReadOnly }},
	{"clickhouse.max_execution_time", "clickhouse-max-execution-time", "CLICKHOUSE_MAX_EXECUTION_TIME", ">= 0; 0 = no limit", "Per-query time limit (duration like 30s, or seconds)",
		func(c *Config) any { return &c.ClickHouse.MaxExecutionTime }},
	{"clickhouse.max_result_rows", "clickhouse-max-result-rows", "CLICKHOUSE_MAX_RESULT_ROWS", ">= 1", "Maximum rows returned by one query",
		func(c *Config) any { return &c.ClickHouse.MaxResultRows }},
	{"clickhouse.max_result_bytes", "clickhouse-max-result-bytes", "CLICKHOUSE_MAX_RESULT_BYTES", ">= 1", "Maximum bytes of result returned by one query",
		func(c *Config) any { return &c.ClickHouse.MaxResultBytes }},
	{"clickhouse.max_cell_bytes", "clickhouse-max-cell-bytes", "CLICKHOUSE_MAX_CELL_BYTES", ">= 0; 0 = no cut", "Longest string value in a result; longer ones are cut, ending in a marker saying how much",
		func(c *Config) any { return &c.ClickHouse.MaxCellBytes }},
	{"clickhouse.allowed_io_functions", "clickhouse-allowed-io-functions", "CLICKHOUSE_ALLOWED_IO_FUNCTIONS", "function names, or prefixes ending in *", "Functions and table functions that reach files, the network or processes (file, url, s3, remote, dictGet*, ...) which queries may call; refused by default",
		func(c *Config) any { return &c.ClickHouse.AllowedIOFunctions }},
	{"clickhouse.log_comment", "clickhouse-log-comment", "CLICKHOUSE_LOG_COMMENT", "", "Put the MCP client, tool, request id and identity of each query into its log_comment (system.query_log)",
		func(c *Config) any { return &c.ClickHouse.LogComment }},
	{"clickhouse.max_query_length", "clickhouse-max-query-length", "CLICKHOUSE_MAX_QUERY_LENGTH", ">= 1", "Maximum length in bytes of a SQL query accepted from a client",
		func(c *Config) any { return &c.ClickHouse.MaxQueryLength }},
	{"clickhouse.max_rows_to_read", "clickhouse-max-rows-to-read", "CLICKHOUSE_MAX_ROWS_TO_READ", ">= 0; 0 = leave to ClickHouse", "Most rows one query may read (ClickHouse max_rows_to_read, read_overflow_mode=throw); a tighter user profile value is kept",
		func(c *Config) any { return &c.ClickHouse.MaxRowsToRead }},
	{"clickhouse.max_bytes_to_read", "clickhouse-max-bytes-to-read", "CLICKHOUSE_MAX_BYTES_TO_READ", ">= 0; 0 = leave to ClickHouse", "Most uncompressed bytes one query may read (ClickHouse max_bytes_to_read, read_overflow_mode=throw); a tighter user profile value is kept",
		func(c *Config) any { return &c.ClickHouse.MaxBytesToRead }},
	{"clickhouse.max_memory_usage", "clickhouse-max-memory-usage", "CLICKHOUSE_MAX_MEMORY_USAGE", ">= 0; 0 = leave to ClickHouse", "Most memory in bytes one query may use (ClickHouse max_memory_usage); a tighter user profile value is kept",
		func(c *Config) any { return &c.ClickHouse.MaxMemoryUsage }},

	// ClickHouse connection pool.
	{"clickhouse.max_open_conns", "clickhouse-max-open-conns", "CLICKHOUSE_MAX_OPEN_CONNS", ">= 1", "Maximum open connections to ClickHouse",
		func(c *Config) any { return &c.ClickHouse.MaxOpenConns }},
	{"clickhouse.max_idle_conns", "clickhouse-max-idle-conns", "CLICKHOUSE_MAX_IDLE_CONNS", "0..max_open_conns", "Maximum idle connections kept in the pool",
		func(c *Config) any { return &c.ClickHouse.MaxIdleConns }},
	{"clickhouse.dial_timeout", "clickhouse-dial-timeout", "CLICKHOUSE_DIAL_TIMEOUT", "> 0", "Timeout to open a connection to one ClickHouse node (each node tried counts on its own)",
		func(c *Config) any { return &c.ClickHouse.DialTimeout }},
	{"clickhouse.conn_open_strategy", "clickhouse-conn-open-strategy", "CLICKHOUSE_CONN_OPEN_STRATEGY", strings.Join(allowedConnOpenStrategies, ", "), "Which clickhouse.host node a new connection tries first; the next ones are tried when it fails",
		func(c *Config) any { return &c.ClickHouse.ConnOpenStrategy }},
	{"clickhouse.pool_wait", "clickhouse-pool-wait", "CLICKHOUSE_POOL_WAIT", "> 0", "How long a call waits for a free connection when all are busy, then fails with \"server busy\"",
		func(c *Config) any { return &c.ClickHouse.PoolWait }},
	{"clickhouse.compression", "clickhouse-compression", "CLICKHOUSE_COMPRESSION", strings.Join(allowedCompressions, ", "), "Compression of result blocks on the native protocol: none saves a decompression buffer of up to 1 MiB per pooled connection and CPU on both ends; lz4 or zstd for a slow network",
		func(c *Config) any { return &c.ClickHouse.Compression }},

	// MCP server.
	{"server.transport", "transport", "MCP_TRANSPORT", strings.Join(allowedTransports, ", "), "MCP transport",
		func(c *Config) any { return &c.Server.Transport }},
	{"server.address", "address", "MCP_ADDRESS", `host name or IP; "" = all interfaces`, "Listen address for http/sse",
		func(c *Config) any { return &c.Server.Address }},
	{"server.port", "port", "MCP_PORT", "1..65535 (http, sse)", "Listen port for http/sse",
		func(c *Config) any { return &c.Server.Port }},
	{"server.cors_origin", "cors-origin", "MCP_CORS_ORIGIN", `"", "*" or scheme://host[:port]`, `Access-Control-Allow-Origin for http/sse; "" = no CORS`,
		func(c *Config) any { return &c.Server.CORSOrigin }},
	{"server.allowed_hosts", "allowed-hosts", "MCP_ALLOWED_HOSTS", "host names (comma-separated in flag/env)", "Host/Origin names accepted by the DNS-rebinding check besides loopback and server.address; when set, enforced on every listener",
		func(c *Config) any { return &c.Server.AllowedHosts }},
	{"server.allow_public_cors", "allow-public-cors", "MCP_ALLOW_PUBLIC_CORS", "true, false", `Accept cors_origin "*" with neither OAuth nor JWE on (any web page may then query through a visitor's browser)`,
		func(c *Config) any { return &c.Server.AllowPublicCORS }},
	{"server.tls.enabled", "server-tls", "MCP_SERVER_TLS", "true, false", "Serve http/sse over TLS",
		func(c *Config) any { return &c.Server.TLS.Enabled }},
	{"server.tls.cert_file", "server-tls-cert-file", "MCP_SERVER_TLS_CERT_FILE", "readable file; required with server.tls.enabled", "PEM server certificate",
		func(c *Config) any { return &c.Server.TLS.CertFile }},
	{"server.tls.key_file", "server-tls-key-file", "MCP_SERVER_TLS_KEY_FILE", "readable file; required with server.tls.enabled", "PEM server private key",
		func(c *Config) any { return &c.Server.TLS.KeyFile }},
	{"server.read_header_timeout", "server-read-header-timeout", "MCP_SERVER_READ_HEADER_TIMEOUT", "> 0", "Time allowed to read request headers",
		func(c *Config) any { return &c.Server.ReadHeaderTimeout }},
	{"server.read_timeout", "server-read-timeout", "MCP_SERVER_READ_TIMEOUT", "> 0", "Time allowed to read a whole request",
		func(c *Config) any { return &c.Server.ReadTimeout }},
	{"server.idle_timeout", "server-idle-timeout", "MCP_SERVER_IDLE_TIMEOUT", "> 0", "Keep-alive idle connection timeout",
		func(c *Config) any { return &c.Server.IdleTimeout }},
	{"server.shutdown_timeout", "server-shutdown-timeout", "MCP_SERVER_SHUTDOWN_TIMEOUT", "> 0", "Grace period for calls in flight on shutdown (http, sse and stdio); calls still running then are cut with an error answer, and the exit code is 3",
		func(c *Config) any { return &c.Server.ShutdownTimeout }},
	{"server.max_body_bytes", "server-max-body-bytes", "MCP_SERVER_MAX_BODY_BYTES", ">= 1", "Maximum HTTP request body size",
		func(c *Config) any { return &c.Server.MaxBodyBytes }},
	{"server.max_inflight_result_bytes", "server-max-inflight-result-bytes", "MCP_SERVER_MAX_INFLIGHT_RESULT_BYTES", "0 (derived), or >= clickhouse.max_result_bytes",
		"Result bytes all calls may hold at once; past it a call fails with \"server busy\". 0: an eighth of the Go memory limit",
		func(c *Config) any { return &c.Server.MaxInflightResultBytes }},
	{"server.max_sessions", "server-max-sessions", "MCP_SERVER_MAX_SESSIONS", ">= 1", "Most sessions of pre-2026 streamable-HTTP clients open at once; a new one beyond gets 503",
		func(c *Config) any { return &c.Server.MaxSessions }},
	{"server.max_sessions_per_client", "server-max-sessions-per-client", "MCP_SERVER_MAX_SESSIONS_PER_CLIENT", ">= 1", "Most sessions one client holds: per authenticated identity, else per remote address; a new one beyond gets 429",
		func(c *Config) any { return &c.Server.MaxSessionsPerClient }},
	{"server.session_idle_timeout", "server-session-idle-timeout", "MCP_SERVER_SESSION_IDLE_TIMEOUT", "> 0", "A session with no request for this long is closed",
		func(c *Config) any { return &c.Server.SessionIdleTimeout }},
	{"server.fast_path", "server-fast-path", "MCP_SERVER_FAST_PATH", "true, false", "Answer plain 2026-07-28 tools/calls without the go-sdk's per-request session (same bytes, less CPU; docs/performance.md); false: the go-sdk answers every request",
		func(c *Config) any { return &c.Server.FastPath }},

	// OAuth 2.1 authorization server (docs/oauth.md).
	{"server.oauth.enabled", "oauth-enabled", "MCP_OAUTH_ENABLED", "true, false", "Require OAuth bearer tokens on the MCP endpoint; chmcp is the authorization server",
		func(c *Config) any { return &c.Server.OAuth.Enabled }},
	{"server.oauth.mode", "oauth-mode", "MCP_OAUTH_MODE", OAuthModeGating, "gating: chmcp issues its own tokens after an upstream OpenID Connect login",
		func(c *Config) any { return &c.Server.OAuth.Mode }},
	{"server.oauth.issuer", "oauth-issuer", "MCP_OAUTH_ISSUER", "https URL (http only on loopback), no query or fragment", "chmcp's public base URL; the MCP resource is issuer + /",
		func(c *Config) any { return &c.Server.OAuth.Issuer }},
	{"server.oauth.upstream.issuer", "oauth-upstream-issuer", "MCP_OAUTH_UPSTREAM_ISSUER", "https URL (http only on loopback)", "Issuer of the upstream OpenID Connect provider (discovery at /.well-known/openid-configuration)",
		func(c *Config) any { return &c.Server.OAuth.Upstream.Issuer }},
	{"server.oauth.upstream.client_id", "oauth-upstream-client-id", "MCP_OAUTH_UPSTREAM_CLIENT_ID", "non-empty", "chmcp's client id at the upstream provider",
		func(c *Config) any { return &c.Server.OAuth.Upstream.ClientID }},
	{"server.oauth.upstream.client_secret", "oauth-upstream-client-secret", "MCP_OAUTH_UPSTREAM_CLIENT_SECRET", "exclusive with client_secret_file", "chmcp's client secret at the upstream provider (secret: redacted)",
		func(c *Config) any { return &c.Server.OAuth.Upstream.ClientSecret }},
	{"server.oauth.upstream.client_secret_file", "oauth-upstream-client-secret-file", "MCP_OAUTH_UPSTREAM_CLIENT_SECRET_FILE", "readable, non-empty file", "Read the upstream client secret from this file",
		func(c *Config) any { return &c.Server.OAuth.Upstream.ClientSecretFile }},
	{"server.oauth.upstream.scopes", "oauth-upstream-scopes", "MCP_OAUTH_UPSTREAM_SCOPES", "must include openid", "Scopes requested from the upstream provider",
		func(c *Config) any { return &c.Server.OAuth.Upstream.Scopes }},
	{"server.oauth.signing_key", "oauth-signing-key", "MCP_OAUTH_SIGNING_KEY", ">= 32 bytes; exclusive with signing_key_file", "Key that signs tokens and seals client ids, codes and state; the same on every replica (secret: redacted)",
		func(c *Config) any { return &c.Server.OAuth.SigningKey }},
	{"server.oauth.signing_key_file", "oauth-signing-key-file", "MCP_OAUTH_SIGNING_KEY_FILE", "readable file, >= 32 bytes", "Read the signing key from this file",
		func(c *Config) any { return &c.Server.OAuth.SigningKeyFile }},
	{"server.oauth.access_token_ttl", "oauth-access-token-ttl", "MCP_OAUTH_ACCESS_TOKEN_TTL", "1m..24h", "Lifetime of access tokens",
		func(c *Config) any { return &c.Server.OAuth.AccessTokenTTL }},
	{"server.oauth.refresh_token_ttl", "oauth-refresh-token-ttl", "MCP_OAUTH_REFRESH_TOKEN_TTL", "access_token_ttl..8760h", "Lifetime of a refresh token family (rotated on every use)",
		func(c *Config) any { return &c.Server.OAuth.RefreshTokenTTL }},
	{"server.oauth.auth_code_ttl", "oauth-auth-code-ttl", "MCP_OAUTH_AUTH_CODE_TTL", "1s..10m", "Lifetime of an authorization code (single use)",
		func(c *Config) any { return &c.Server.OAuth.AuthCodeTTL }},
	{"server.oauth.scopes", "oauth-scopes", "MCP_OAUTH_SCOPES", "scope names", "Scopes a token needs for the MCP endpoint (empty = none)",
		func(c *Config) any { return &c.Server.OAuth.Scopes }},
	{"server.oauth.allowed_email_domains", "oauth-allowed-email-domains", "MCP_OAUTH_ALLOWED_EMAIL_DOMAINS", "domain names", "Only people whose email is in one of these domains may log in (empty = any)",
		func(c *Config) any { return &c.Server.OAuth.AllowedEmailDomains }},
	{"server.oauth.allowed_hosted_domains", "oauth-allowed-hosted-domains", "MCP_OAUTH_ALLOWED_HOSTED_DOMAINS", "domain names", "Only accounts whose hd claim (Google Workspace) is listed may log in (empty = any)",
		func(c *Config) any { return &c.Server.OAuth.AllowedHostedDomains }},
	{"server.oauth.require_email_verified", "oauth-require-email-verified", "MCP_OAUTH_REQUIRE_EMAIL_VERIFIED", "true, false", "Refuse logins whose email the provider has not verified",
		func(c *Config) any { return &c.Server.OAuth.RequireEmailVerified }},
	{"server.oauth.store", "oauth-store", "MCP_OAUTH_STORE", StoreMemory + ", " + StoreClickHouse, "Where used codes and refresh-token families are kept: memory (one replica) or clickhouse (shared by replicas)",
		func(c *Config) any { return &c.Server.OAuth.Store }},
	{"server.oauth.store_table", "oauth-store-table", "MCP_OAUTH_STORE_TABLE", "database.table", "Table for store: clickhouse (created if missing)",
		func(c *Config) any { return &c.Server.OAuth.StoreTable }},

	// JWE connection tokens (docs/jwe.md).
	{"server.jwe.enabled", "jwe-enabled", "MCP_JWE_ENABLED", "true, false", "Accept JWE connection tokens (path /{token}/..., header x-altinity-mcp-key or Authorization: Bearer)",
		func(c *Config) any { return &c.Server.JWE.Enabled }},
	{"server.jwe.secret_key", "jwe-secret-key", "MCP_JWE_SECRET_KEY", ">= 32 bytes; exclusive with secret_key_file", "Key the tokens are encrypted with (A256KW over SHA-256 of it) (secret: redacted)",
		func(c *Config) any { return &c.Server.JWE.SecretKey }},
	{"server.jwe.secret_key_file", "jwe-secret-key-file", "MCP_JWE_SECRET_KEY_FILE", "readable file, >= 32 bytes", "Read the JWE key from this file",
		func(c *Config) any { return &c.Server.JWE.SecretKeyFile }},
	{"server.jwe.jwt_secret_key", "jwt-secret-key", "MCP_JWT_SECRET_KEY", ">= 32 bytes", "When set, tokens must carry a JWT signed (HS256) with this key inside the JWE (secret: redacted)",
		func(c *Config) any { return &c.Server.JWE.JWTSecretKey }},
	{"server.jwe.allowed_hosts", "jwe-allowed-hosts", "MCP_JWE_ALLOWED_HOSTS", "host names", "ClickHouse hosts a token may name besides clickhouse.host (empty = only clickhouse.host)",
		func(c *Config) any { return &c.Server.JWE.AllowedHosts }},
	{"server.jwe.allowed_targets", "jwe-allowed-targets", "MCP_JWE_ALLOWED_TARGETS", "host:port pairs", "Where a token without a username may send the server's own login besides clickhouse.host:port (empty = only there)",
		func(c *Config) any { return &c.Server.JWE.AllowedTargets }},
	{"server.jwe.max_ttl", "jwe-max-ttl", "MCP_JWE_MAX_TTL", "1m..8760h", "Longest lifetime of a token chmcp mints",
		func(c *Config) any { return &c.Server.JWE.MaxTTL }},
	{"server.jwe.mint_enabled", "jwe-mint-enabled", "MCP_JWE_MINT_ENABLED", "true, false", "Serve POST /jwe/token to mint tokens; needs OAuth or mint_admin_key",
		func(c *Config) any { return &c.Server.JWE.MintEnabled }},
	{"server.jwe.mint_admin_key", "jwe-mint-admin-key", "MCP_JWE_MINT_ADMIN_KEY", ">= 32 bytes", "Bearer key that authorizes POST /jwe/token when OAuth is off (secret: redacted)",
		func(c *Config) any { return &c.Server.JWE.MintAdminKey }},

	// OpenAPI facade (docs/openapi.md).
	{"server.openapi.enabled", "openapi", "MCP_OPENAPI", "true, false", "Serve the REST/OpenAPI facade at /openapi (GPT actions)",
		func(c *Config) any { return &c.Server.OpenAPI.Enabled }},
	{"server.openapi.public_url", "openapi-public-url", "MCP_OPENAPI_PUBLIC_URL", "absolute URL", "Server URL in the OpenAPI document (empty = from the request)",
		func(c *Config) any { return &c.Server.OpenAPI.PublicURL }},

	// Prometheus metrics (docs/metrics.md).
	{"server.metrics.enabled", "metrics", "MCP_METRICS", "true, false", "Serve Prometheus metrics at GET /metrics, unauthenticated (prefer server.metrics.address)",
		func(c *Config) any { return &c.Server.Metrics.Enabled }},
	{"server.metrics.address", "metrics-address", "MCP_METRICS_ADDRESS", `host:port, e.g. 127.0.0.1:9464; "" = the main HTTP server`, "Separate listen address for /metrics; required with transport stdio",
		func(c *Config) any { return &c.Server.Metrics.Address }},

	// Tools generated from views and tables (docs/dynamic-tools.md).
	{"server.tools", "", "", "list of {type, view_regexp | table_regexp, mode, prefix}", "Rules that turn ClickHouse views and tables into tools (config file only)",
		func(c *Config) any { return &c.Server.Tools }},
	{"server.tools_cache_ttl", "tools-cache-ttl", "MCP_TOOLS_CACHE_TTL", "1s..24h", "How long a user's discovered tools are cached",
		func(c *Config) any { return &c.Server.ToolsCacheTTL }},

	// Logging.
	{"logging.level", "log-level", "LOG_LEVEL", strings.Join(allowedLogLevels, ", "), "Log level",
		func(c *Config) any { return &c.Logging.Level }},
	{"logging.format", "log-format", "LOG_FORMAT", strings.Join(allowedLogFormats, ", "), "Log format",
		func(c *Config) any { return &c.Logging.Format }},
}

// optionByKey indexes options by dotted key; prefixes holds every proper
// prefix ("clickhouse", "clickhouse.tls", ...) so the file walker can tell a
// section from an unknown key.
var (
	optionByKey = map[string]*option{}
	prefixes    = map[string]bool{}
	knownKeys   []string // options and sections, sorted
)

func init() {
	for i := range options {
		o := &options[i]
		optionByKey[o.key] = o
		for k := o.key; strings.Contains(k, "."); {
			k = k[:strings.LastIndex(k, ".")]
			prefixes[k] = true
		}
	}
	for k := range optionByKey {
		knownKeys = append(knownKeys, k)
	}
	for k := range prefixes {
		knownKeys = append(knownKeys, k)
	}
	slices.Sort(knownKeys)
	indexAliases()
}

// value returns the current value of o's field in c.
func (o *option) value(c *Config) any {
	return reflect.ValueOf(o.field(c)).Elem().Interface()
}

// defaultText renders o's value in Defaults() for help and docs.
func (o *option) defaultText() string {
	d := Defaults()
	switch v := o.value(&d).(type) {
	case []string:
		return strings.Join(v, ",")
	case []ToolRule:
		return "[]"
	case Secret:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}
