package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// problems collects validation errors, each prefixed with its dotted key.
type problems []error

// ioFunctionPattern: a function name, or a name prefix ending in *.
var ioFunctionPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\*?$`)

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// oneOf checks an enumerated value.
func (p *problems) oneOf(key, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		p.add(key, "invalid value %q (allowed: %s)", v, strings.Join(allowed, ", "))
	}
}

// atLeast checks an integer lower bound.
func (p *problems) atLeast(key string, v, lo int64) {
	if v < lo {
		p.add(key, "invalid value %d (must be >= %d)", v, lo)
	}
}

// inRange checks an integer range; note explains a special value.
func (p *problems) inRange(key string, v, lo, hi int64, note string) {
	if v < lo || v > hi {
		p.add(key, "invalid value %d (allowed: %d..%d%s)", v, lo, hi, note)
	}
}

// duration checks that a duration is > 0, or >= 0 when zero has a meaning.
func (p *problems) duration(key string, d Duration, zeroOK bool, zeroMeans string) {
	switch {
	case zeroOK && d < 0:
		p.add(key, "invalid value %s (must be >= 0; 0 = %s)", d, zeroMeans)
	case !zeroOK && d <= 0:
		p.add(key, "invalid value %s (must be > 0)", d)
	}
}

func (p *problems) notEmpty(key, v string) {
	if strings.TrimSpace(v) == "" {
		p.add(key, "must not be empty")
	}
}

// host checks a host name or IP address (no scheme, port or path).
func (p *problems) host(key, v string) {
	if !validHost(v) {
		p.add(key, "invalid value %q (want a host name or IP address, without scheme, port or path)", v)
	}
}

// readable checks that a configured file exists, is a regular file and can
// be opened. The message names the key and the path, never the content.
func (p *problems) readable(key, path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		p.add(key, "cannot read file %q: %v", path, err)
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		p.add(key, "cannot read file %q: %v", path, err)
	} else if st.IsDir() {
		p.add(key, "cannot read file %q: is a directory", path)
	}
}

// require reports key as missing when missing is true; when says why it is
// needed.
func (p *problems) require(key string, missing bool, when string) {
	if missing {
		p.add(key, "required when %s", when)
	}
}

// secret checks a secret given inline or read from the file of fileKey:
// not both, at least minLen bytes inline, and a readable file.
func (p *problems) secret(key string, inline Secret, fileKey, file string, minLen int) {
	switch {
	case inline != "" && file != "":
		p.add(key, "set together with %s; use one of them", fileKey)
	case inline != "" && len(inline) < minLen:
		p.add(key, "too short: %d bytes, need at least %d", len(inline), minLen)
	}
	p.readable(fileKey, file)
}

// placeholders rejects every secret that is the [REDACTED] placeholder a
// config dump prints in its place.
func (p *problems) placeholders(c *Config) {
	for i := range options {
		if s, ok := options[i].field(c).(*Secret); ok && s.Reveal() == redacted {
			p.add(options[i].key, "is the %s placeholder of a config dump; set the real value", redacted)
		}
	}
}

// unused rejects a TLSConfig field that does not apply to a section.
func (p *problems) unused(key string, set bool, hint string) {
	if set {
		p.add(key, "not used here (%s)", hint)
	}
}

// Validate checks every value and reports ALL problems at once (joined with
// errors.Join); each message starts with the dotted key, e.g.
// `clickhouse.protocol: invalid value "foo" (allowed: tcp, http)`.
// It also checks that the TLS files it names exist and are readable.
func (c Config) Validate() error {
	var p problems
	p.placeholders(&c)
	c.ClickHouse.validate(&p)
	c.Server.validate(&p)
	c.validateIdentity(&p)
	if c.Server.JWE.Enabled {
		c.Server.JWE.validateTargets(&p, c.ClickHouse)
	}
	c.Logging.validate(&p)
	if b := c.Server.MaxInflightResultBytes; b < 0 || (b > 0 && b < c.ClickHouse.MaxResultBytes) {
		p.add("server.max_inflight_result_bytes", "invalid value %d (must be 0, derived from the memory limit, or at least clickhouse.max_result_bytes = %d)",
			b, c.ClickHouse.MaxResultBytes)
	}
	return errors.Join(p...)
}

func (c ClickHouseConfig) validate(p *problems) {
	if _, err := ParseHosts(c.Host); err != nil {
		p.add("clickhouse.host", "%v", err)
	}
	p.inRange("clickhouse.port", int64(c.Port), 0, 65535, "; 0 = protocol default")
	p.notEmpty("clickhouse.username", c.Username)
	p.oneOf("clickhouse.protocol", c.Protocol, allowedProtocols)

	t := c.TLS
	p.require("clickhouse.tls.client_key", t.ClientCert != "" && t.ClientKey == "", "clickhouse.tls.client_cert is set")
	p.require("clickhouse.tls.client_cert", t.ClientKey != "" && t.ClientCert == "", "clickhouse.tls.client_key is set")
	p.readable("clickhouse.tls.ca_cert", t.CACert)
	p.readable("clickhouse.tls.client_cert", t.ClientCert)
	p.readable("clickhouse.tls.client_key", t.ClientKey)
	p.unused("clickhouse.tls.cert_file", t.CertFile != "", "use clickhouse.tls.client_cert")
	p.unused("clickhouse.tls.key_file", t.KeyFile != "", "use clickhouse.tls.client_key")

	p.duration("clickhouse.max_execution_time", c.MaxExecutionTime, true, "no limit")
	p.atLeast("clickhouse.max_result_rows", int64(c.MaxResultRows), 1)
	p.atLeast("clickhouse.max_result_bytes", c.MaxResultBytes, 1)
	p.atLeast("clickhouse.max_cell_bytes", c.MaxCellBytes, 0)
	p.atLeast("clickhouse.max_query_length", int64(c.MaxQueryLength), 1)
	for _, f := range c.AllowedIOFunctions {
		if !ioFunctionPattern.MatchString(f) {
			p.add("clickhouse.allowed_io_functions", "invalid entry %q (a function name, or a prefix ending in *, such as dictGet*)", f)
		}
	}
	for _, g := range []struct {
		key string
		v   int64
	}{{"clickhouse.max_rows_to_read", c.MaxRowsToRead}, {"clickhouse.max_bytes_to_read", c.MaxBytesToRead}, {"clickhouse.max_memory_usage", c.MaxMemoryUsage}} {
		if g.v < 0 {
			p.add(g.key, "invalid value %d (must be >= 0; 0 = leave the limit to ClickHouse and the user's profile)", g.v)
		}
	}
	p.atLeast("clickhouse.max_open_conns", int64(c.MaxOpenConns), 1)
	switch {
	case c.MaxIdleConns < 0:
		p.atLeast("clickhouse.max_idle_conns", int64(c.MaxIdleConns), 0)
	case c.MaxOpenConns >= 1 && c.MaxIdleConns > c.MaxOpenConns:
		p.add("clickhouse.max_idle_conns", "invalid value %d (must be <= clickhouse.max_open_conns, which is %d)", c.MaxIdleConns, c.MaxOpenConns)
	}
	p.duration("clickhouse.dial_timeout", c.DialTimeout, false, "")
	p.oneOf("clickhouse.conn_open_strategy", c.ConnOpenStrategy, allowedConnOpenStrategies)
	p.duration("clickhouse.pool_wait", c.PoolWait, false, "")
	p.oneOf("clickhouse.compression", c.Compression, allowedCompressions)
	if c.Compression != CompressionNone && c.Protocol == ProtocolHTTP {
		p.add("clickhouse.compression", "invalid value %q with clickhouse.protocol http (it compresses the native protocol's blocks; set it to none)", c.Compression)
	}
	c.validateClusterSecret(p)
}

func (c ClickHouseConfig) validateClusterSecret(p *problems) {
	p.secret("clickhouse.cluster_secret", c.ClusterSecret, "clickhouse.cluster_secret_file", c.ClusterSecretFile, 0)
	if !c.ClusterSecretMode() {
		// A name without a secret would silently run queries as the fallback user.
		p.require("clickhouse.cluster_secret", c.ClusterName != "", "clickhouse.cluster_name is set (or set clickhouse.cluster_secret_file)")
	} else {
		p.require("clickhouse.cluster_name", strings.TrimSpace(c.ClusterName) == "", "a cluster secret is set")
		if c.Protocol != ProtocolTCP {
			p.add("clickhouse.protocol", "invalid value %q with a cluster secret (interserver-secret authentication needs tcp, the native protocol)", c.Protocol)
		}
	}
	im := c.Impersonation
	if len(im.UserClaims) == 0 {
		p.add("clickhouse.impersonation.user_claims", "must name at least one claim (default: email, sub)")
	}
	for _, claim := range im.UserClaims {
		if !claimName.MatchString(claim) {
			p.add("clickhouse.impersonation.user_claims", "invalid claim name %q", claim)
		}
		if slices.Contains(mutableClaims, claim) && !im.AllowMutableClaims {
			p.add("clickhouse.impersonation.user_claims", "claim %q can be changed by the user at the identity provider, so anyone could pick their ClickHouse user; use email or sub, or set clickhouse.impersonation.allow_mutable_claims: true if your provider locks it", claim)
		}
	}
	for _, u := range im.ProtectedUsers {
		if u == "" {
			p.add("clickhouse.impersonation.protected_users", "empty user name")
		}
	}
	for _, d := range im.AllowedDomains {
		if !domainName.MatchString(d) {
			p.add("clickhouse.impersonation.allowed_domains", "invalid domain %q (want an ASCII domain name such as example.com, without @ or wildcards)", d)
		}
	}
	for _, key := range []struct {
		name string
		res  []string
	}{{"clickhouse.impersonation.allowed_users", im.AllowedUsers}, {"clickhouse.impersonation.denied_users", im.DeniedUsers}} {
		for _, re := range key.res {
			if _, err := CompileUserPattern(re); err != nil {
				p.add(key.name, "invalid regular expression %q: %v", re, err)
			}
		}
	}
}

// CompileUserPattern compiles an allowed_users / denied_users entry: a
// regular expression that must match the whole user name.
func CompileUserPattern(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}

var claimName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]*$`)

