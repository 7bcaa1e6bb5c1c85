// Package config holds chmcp's configuration: the types, their defaults,
// loading from file / environment / flags, validation and secret redaction.
package config

import "time"

// Config is the whole effective configuration. It is immutable after Load.
type Config struct {
	ClickHouse ClickHouseConfig `json:"clickhouse" yaml:"clickhouse"`
	Server     ServerConfig     `json:"server" yaml:"server"`
	Logging    LoggingConfig    `json:"logging" yaml:"logging"`
}

// ClickHouse protocols.
const (
	ProtocolTCP  = "tcp"
	ProtocolHTTP = "http"
)

// MCP transports.
const (
	TransportStdio = "stdio"
	TransportHTTP  = "http"
	TransportSSE   = "sse"
)

// ClickHouseConfig says how to reach ClickHouse and which guard rails apply.
type ClickHouseConfig struct {
	// Host is one host[:port] or a comma-separated list of them (several
	// nodes: failover per ConnOpenStrategy); see ParseHosts.
	Host     string    `json:"host" yaml:"host"`
	Port     int       `json:"port" yaml:"port"` // entries without a port; 0 = protocol default (9000/9440 tcp, 8123/8443 http)
	Database string    `json:"database" yaml:"database"`
	Username string    `json:"username" yaml:"username"`
	Password Secret    `json:"password" yaml:"password"`
	Protocol string    `json:"protocol" yaml:"protocol"` // tcp | http
	TLS      TLSConfig `json:"tls" yaml:"tls"`

	ReadOnly         bool     `json:"read_only" yaml:"read_only"`
	MaxExecutionTime Duration `json:"max_execution_time" yaml:"max_execution_time"`
	MaxResultRows    int      `json:"max_result_rows" yaml:"max_result_rows"`
	MaxResultBytes   int64    `json:"max_result_bytes" yaml:"max_result_bytes"`
	// MaxCellBytes cuts longer string values in results (0 = no cut).
	MaxCellBytes   int64 `json:"max_cell_bytes" yaml:"max_cell_bytes"`
	MaxQueryLength int   `json:"max_query_length" yaml:"max_query_length"`
	// LogComment puts who asked (MCP client, tool, request id, identity)
	// into each query's log_comment, for system.query_log.
	LogComment bool `json:"log_comment" yaml:"log_comment"`
	// AllowedIOFunctions opens functions and table functions that reach
	// files, the network or processes (file, url, s3, remote, dictGet*, ...),
	// which chmcp refuses by default: exact names or prefixes ending in *.
	AllowedIOFunctions []string `json:"allowed_io_functions" yaml:"allowed_io_functions"`
	// Operator limits on every caller statement (0 = left to ClickHouse).
	// chmcp sends the tighter of each and the user's profile value.
	MaxRowsToRead  int64 `json:"max_rows_to_read" yaml:"max_rows_to_read"`
	MaxBytesToRead int64 `json:"max_bytes_to_read" yaml:"max_bytes_to_read"`
	MaxMemoryUsage int64 `json:"max_memory_usage" yaml:"max_memory_usage"`

	// Interserver-secret authentication: chmcp acts as a trusted peer of
	// this <remote_servers> cluster and runs each query as the caller.
	ClusterName       string              `json:"cluster_name" yaml:"cluster_name"`
	ClusterSecret     Secret              `json:"cluster_secret" yaml:"cluster_secret"`
	ClusterSecretFile string              `json:"cluster_secret_file" yaml:"cluster_secret_file"`
	Impersonation     ImpersonationConfig `json:"impersonation" yaml:"impersonation"`

	// Connection pool: one pool per target, shared by every caller.
	MaxOpenConns int      `json:"max_open_conns" yaml:"max_open_conns"`
	MaxIdleConns int      `json:"max_idle_conns" yaml:"max_idle_conns"`
	DialTimeout  Duration `json:"dial_timeout" yaml:"dial_timeout"`
	// ConnOpenStrategy picks the node a new connection tries first
	// (in_order | round_robin | random); the others follow on failure.
	ConnOpenStrategy string `json:"conn_open_strategy" yaml:"conn_open_strategy"`
	// PoolWait is how long a caller waits for a free connection when all
	// max_open_conns are busy before getting a "server busy" error.
	PoolWait Duration `json:"pool_wait" yaml:"pool_wait"`
	// Compression of the native protocol's data blocks (none | lz4 | zstd).
	Compression string `json:"compression" yaml:"compression"`
}

