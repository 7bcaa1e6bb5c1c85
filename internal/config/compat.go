package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Names of the servers whose configuration chmcp reads (docs/migrating.md).
const (
	FromAltinity      = "altinity-mcp"
	FromMCPClickHouse = "mcp-clickhouse"
)

// alias is another server's name for a chmcp key that means the same thing:
// a file key, a flag and/or an environment variable. Each use is reported
// once at startup with the chmcp name.
type alias struct {
	from   string
	key    string // file key; "" = none
	flag   string // flag; "" = none
	env    string // environment variable; "" = none
	target string // chmcp key
}

var aliases = []alias{
	{FromAltinity, "server.jwe.jwe_secret_key", "", "", "server.jwe.secret_key"},
	{FromAltinity, "", "allow-jwe-auth", "MCP_ALLOW_JWE_AUTH", "server.jwe.enabled"},
	{FromAltinity, "server.jwe.token_generator.enabled", "", "", "server.jwe.mint_enabled"},
	{FromAltinity, "server.jwe.token_generator.admin_token", "", "", "server.jwe.mint_admin_key"},
	{FromAltinity, "server.jwe.token_generator.max_expiry_seconds", "", "", "server.jwe.max_ttl"},
	{FromAltinity, "server.oauth.signing_secret", "oauth-signing-secret", "MCP_OAUTH_SIGNING_SECRET", "server.oauth.signing_key"},
	{FromAltinity, "server.oauth.required_scopes", "oauth-required-scopes", "MCP_OAUTH_REQUIRED_SCOPES", "server.oauth.scopes"},
	{FromAltinity, "server.oauth.access_token_ttl_seconds", "oauth-access-token-ttl-seconds", "MCP_OAUTH_ACCESS_TOKEN_TTL_SECONDS", "server.oauth.access_token_ttl"},
	{FromAltinity, "server.oauth.refresh_token_ttl_seconds", "oauth-refresh-token-ttl-seconds", "MCP_OAUTH_REFRESH_TOKEN_TTL_SECONDS", "server.oauth.refresh_token_ttl"},
	{FromAltinity, "clickhouse.limit", "clickhouse-limit", "CLICKHOUSE_LIMIT", "clickhouse.max_result_rows"},
	{FromAltinity, "", "metrics-enabled", "MCP_METRICS_ENABLED", "server.metrics.enabled"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_USER", "clickhouse.username"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_SECURE", "clickhouse.tls.enabled"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_CONNECT_TIMEOUT", "clickhouse.dial_timeout"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_MCP_SERVER_TRANSPORT", "server.transport"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_MCP_BIND_HOST", "server.address"},
	{FromMCPClickHouse, "", "", "CLICKHOUSE_MCP_BIND_PORT", "server.port"},
}

// cliName is the hidden flag that carries the alias's flag and variable;
// variable-only aliases get a name nobody types by accident.
func (a *alias) cliName() string {
	if a.flag != "" {
		return a.flag
	}
	return "env-" + a.env
}

// note is the startup line that reports one use of the alias.
func (a *alias) note(written string) string {
	return fmt.Sprintf("%s is %s's name for %s", written, a.from, a.target)
}

var aliasByKey = map[string]*alias{}

// indexAliases runs from options.go's init, once optionByKey is built.
func indexAliases() {
	for i := range aliases {
		a := &aliases[i]
		if optionByKey[a.target] == nil {
			panic("config: alias to unknown key " + a.target)
		}
		if a.key != "" {
			aliasByKey[a.key] = a
			for k := a.key; strings.Contains(k, "."); {
				k = k[:strings.LastIndex(k, ".")]
				if !prefixes[k] {
					aliasSections[k] = true
				}
			}
		}
	}
}

// aliasSections are sections that exist only in another server's layout
// (server.jwe.token_generator).
var aliasSections = map[string]bool{}

// foreign is a key of another server that chmcp does not read under that
// name. A neutral value (off, empty, or the other server's default) changes
// nothing and is accepted with a note; any other value is refused with the
// hint.
type foreign struct {
	hint    string
	neutral []any // values besides zero values that change nothing
	// switchKey: for a section, the child that turns it on; the section is
	// neutral while that child is not true.
	switchKey string
}

const (
	hintDiscovery = "chmcp discovers the identity provider's endpoints from server.oauth.upstream.issuer (OpenID Connect discovery); remove it"
	hintNoForward = "chmcp does not pass identity-provider tokens to ClickHouse: it runs each query as the mapped user through clickhouse.cluster_secret (docs/cluster-secret.md) or with clickhouse.username; remove it"
	hintRoles     = "chmcp has no per-request role activation; grant roles to the ClickHouse users instead (docs/migrating.md)"
)

var foreignKeys = map[string]foreign{
	// altinity-mcp
	"reload_time":                               {hint: "chmcp does not reload its configuration; restart it to apply changes"},
	"multicluster":                              {hint: "chmcp serves one ClickHouse target per process; run one chmcp per cluster (docs/migrating.md)", switchKey: "enabled"},
	"clickhouse.http_headers":                   {hint: "chmcp sends no custom HTTP headers to ClickHouse; remove it"},
	"clickhouse.connect_host":                   {hint: "chmcp connects to clickhouse.host; point DNS or /etc/hosts at the address instead"},
	"clickhouse.extra_settings":                 {hint: "chmcp does not inject settings; use a ClickHouse settings profile"},
	"server.tls.ca_cert":                        {hint: "chmcp does not verify client certificates; terminate mutual TLS at a proxy in front of chmcp"},
	"server.jwt":                                {hint: "altinity-mcp renamed this section server.jwe; chmcp reads server.jwe (docs/jwe.md)", switchKey: "enabled"},
	"server.jwe.token_param":                    {hint: "chmcp takes the token from the path /{token}/..., the x-altinity-mcp-key header or Authorization: Bearer (docs/jwe.md); remove it", neutral: []any{"token"}},
	"server.jwe.tls_material_dir":               {hint: "chmcp reads TLS files only from clickhouse.tls.*; remove it"},
	"server.openapi.tls":                        {hint: "chmcp takes the scheme of the OpenAPI document from server.openapi.public_url or X-Forwarded-Proto: set server.openapi.public_url: https://..."},
	"server.dynamic_tools":                      {hint: "write server.tools: [{type: read, view_regexp: <regexp>, prefix: <prefix>}] (docs/dynamic-tools.md)"},
	"server.tool_input_settings":                {hint: "chmcp accepts a fixed, safe set of caller settings (docs/configuration.md, Limits); remove it"},
	"server.blocked_query_clauses":              {hint: "chmcp has no clause blocklist: use clickhouse.read_only, clickhouse.allowed_io_functions and ClickHouse grants (docs/security.md)"},
	"server.oauth.broker":                       {hint: "chmcp is always the authorization server MCP clients talk to, brokering server.oauth.upstream; remove it"},
	"server.oauth.client_id":                    {hint: "in chmcp the client at the identity provider is server.oauth.upstream.client_id; move it there"},
	"server.oauth.client_secret":                {hint: "in chmcp the client secret at the identity provider is server.oauth.upstream.client_secret (or client_secret_file); move it there"},
	"server.oauth.jwks_url":                     {hint: hintDiscovery},
	"server.oauth.auth_url":                     {hint: hintDiscovery},
	"server.oauth.token_url":                    {hint: hintDiscovery},
	"server.oauth.userinfo_url":                 {hint: hintDiscovery},
	"server.oauth.audience":                     {hint: "chmcp checks its own tokens' audience (server.oauth.issuer + /); remove it"},
	"server.oauth.public_resource_url":          {hint: "chmcp's public URL is server.oauth.issuer; the MCP resource is that URL + /"},
	"server.oauth.public_auth_server_url":       {hint: "chmcp's public URL is server.oauth.issuer"},
	"server.oauth.authorization_path":           {hint: "chmcp's OAuth endpoints have fixed paths, advertised in its metadata; remove it"},
	"server.oauth.callback_path":                {hint: "chmcp's OAuth endpoints have fixed paths, advertised in its metadata; remove it"},
	"server.oauth.token_path":                   {hint: "chmcp's OAuth endpoints have fixed paths, advertised in its metadata; remove it"},
	"server.oauth.forward_to_clickhouse":        {hint: hintNoForward},
	"server.oauth.forward_access_token":         {hint: hintNoForward},
	"server.oauth.clear_clickhouse_credentials": {hint: hintNoForward},
	"server.oauth.clickhouse_header_name":       {hint: hintNoForward},
	"server.oauth.claims_to_headers":            {hint: hintNoForward},
	"server.oauth.role_claim":                   {hint: hintRoles},
	"server.oauth.role_filter":                  {hint: hintRoles},
	"server.oauth.username_claim":               {hint: "write clickhouse.impersonation.user_claims: [<claim>]"},
	"server.oauth.upstream_offline_access":      {hint: "chmcp issues its own rotating refresh tokens (server.oauth.refresh_token_ttl); remove it"},
	"server.oauth.upstream_force_consent":       {hint: "remove it"},
	"server.oauth.jwks_cache_ttl":               {hint: hintDiscovery},
	"server.oauth.strict_jwt_only":              {hint: "chmcp accepts only its own signed tokens; remove it"},
	"server.oauth.broker_upstream":              {hint: "chmcp always brokers server.oauth.upstream; remove it"},
	"server.oauth.allow_unverified_email":       {hint: "write server.oauth.require_email_verified: false"},
}

// isNeutral reports whether v (decoded YAML/JSON) changes nothing.
func (f foreign) isNeutral(v any) bool {
	if f.switchKey != "" {
		m, ok := v.(map[string]any)
		return v == nil || ok && m[f.switchKey] != true
	}
	if v == nil || slices.ContainsFunc(f.neutral, func(n any) bool { return reflect.DeepEqual(n, v) }) {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// foreignVar names the other servers' variables chmcp does not read, with
// what to do instead; the startup warning quotes it.
var foreignVars = map[string]string{
	"CLICKHOUSE_HTTP_HEADERS":         foreignKeys["clickhouse.http_headers"].hint,
	"CLICKHOUSE_CONNECT_HOST":         foreignKeys["clickhouse.connect_host"].hint,
	"CONFIG_RELOAD_TIME":              foreignKeys["reload_time"].hint,
	"MCP_OAUTH_BROKER":                foreignKeys["server.oauth.broker"].hint,
	"MCP_OAUTH_CLIENT_ID":             "in chmcp this is MCP_OAUTH_UPSTREAM_CLIENT_ID",
	"MCP_OAUTH_CLIENT_SECRET":         "in chmcp this is MCP_OAUTH_UPSTREAM_CLIENT_SECRET",
	"MCP_OAUTH_JWKS_URL":              hintDiscovery,
	"MCP_OAUTH_AUDIENCE":              foreignKeys["server.oauth.audience"].hint,
	"MCP_OAUTH_AUTH_URL":              hintDiscovery,
	"MCP_OAUTH_TOKEN_URL":             hintDiscovery,
	"MCP_SERVER_TLS_CA_CERT":          foreignKeys["server.tls.ca_cert"].hint,
	"MCP_MULTICLUSTER_ENABLED":        foreignKeys["multicluster"].hint,
	"CLICKHOUSE_VERIFY":               "write CLICKHOUSE_TLS_INSECURE_SKIP_VERIFY=true for CLICKHOUSE_VERIFY=false (testing only)",
	"CLICKHOUSE_ALLOW_WRITE_ACCESS":   "write CLICKHOUSE_READ_ONLY=false to allow writes (chmcp is read-only by default)",
	"CLICKHOUSE_SEND_RECEIVE_TIMEOUT": "chmcp bounds queries with CLICKHOUSE_MAX_EXECUTION_TIME",
	"CLICKHOUSE_MCP_QUERY_TIMEOUT":    "write CLICKHOUSE_MAX_EXECUTION_TIME",
	"CLICKHOUSE_ROLE":                 "chmcp uses the ClickHouse user's default roles",
	"CLICKHOUSE_MCP_AUTH_TOKEN":       "chmcp authenticates HTTP clients with OAuth (docs/oauth.md) or JWE tokens (docs/jwe.md)",
}