// mutableClaims are standard OIDC claims a user can usually edit at the
// identity provider: naming the ClickHouse user by one of them lets the
// user choose whom chmcp acts as.
var mutableClaims = []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username"}

// domainName is an ASCII (A-label) domain: labels of letters, digits and
// inner hyphens (no (?i): Go's folding would let the Kelvin sign match k).
// Unicode is refused so that case folding cannot make two different
// domains compare equal.
var domainName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// validateIdentity checks rules that span sections: strip_domain turns
// alice@anywhere into alice, so it needs a domain restriction.
func (c Config) validateIdentity(p *problems) {
	im := c.ClickHouse.Impersonation
	oauthDomains := c.Server.OAuth.Enabled && len(c.Server.OAuth.AllowedEmailDomains) > 0
	p.require("clickhouse.impersonation.allowed_domains", im.StripDomain && len(im.AllowedDomains) == 0 && !oauthDomains,
		"clickhouse.impersonation.strip_domain is true and server.oauth.allowed_email_domains is not set: without a domain restriction alice@attacker.example would be mapped to the internal user alice")
}

// ReadClusterSecret returns the interserver secret, from the file when
// cluster_secret_file is set (surrounding whitespace trimmed).
func (c ClickHouseConfig) ReadClusterSecret() (Secret, error) {
	return readSecret("clickhouse.cluster_secret_file", c.ClusterSecret, c.ClusterSecretFile, 0)
}