// ImpersonationConfig maps a verified caller to a ClickHouse user and
// decides whom chmcp may act as.
type ImpersonationConfig struct {
	// UserClaims are tried in order; the first non-empty one names the user.
	UserClaims []string `json:"user_claims" yaml:"user_claims"`
	// Lowercase and StripDomain transform the claim ("Ann@Corp.com" -> "ann").
	Lowercase   bool `json:"lowercase" yaml:"lowercase"`
	StripDomain bool `json:"strip_domain" yaml:"strip_domain"`
	// AllowedUsers / DeniedUsers are anchored regular expressions on the
	// final user name. Deny wins.
	AllowedUsers []string `json:"allowed_users" yaml:"allowed_users"`
	DeniedUsers  []string `json:"denied_users" yaml:"denied_users"`
	// ProtectedUsers are refused unless an allowed_users entry names them
	// literally; "default" and clickhouse.username always are.
	ProtectedUsers []string `json:"protected_users" yaml:"protected_users"`
	// AllowedDomains: a user name taken from an email-shaped claim (or
	// naming one) must be in one of these domains. strip_domain needs them
	// or server.oauth.allowed_email_domains.
	AllowedDomains []string `json:"allowed_domains" yaml:"allowed_domains"`
	// AllowMutableClaims accepts user_claims the user can edit at the
	// identity provider (name, preferred_username, ...).
	AllowMutableClaims bool `json:"allow_mutable_claims" yaml:"allow_mutable_claims"`
}

// ClusterSecretMode reports whether queries authenticate with the
// interserver secret (set directly or through a file).
func (c ClickHouseConfig) ClusterSecretMode() bool {
	return c.ClusterSecret != "" || c.ClusterSecretFile != ""
}

// TLSConfig is shared by the ClickHouse client and the HTTP server.
type TLSConfig struct {
	Enabled            bool   `json:"enabled" yaml:"enabled"`
	CACert             string `json:"ca_cert" yaml:"ca_cert"`
	ClientCert         string `json:"client_cert" yaml:"client_cert"`
	ClientKey          string `json:"client_key" yaml:"client_key"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify" yaml:"insecure_skip_verify"`
	// Server side (server.tls): certificate and key to serve.
	CertFile string `json:"cert_file,omitempty" yaml:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty" yaml:"key_file,omitempty"`
}

// ServerConfig configures the MCP server.
type ServerConfig struct {
	Transport  string    `json:"transport" yaml:"transport"` // stdio | http | sse
	Address    string    `json:"address" yaml:"address"`
	Port       int       `json:"port" yaml:"port"`
	CORSOrigin string    `json:"cors_origin" yaml:"cors_origin"`
	TLS        TLSConfig `json:"tls" yaml:"tls"`

	// AllowedHosts extends the DNS-rebinding allow-list (Host / Origin host
	// names accepted besides loopback and the configured address).
	AllowedHosts []string `json:"allowed_hosts" yaml:"allowed_hosts"`
	// AllowPublicCORS accepts cors_origin "*" without OAuth or JWE: any
	// web page may then call the open endpoint from a visitor's browser.
	AllowPublicCORS bool `json:"allow_public_cors" yaml:"allow_public_cors"`

	OAuth   OAuthConfig   `json:"oauth" yaml:"oauth"`
	JWE     JWEConfig     `json:"jwe" yaml:"jwe"`
	OpenAPI OpenAPIConfig `json:"openapi" yaml:"openapi"`
	Metrics MetricsConfig `json:"metrics" yaml:"metrics"`
	// Tools are generated from ClickHouse views and tables (file only).
	Tools         []ToolRule `json:"tools" yaml:"tools"`
	ToolsCacheTTL Duration   `json:"tools_cache_ttl" yaml:"tools_cache_ttl"`

	ReadHeaderTimeout Duration `json:"read_header_timeout" yaml:"read_header_timeout"`
	ReadTimeout       Duration `json:"read_timeout" yaml:"read_timeout"`
	IdleTimeout       Duration `json:"idle_timeout" yaml:"idle_timeout"`
	ShutdownTimeout   Duration `json:"shutdown_timeout" yaml:"shutdown_timeout"`
	MaxBodyBytes      int64    `json:"max_body_bytes" yaml:"max_body_bytes"`
	// MaxInflightResultBytes bounds the result bytes all calls hold at
	// once; 0 derives it from the Go memory limit (docs/deployment.md).
	MaxInflightResultBytes int64 `json:"max_inflight_result_bytes" yaml:"max_inflight_result_bytes"`

	// Sessions of pre-2026 streamable-HTTP clients (2026-07-28 has none).
	MaxSessions          int      `json:"max_sessions" yaml:"max_sessions"`
	MaxSessionsPerClient int      `json:"max_sessions_per_client" yaml:"max_sessions_per_client"`
	SessionIdleTimeout   Duration `json:"session_idle_timeout" yaml:"session_idle_timeout"`

	// FastPath answers plain stateless tools/calls without the go-sdk's
	// per-request session (internal/mcphttp); false: the go-sdk answers all.
	FastPath bool `json:"fast_path" yaml:"fast_path"`
}

