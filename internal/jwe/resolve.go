package jwe

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// ErrNotAllowed: the token is genuine but names a connection the server
// does not allow (HTTP 403). Resolve's errors wrap it.
var ErrNotAllowed = errors.New("refused")

func notAllowed(format string, args ...any) error {
	return &Error{kind: ErrNotAllowed, reason: fmt.Sprintf(format, args...)}
}

// Target is where a token's queries run.
type Target struct {
	// Config is the server's ClickHouse configuration with the token's
	// connection claims applied. Guard rails (read_only, result caps,
	// timeouts, pool, TLS files) are always the server's.
	Config config.ClickHouseConfig
	// User is the ClickHouse user to act as with the cluster secret; empty
	// without a cluster secret (the token's username is then the login).
	User string
}

// Resolve applies c to the server's configuration base under the rule that
// a token never widens what the server allows:
//
//   - The host is clickhouse.host (any node of its list, which then stays
//     the whole list, failover included) or one of server.jwe.allowed_hosts.
//   - TLS can be turned on but not off, and certificate checks can only be
//     skipped where the server itself skips them.
//   - Without a username the server's own login is used, and only on its
//     own host and port (clickhouse.host and its effective port) or on a
//     host:port of server.jwe.allowed_targets: its password never goes to
//     a listener a token chose.
//   - With a cluster secret, the token may not set password, host, port,
//     protocol or TLS (the secret is only ever presented to the server's own
//     target); its username, required, is the user to act as and must pass
//     the impersonation policy, so default, clickhouse.username and denied
//     users are refused unless allowed by name.
func Resolve(base config.ClickHouseConfig, cfg config.JWEConfig, policy *identity.Policy, c Connection) (Target, error) {
	if base.ClusterSecretMode() {
		return resolveSecret(base, policy, c)
	}
	out := base
	sameHost := c.Host == "" || base.HasHost(c.Host)
	if !sameHost {
		if !slices.ContainsFunc(cfg.AllowedHosts, func(h string) bool { return strings.EqualFold(h, c.Host) }) {
			return Target{}, notAllowed("host not allowed: %q is neither clickhouse.host nor in server.jwe.allowed_hosts", clip(c.Host))
		}
		out.Host = c.Host
	}
	transportChanged := false
	if c.Protocol != "" && c.Protocol != base.Protocol {
		out.Protocol, transportChanged = c.Protocol, true
	}
	if c.TLS != nil && *c.TLS != base.TLS.Enabled {
		if !*c.TLS {
			return Target{}, notAllowed("tls: the server connects to ClickHouse over TLS; a token cannot turn it off")
		}
		out.TLS.Enabled, transportChanged = true, true
	}
	if c.TLSInsecureSkipVerify != nil && *c.TLSInsecureSkipVerify != base.TLS.InsecureSkipVerify {
		if *c.TLSInsecureSkipVerify {
			return Target{}, notAllowed("tls_insecure_skip_verify: the server verifies ClickHouse certificates; a token cannot turn that off")
		}
		out.TLS.InsecureSkipVerify = false
	}
	switch {
	case c.Port != 0:
		out.Port, out.Host = c.Port, withoutPorts(out)
	case transportChanged:
		// The default port of the new protocol / TLS combination, for every node.
		out.Port, out.Host = 0, withoutPorts(out)
	}
	switch {
	case c.Username != "":
		out.Username, out.Password = c.Username, config.Secret(c.Password)
	case c.Password != "":
		return Target{}, notAllowed("password: given without a username")
	case !serverLoginAllowed(base, cfg, out):
		what := "another host"
		if sameHost {
			what = "another port, protocol or TLS setting"
		}
		return Target{}, notAllowed("username: required when the token names %s (%s): the server's own login goes only to clickhouse.host:%d and server.jwe.allowed_targets",
			what, clip(net.JoinHostPort(out.Host, strconv.Itoa(out.EffectivePort()))), base.EffectivePort())
	}
	if c.Database != "" {
		out.Database = c.Database
	}
	return Target{Config: out}, nil
}

// serverLoginAllowed: the server's own username and password may be sent
// to target's host:port. A token that only names a port, protocol or TLS
// would otherwise make chmcp log in, with the server's password, to any
// listener on clickhouse.host.
func serverLoginAllowed(base config.ClickHouseConfig, cfg config.JWEConfig, target config.ClickHouseConfig) bool {
	port := target.EffectivePort()
	if strings.EqualFold(target.Host, base.Host) && port == base.EffectivePort() {
		return true
	}
	return slices.ContainsFunc(cfg.AllowedTargets, func(t string) bool {
		host, p, err := net.SplitHostPort(t)
		return err == nil && strings.EqualFold(host, target.Host) && p == strconv.Itoa(port)
	})
}

func resolveSecret(base config.ClickHouseConfig, policy *identity.Policy, c Connection) (Target, error) {
	const why = "a token cannot choose it when a cluster secret is configured (the secret is only presented to the server's own ClickHouse)"
	switch {
	case c.Password != "":
		return Target{}, notAllowed("password: not accepted with a cluster secret (no password is sent; queries run as the token's username)")
	case c.Host != "" && !base.HasHost(c.Host):
		return Target{}, notAllowed("host: %s", why)
	case c.Port != 0 && !slices.Contains(ports(base), c.Port):
		return Target{}, notAllowed("port: %s", why)
	case c.Protocol != "" && c.Protocol != base.Protocol:
		return Target{}, notAllowed("protocol: %s", why)
	case c.TLS != nil && *c.TLS != base.TLS.Enabled:
		return Target{}, notAllowed("tls: %s", why)
	case c.TLSInsecureSkipVerify != nil && *c.TLSInsecureSkipVerify != base.TLS.InsecureSkipVerify:
		return Target{}, notAllowed("tls_insecure_skip_verify: %s", why)
	case c.Username == "":
		return Target{}, notAllowed("username: required with a cluster secret (it names the ClickHouse user the token acts as)")
	}
	if policy == nil {
		return Target{}, errors.New("jwe: no impersonation policy")
	}
	if err := policy.Allow(c.Username); err != nil {
		return Target{}, notAllowed("%s", err.Error())
	}
	out := base
	if c.Database != "" {
		out.Database = c.Database
	}
	return Target{Config: out, User: c.Username}, nil
}

// withoutPorts is c.Host with the entries' own ports dropped, so that a
// token's port (or its protocol's default) applies to every node.
func withoutPorts(c config.ClickHouseConfig) string {
	var hosts []string
	for _, ep := range c.Endpoints() {
		h := ep.Host
		if !slices.ContainsFunc(hosts, func(x string) bool { return strings.EqualFold(x, h) }) {
			hosts = append(hosts, h)
		}
	}
	return strings.Join(hosts, ",")
}

// ports are the ports c's nodes are reached on.
func ports(c config.ClickHouseConfig) []int {
	var out []int
	for _, ep := range c.Endpoints() {
		p := ep.Port
		if p == 0 {
			p = c.EffectivePort()
		}
		out = append(out, p)
	}
	return out
}