func (s ServerConfig) validate(p *problems) {
	p.oneOf("server.transport", s.Transport, allowedTransports)
	if s.Address != "" {
		p.host("server.address", s.Address)
	}
	if s.Transport == TransportHTTP || s.Transport == TransportSSE {
		p.inRange("server.port", int64(s.Port), 1, 65535, " when server.transport is "+s.Transport)
	} else {
		p.inRange("server.port", int64(s.Port), 0, 65535, "")
	}
	if reason := checkOrigin(s.CORSOrigin); reason != "" {
		p.add("server.cors_origin", "invalid value %q (%s; allowed: \"\", \"*\" or an origin scheme://host[:port])", s.CORSOrigin, reason)
	}
	for i, h := range s.AllowedHosts {
		if !validHost(h) {
			p.add(fmt.Sprintf("server.allowed_hosts[%d]", i), "invalid value %q (want a host name or IP address, without scheme, port or path)", h)
		}
	}
	s.validatePublicCORS(p)

	t := s.TLS
	p.require("server.tls.cert_file", t.Enabled && t.CertFile == "", "server.tls.enabled is true")
	p.require("server.tls.key_file", t.Enabled && t.KeyFile == "", "server.tls.enabled is true")
	p.readable("server.tls.cert_file", t.CertFile)
	p.readable("server.tls.key_file", t.KeyFile)
	p.unused("server.tls.ca_cert", t.CACert != "", "client certificate verification is not implemented")
	p.unused("server.tls.client_cert", t.ClientCert != "", "use server.tls.cert_file")
	p.unused("server.tls.client_key", t.ClientKey != "", "use server.tls.key_file")
	p.unused("server.tls.insecure_skip_verify", t.InsecureSkipVerify, "applies to clickhouse.tls only")

	p.duration("server.read_header_timeout", s.ReadHeaderTimeout, false, "")
	p.duration("server.read_timeout", s.ReadTimeout, false, "")
	p.duration("server.idle_timeout", s.IdleTimeout, false, "")
	p.duration("server.shutdown_timeout", s.ShutdownTimeout, false, "")
	p.atLeast("server.max_body_bytes", s.MaxBodyBytes, 1)
	p.atLeast("server.max_sessions", int64(s.MaxSessions), 1)
	p.atLeast("server.max_sessions_per_client", int64(s.MaxSessionsPerClient), 1)
	p.duration("server.session_idle_timeout", s.SessionIdleTimeout, false, "")
	if s.OAuth.Enabled {
		s.OAuth.validate(p, s.Transport)
	}
	if s.JWE.Enabled {
		s.JWE.validate(p, s.Transport, s.OAuth.Enabled)
	}
	if u := s.OpenAPI.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || pu.Host == "" || (pu.Scheme != "https" && pu.Scheme != "http") {
			p.add("server.openapi.public_url", "invalid value %q (want an absolute http(s) URL)", u)
		}
	}
	if s.Metrics.Enabled {
		s.Metrics.validate(p, s.Transport)
	}
	for i, r := range s.Tools {
		r.validate(p, fmt.Sprintf("server.tools[%d]", i))
	}
	p.durationRange("server.tools_cache_ttl", s.ToolsCacheTTL, Duration(time.Second), Duration(24*time.Hour))
}