// OAuth modes.
const OAuthModeGating = "gating"

// OAuth store types.
const (
	StoreMemory     = "memory"
	StoreClickHouse = "clickhouse"
)

// OAuthConfig makes chmcp the OAuth 2.1 authorization server of its MCP
// endpoint, brokering an upstream OpenID Connect provider ("gating").
type OAuthConfig struct {
	Enabled bool   `json:"enabled" yaml:"enabled"`
	Mode    string `json:"mode" yaml:"mode"` // gating
	// Issuer is chmcp's public base URL (https, or http on loopback); the
	// MCP resource is Issuer + "/".
	Issuer   string         `json:"issuer" yaml:"issuer"`
	Upstream UpstreamConfig `json:"upstream" yaml:"upstream"`
	// SigningKey signs access tokens and seals client ids, codes and state
	// (at least 32 bytes). Every replica needs the same key.
	SigningKey           Secret   `json:"signing_key" yaml:"signing_key"`
	SigningKeyFile       string   `json:"signing_key_file" yaml:"signing_key_file"`
	AccessTokenTTL       Duration `json:"access_token_ttl" yaml:"access_token_ttl"`
	RefreshTokenTTL      Duration `json:"refresh_token_ttl" yaml:"refresh_token_ttl"`
	AuthCodeTTL          Duration `json:"auth_code_ttl" yaml:"auth_code_ttl"`
	Scopes               []string `json:"scopes" yaml:"scopes"` // required on the MCP resource; empty = none
	AllowedEmailDomains  []string `json:"allowed_email_domains" yaml:"allowed_email_domains"`
	AllowedHostedDomains []string `json:"allowed_hosted_domains" yaml:"allowed_hosted_domains"` // Google "hd" claim
	RequireEmailVerified bool     `json:"require_email_verified" yaml:"require_email_verified"`
	Store                string   `json:"store" yaml:"store"`             // memory | clickhouse
	StoreTable           string   `json:"store_table" yaml:"store_table"` // db.table for store: clickhouse
}

// UpstreamConfig is the OpenID Connect provider people log in with.
type UpstreamConfig struct {
	Issuer           string   `json:"issuer" yaml:"issuer"`
	ClientID         string   `json:"client_id" yaml:"client_id"`
	ClientSecret     Secret   `json:"client_secret" yaml:"client_secret"`
	ClientSecretFile string   `json:"client_secret_file" yaml:"client_secret_file"`
	Scopes           []string `json:"scopes" yaml:"scopes"`
}

// JWEConfig enables JWE connection tokens: an encrypted token names the
// ClickHouse connection (host, user, ...) a request runs on.
type JWEConfig struct {
	Enabled       bool   `json:"enabled" yaml:"enabled"`
	SecretKey     Secret `json:"secret_key" yaml:"secret_key"`
	SecretKeyFile string `json:"secret_key_file" yaml:"secret_key_file"`
	// JWTSecretKey, when set, requires a signed (HS256) JWT inside the JWE.
	JWTSecretKey Secret `json:"jwt_secret_key" yaml:"jwt_secret_key"`
	// AllowedHosts are the ClickHouse hosts a token may name besides
	// clickhouse.host (exact names). Empty: only clickhouse.host.
	AllowedHosts []string `json:"allowed_hosts" yaml:"allowed_hosts"`
	// AllowedTargets are host:port pairs, besides clickhouse.host and its
	// port, to which a token without a username may move the server's own
	// ClickHouse login (and password). Empty: only clickhouse.host:port.
	AllowedTargets []string `json:"allowed_targets" yaml:"allowed_targets"`
	// MaxTTL caps the lifetime of tokens chmcp mints.
	MaxTTL Duration `json:"max_ttl" yaml:"max_ttl"`
	// MintEnabled serves POST /jwe/token, protected by OAuth or AdminKey.
	MintEnabled  bool   `json:"mint_enabled" yaml:"mint_enabled"`
	MintAdminKey Secret `json:"mint_admin_key" yaml:"mint_admin_key"`
}

// OpenAPIConfig enables the REST facade for GPT actions.
type OpenAPIConfig struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	// PublicURL is the server URL put in the document; empty = from the
	// request (https when server.tls.enabled or X-Forwarded-Proto says so).
	PublicURL string `json:"public_url" yaml:"public_url"`
}