func (j JWEConfig) validate(p *problems, transport string, oauth bool) {
	if transport == TransportStdio {
		p.add("server.jwe.enabled", "requires server.transport http or sse (tokens arrive with HTTP requests)")
	}
	p.require("server.jwe.secret_key", j.SecretKey == "" && j.SecretKeyFile == "", "server.jwe.enabled (or set server.jwe.secret_key_file)")
	p.secret("server.jwe.secret_key", j.SecretKey, "server.jwe.secret_key_file", j.SecretKeyFile, minSigningKey)
	p.secret("server.jwe.jwt_secret_key", j.JWTSecretKey, "", "", minSigningKey)
	for _, h := range j.AllowedHosts {
		p.host("server.jwe.allowed_hosts", h)
	}
	p.durationRange("server.jwe.max_ttl", j.MaxTTL, Duration(time.Minute), Duration(365*24*time.Hour))
	if j.MintEnabled && !oauth && len(j.MintAdminKey) < minSigningKey {
		p.add("server.jwe.mint_enabled", "needs server.oauth.enabled or a server.jwe.mint_admin_key of at least %d bytes: minting is never open", minSigningKey)
	}
}

// validatePublicCORS refuses cors_origin "*" on an endpoint without
// authentication unless allow_public_cors says it is meant: every web page
// a visitor opens could then query ClickHouse through the visitor's
// browser (from inside the visitor's network).
func (s ServerConfig) validatePublicCORS(p *problems) {
	open := !s.OAuth.Enabled && !s.JWE.Enabled
	overHTTP := s.Transport == TransportHTTP || s.Transport == TransportSSE
	switch {
	case s.CORSOrigin == "*" && open && overHTTP && !s.AllowPublicCORS:
		p.add("server.cors_origin", `"*" with neither server.oauth nor server.jwe enabled lets any web page query ClickHouse through its visitors' browsers; `+
			"name the one origin that may, turn on authentication, or set server.allow_public_cors: true if that is really meant")
	case s.AllowPublicCORS && !(s.CORSOrigin == "*" && open && overHTTP):
		p.add("server.allow_public_cors", `not used here (it only permits server.cors_origin "*" on an http or sse server without OAuth or JWE)`)
	}
}

// validateTargets checks server.jwe.allowed_targets: host:port pairs whose
// host a token may name (clickhouse.host or server.jwe.allowed_hosts). A
// cluster secret never leaves the server's own target, so there they mean
// nothing.
func (j JWEConfig) validateTargets(p *problems, ch ClickHouseConfig) {
	for i, t := range j.AllowedTargets {
		key := fmt.Sprintf("server.jwe.allowed_targets[%d]", i)
		host, port, err := net.SplitHostPort(t)
		n, perr := strconv.Atoi(port)
		switch {
		case ch.ClusterSecretMode():
			p.add(key, "not used with a cluster secret (a token cannot move the connection; the secret only goes to clickhouse.host)")
			return
		case err != nil || !validHost(host):
			p.add(key, "invalid value %q (want host:port, e.g. ch2.internal:9000 or [::1]:9000)", t)
		case perr != nil || n < 1 || n > 65535:
			p.add(key, "invalid value %q (port must be 1..65535)", t)
		case !ch.HasHost(host) && !slices.ContainsFunc(j.AllowedHosts, func(h string) bool { return strings.EqualFold(h, host) }):
			p.add(key, "host %q is neither clickhouse.host nor in server.jwe.allowed_hosts: a token could never name it", host)
		}
	}
}

func (m MetricsConfig) validate(p *problems, transport string) {
	if m.Address == "" {
		p.require("server.metrics.address", transport == TransportStdio, "server.metrics.enabled and server.transport is stdio (no HTTP server to serve /metrics on)")
		return
	}
	host, port, err := net.SplitHostPort(m.Address)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil:
		p.add("server.metrics.address", "invalid value %q (want host:port, e.g. 127.0.0.1:9464 or [::1]:9464)", m.Address)
	case host != "" && !validHost(host):
		p.add("server.metrics.address", "invalid value %q (invalid host %q)", m.Address, host)
	case perr != nil || n < 1 || n > 65535:
		p.add("server.metrics.address", "invalid value %q (port must be 1..65535)", m.Address)
	}
}

var toolPrefix = regexp.MustCompile(`^[A-Za-z0-9_.-]{0,64}$`)

func (r ToolRule) validate(p *problems, key string) {
	p.oneOf(key+".type", r.Type, []string{ToolRead, ToolWrite})
	re, other := r.ViewRegexp, r.TableRegexp
	reKey, otherKey := key+".view_regexp", key+".table_regexp"
	if r.Type == ToolWrite {
		re, other, reKey, otherKey = r.TableRegexp, r.ViewRegexp, otherKey, reKey
		p.oneOf(key+".mode", r.Mode, []string{ModeInsert})
	} else if r.Mode != "" {
		p.add(key+".mode", "only for type: write")
	}
	if re == "" {
		p.add(reKey, "required for type: %s", r.Type)
	} else if _, err := regexp.Compile(re); err != nil {
		p.add(reKey, "invalid regular expression %q: %v", re, err)
	}
	if other != "" {
		p.add(otherKey, "not used for type: %s", r.Type)
	}
	if !toolPrefix.MatchString(r.Prefix) {
		p.add(key+".prefix", "invalid value %q (letters, digits, _ . - only; at most 64)", r.Prefix)
	}
}

// ReadSecretKey returns the JWE key, from the file when set.
func (j JWEConfig) ReadSecretKey() (Secret, error) {
	return readSecret("server.jwe.secret_key_file", j.SecretKey, j.SecretKeyFile, minSigningKey)
}