// MetricsConfig serves Prometheus metrics at GET /metrics (docs/metrics.md).
type MetricsConfig struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	// Address is a separate host:port listener for /metrics; empty = the
	// main HTTP server (where /metrics is unauthenticated like /health).
	Address string `json:"address" yaml:"address"`
}

// Tool rule types and write modes.
const (
	ToolRead   = "read"
	ToolWrite  = "write"
	ModeInsert = "insert"
)

// ToolRule turns matching views (read) or tables (write) into tools.
type ToolRule struct {
	Type        string `json:"type" yaml:"type"`                                     // read | write
	ViewRegexp  string `json:"view_regexp,omitempty" yaml:"view_regexp,omitempty"`   // read: matches "db.view"
	TableRegexp string `json:"table_regexp,omitempty" yaml:"table_regexp,omitempty"` // write: matches "db.table"
	Mode        string `json:"mode,omitempty" yaml:"mode,omitempty"`                 // write: insert
	Prefix      string `json:"prefix,omitempty" yaml:"prefix,omitempty"`             // tool name prefix
}

// LoggingConfig configures log/slog.
type LoggingConfig struct {
	Level  string `json:"level" yaml:"level"`   // debug | info | warn | error
	Format string `json:"format" yaml:"format"` // text | json
}

// Defaults returns the configuration used when nothing else is said.
func Defaults() Config {
	return Config{
		ClickHouse: ClickHouseConfig{
			Host:               "localhost",
			Database:           "default",
			Username:           "default",
			Protocol:           ProtocolTCP,
			ReadOnly:           true,
			MaxExecutionTime:   Duration(30 * time.Second), // under MCP clients' 60 s request timeout
			MaxResultRows:      1000,
			MaxResultBytes:     100 << 10, // a size an assistant's context can take
			MaxCellBytes:       4 << 10,
			MaxQueryLength:     100_000,
			AllowedIOFunctions: []string{},
			LogComment:         true,
			MaxOpenConns:       16,
			MaxIdleConns:       16, // = max_open_conns: no redials under steady load
			DialTimeout:        Duration(5 * time.Second),
			PoolWait:           Duration(5 * time.Second),
			ConnOpenStrategy:   ConnOpenInOrder,
			Compression:        CompressionNone, // see docs/deployment.md#memory
			Impersonation: ImpersonationConfig{UserClaims: []string{"email", "sub"}, AllowedUsers: []string{}, DeniedUsers: []string{},
				ProtectedUsers: []string{"default", "admin"}, AllowedDomains: []string{}},
		},
		Server: ServerConfig{
			Transport:         TransportStdio,
			Address:           "127.0.0.1",
			Port:              8080,
			ReadHeaderTimeout: Duration(10 * time.Second),
			ReadTimeout:       Duration(60 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
			ShutdownTimeout:   Duration(30 * time.Second),
			MaxBodyBytes:      4 << 20,
			// ~10 KB and two goroutines each while idle.
			MaxSessions:          1000,
			MaxSessionsPerClient: 100,
			SessionIdleTimeout:   Duration(30 * time.Minute),
			FastPath:             true,
			OAuth: OAuthConfig{
				Mode:                 OAuthModeGating,
				AccessTokenTTL:       Duration(time.Hour),
				RefreshTokenTTL:      Duration(30 * 24 * time.Hour),
				AuthCodeTTL:          Duration(time.Minute),
				Scopes:               []string{},
				AllowedEmailDomains:  []string{},
				AllowedHostedDomains: []string{},
				RequireEmailVerified: true,
				Store:                StoreMemory,
				StoreTable:           "default.chmcp_oauth_state",
				Upstream:             UpstreamConfig{Scopes: []string{"openid", "email", "profile"}},
			},
			JWE:           JWEConfig{AllowedHosts: []string{}, AllowedTargets: []string{}, MaxTTL: Duration(30 * 24 * time.Hour)},
			Tools:         []ToolRule{},
			ToolsCacheTTL: Duration(time.Minute),
		},
		Logging: LoggingConfig{Level: "info", Format: "text"},
	}
}

// EffectivePort returns the ClickHouse port, resolving 0 to the protocol default.
func (c ClickHouseConfig) EffectivePort() int {
	if c.Port != 0 {
		return c.Port
	}
	switch {
	case c.Protocol == ProtocolHTTP && c.TLS.Enabled:
		return 8443
	case c.Protocol == ProtocolHTTP:
		return 8123
	case c.TLS.Enabled:
		return 9440
	default:
		return 9000
	}
}