func (o OAuthConfig) validate(p *problems, transport string) {
	if transport == TransportStdio {
		p.add("server.oauth.enabled", "requires server.transport http or sse (stdio has no HTTP requests to authorize)")
	}
	p.oneOf("server.oauth.mode", o.Mode, []string{OAuthModeGating})
	p.publicURL("server.oauth.issuer", o.Issuer)
	p.publicURL("server.oauth.upstream.issuer", o.Upstream.Issuer)
	p.notEmpty("server.oauth.upstream.client_id", o.Upstream.ClientID)
	p.secret("server.oauth.upstream.client_secret", o.Upstream.ClientSecret, "server.oauth.upstream.client_secret_file", o.Upstream.ClientSecretFile, 0)
	if !slices.Contains(o.Upstream.Scopes, "openid") {
		p.add("server.oauth.upstream.scopes", "must include openid (got %s)", strings.Join(o.Upstream.Scopes, ", "))
	}
	p.require("server.oauth.signing_key", o.SigningKey == "" && o.SigningKeyFile == "",
		"server.oauth.enabled (or set server.oauth.signing_key_file); generate one with: openssl rand -base64 48")
	p.secret("server.oauth.signing_key", o.SigningKey, "server.oauth.signing_key_file", o.SigningKeyFile, minSigningKey)
	p.durationRange("server.oauth.access_token_ttl", o.AccessTokenTTL, Duration(time.Minute), Duration(24*time.Hour))
	p.durationRange("server.oauth.auth_code_ttl", o.AuthCodeTTL, Duration(time.Second), Duration(10*time.Minute))
	if o.RefreshTokenTTL < o.AccessTokenTTL {
		p.add("server.oauth.refresh_token_ttl", "invalid value %s (must be >= server.oauth.access_token_ttl, %s)", o.RefreshTokenTTL, o.AccessTokenTTL)
	} else if o.RefreshTokenTTL > Duration(365*24*time.Hour) {
		p.add("server.oauth.refresh_token_ttl", "invalid value %s (at most 8760h, one year)", o.RefreshTokenTTL)
	}
	p.oneOf("server.oauth.store", o.Store, []string{StoreMemory, StoreClickHouse})
	if o.Store == StoreClickHouse && !ValidTableName(o.StoreTable) {
		p.add("server.oauth.store_table", "invalid value %q (want database.table, letters, digits and _)", o.StoreTable)
	}
}

// minSigningKey is 256 bits: HS256 and the AES-256 sealing keys derive from it.
const minSigningKey = 32

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$`)

// ValidTableName reports whether s is database.table in plain identifiers,
// safe to write into SQL unquoted.
func ValidTableName(s string) bool { return tableName.MatchString(s) }

// publicURL checks an issuer-style URL: absolute, https (http only for a
// loopback host, for development), no query or fragment.
func (p *problems) publicURL(key, v string) {
	u, err := url.Parse(v)
	switch {
	case v == "":
		p.add(key, "required when server.oauth.enabled")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		p.add(key, "invalid value %q (want an absolute https URL)", v)
	case u.RawQuery != "" || u.Fragment != "":
		p.add(key, "invalid value %q (no query or fragment allowed)", v)
	case u.Scheme == "http" && !IsLoopbackHost(u.Hostname()):
		p.add(key, "invalid value %q (https is required except for loopback hosts)", v)
	}
}

// IsLoopbackHost reports whether host (a name or an IP address, without
// port or brackets) is localhost or a loopback address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *problems) durationRange(key string, d, lo, hi Duration) {
	if d < lo || d > hi {
		p.add(key, "invalid value %s (allowed: %s..%s)", d, lo, hi)
	}
}

// ReadSigningKey returns the OAuth signing key, from the file when set.
func (o OAuthConfig) ReadSigningKey() (Secret, error) {
	return readSecret("server.oauth.signing_key_file", o.SigningKey, o.SigningKeyFile, minSigningKey)
}

// ReadClientSecret returns the upstream client secret, from the file when set.
func (u UpstreamConfig) ReadClientSecret() (Secret, error) {
	return readSecret("server.oauth.upstream.client_secret_file", u.ClientSecret, u.ClientSecretFile, 0)
}

func readSecret(key string, inline Secret, file string, minLen int) (Secret, error) {
	if file == "" {
		return inline, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || len(s) < minLen {
		return "", fmt.Errorf("%s: %s holds %d bytes, need at least %d", key, file, len(s), max(minLen, 1))
	}
	return Secret(s), nil
}

func (l LoggingConfig) validate(p *problems) {
	p.oneOf("logging.level", l.Level, allowedLogLevels)
	p.oneOf("logging.format", l.Format, allowedLogFormats)
}

// hostName matches a DNS name; underscores are allowed because container
// service names often use them.
var hostName = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$`)

// validHost accepts a DNS name, an IPv4 address or a bare IPv6 address.
func validHost(h string) bool {
	return net.ParseIP(h) != nil || len(h) <= 253 && hostName.MatchString(h)
}

// checkOrigin returns why s is not a valid cors_origin, or "".
func checkOrigin(s string) string {
	if s == "" || s == "*" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme == "" || u.Opaque != "" || u.Host == "":
		return "want scheme://host[:port]"
	case u.User != nil:
		return "must not contain user info"
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(s, "#"):
		return "must not have a path, query or fragment"
	case !validHost(u.Hostname()):
		return "invalid host"
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "invalid port"
		}
	}
	return ""
}
