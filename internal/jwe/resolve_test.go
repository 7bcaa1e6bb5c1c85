package jwe

import (
	"errors"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

func baseConfig() config.ClickHouseConfig {
	c := config.Defaults().ClickHouse
	c.Host, c.Port, c.Username, c.Password = "ch.internal", 9000, "mcp", "server-password"
	return c
}

type resolveCase struct {
	name   string
	mutate func(*config.ClickHouseConfig)
	conn   Connection
	check  func(t *testing.T, got Target)
	refuse string
}

func TestResolve(t *testing.T) {
	jweCfg := config.JWEConfig{AllowedHosts: []string{"ch2.internal"}, AllowedTargets: []string{"ch.internal:8123", "CH2.internal:9000"}}
	cases := []resolveCase{
		{name: "nothing: the server's own connection", check: func(t *testing.T, got Target) {
			if got.Config.Host != "ch.internal" || got.Config.Username != "mcp" || got.Config.Password != "server-password" || got.User != "" {
				t.Fatalf("%+v", got)
			}
		}},
		{name: "own login", conn: Connection{Username: "ann", Password: "pw", Database: "sales"}, check: func(t *testing.T, got Target) {
			c := got.Config
			if c.Username != "ann" || c.Password != "pw" || c.Database != "sales" || c.Host != "ch.internal" || c.Port != 9000 {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "username without password sends none", conn: Connection{Username: "ann"}, check: func(t *testing.T, got Target) {
			if got.Config.Password != "" {
				t.Fatal("the server's password went with another user")
			}
		}},
		{name: "allowed host", conn: Connection{Host: "CH2.internal", Username: "ann"}, check: func(t *testing.T, got Target) {
			if got.Config.Host != "CH2.internal" || got.Config.Port != 9000 {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "host not allowed", conn: Connection{Host: "evil.example", Username: "ann"}, refuse: "host not allowed"},
		{name: "server login never leaves its host", conn: Connection{Host: "ch2.internal", Port: 9001}, refuse: "username: required when the token names another host"},
		{name: "password without username", conn: Connection{Password: "x"}, refuse: "without a username"},
		// The server's login goes only where the operator sends it.
		{name: "server login to another port", conn: Connection{Port: 9001}, refuse: "username: required when the token names another port"},
		{name: "server login to the protocol's default port", conn: Connection{Protocol: "http", TLS: ptr(true)}, refuse: "ch.internal:8443"},
		{name: "server login with tls on", conn: Connection{TLS: ptr(true)}, refuse: "ch.internal:9440"},
		{name: "server login to an allowed target", conn: Connection{Protocol: "http", Port: 8123}, check: func(t *testing.T, got Target) {
			if got.Config.Username != "mcp" || got.Config.Password != "server-password" || got.Config.EffectivePort() != 8123 {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "server login to an allowed target on another host", conn: Connection{Host: "ch2.internal"}, check: func(t *testing.T, got Target) {
			if got.Config.Host != "ch2.internal" || got.Config.Username != "mcp" || got.Config.EffectivePort() != 9000 {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "server login, same port spelled out", conn: Connection{Host: "CH.internal", Port: 9000, Protocol: "tcp"}, check: func(t *testing.T, got Target) {
			if got.Config.Username != "mcp" {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "own login to any port", conn: Connection{Port: 9001, Username: "ann", Password: "pw"}, check: func(t *testing.T, got Target) {
			if got.Config.Port != 9001 || got.Config.Password != "pw" {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "protocol change resets the port", conn: Connection{Protocol: "http", Username: "a"}, check: func(t *testing.T, got Target) {
			if got.Config.Protocol != "http" || got.Config.EffectivePort() != 8123 {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "tls on", conn: Connection{TLS: ptr(true), Port: 9440, Username: "a"}, check: func(t *testing.T, got Target) {
			if !got.Config.TLS.Enabled || got.Config.Port != 9440 {
				t.Fatalf("%+v", got.Config)
			}
		}},
		{name: "tls off refused", mutate: func(c *config.ClickHouseConfig) { c.TLS.Enabled = true }, conn: Connection{TLS: ptr(false)}, refuse: "cannot turn it off"},
		{name: "insecure refused", mutate: func(c *config.ClickHouseConfig) { c.TLS.Enabled = true }, conn: Connection{TLSInsecureSkipVerify: ptr(true)}, refuse: "cannot turn that off"},
		{name: "insecure where the server is", mutate: func(c *config.ClickHouseConfig) { c.TLS.Enabled, c.TLS.InsecureSkipVerify = true, true },
			conn: Connection{TLSInsecureSkipVerify: ptr(false)}, check: func(t *testing.T, got Target) {
				if got.Config.TLS.InsecureSkipVerify {
					t.Fatal("a token could not tighten certificate checks")
				}
			}},
		{name: "guard rails stay", mutate: func(c *config.ClickHouseConfig) { c.ReadOnly, c.MaxResultRows = true, 7 }, conn: Connection{Username: "a"}, check: func(t *testing.T, got Target) {
			if !got.Config.ReadOnly || got.Config.MaxResultRows != 7 {
				t.Fatalf("%+v", got.Config)
			}
		}},
	}
	secret := func(c *config.ClickHouseConfig) { c.ClusterName, c.ClusterSecret = "cl", "interserver" }
	for _, tc := range []struct {
		name   string
		conn   Connection
		refuse string
	}{
		{"secret: password", Connection{Username: "alice", Password: "x"}, "password: not accepted"},
		{"secret: host", Connection{Username: "alice", Host: "ch2.internal"}, "host: a token cannot choose"},
		{"secret: port", Connection{Username: "alice", Port: 9001}, "port: a token cannot choose"},
		{"secret: protocol", Connection{Username: "alice", Protocol: "http"}, "protocol: a token cannot choose"},
		{"secret: tls", Connection{Username: "alice", TLS: ptr(true)}, "tls: a token cannot choose"},
		{"secret: no username", Connection{}, "username: required"},
		{"secret: default", Connection{Username: "default"}, "privileged account"},
		{"secret: the fallback user", Connection{Username: "mcp"}, "privileged account"},
		{"secret: denied", Connection{Username: "root_ops"}, "denied_users"},
		// Issue 9: a token naming a user directly meets the same rules as a
		// mapped claim: protected users, plain names, allowed domains.
		{"secret: admin is protected", Connection{Username: "admin"}, "privileged account"},
		{"secret: unicode name", Connection{Username: "\u212Aelly"}, "not a plain user name"},
		{"secret: space", Connection{Username: "al ice"}, "not a plain user name"},
		{"secret: foreign email domain", Connection{Username: "eve@attacker.example"}, "not in clickhouse.impersonation.allowed_domains"},
	} {
		cases = append(cases, resolveCase{name: tc.name, mutate: secret, conn: tc.conn, refuse: tc.refuse})
	}
	cases = append(cases, resolveCase{name: "secret: alice, same host spelled out", mutate: secret,
		conn: Connection{Username: "alice", Host: "ch.internal", Port: 9000, Protocol: "tcp", Database: "sales"},
		check: func(t *testing.T, got Target) {
			if got.User != "alice" || got.Config.Username != "mcp" || got.Config.Database != "sales" || got.Config.Host != "ch.internal" {
				t.Fatalf("%+v", got)
			}
		}})
	// Several nodes: any of them is "the server's own ClickHouse", which
	// stays the whole list; a token's port applies to every node.
	nodes := func(c *config.ClickHouseConfig) { c.Host, c.Port = "ch.internal:9001,ch-b.internal", 9000 }
	cases = append(cases,
		resolveCase{name: "nodes: a listed node keeps the list and the server login", mutate: nodes, conn: Connection{Host: "CH-B.internal"},
			check: func(t *testing.T, got Target) {
				if got.Config.Host != "ch.internal:9001,ch-b.internal" || got.Config.Username != "mcp" || got.Config.Password != "server-password" {
					t.Fatalf("%+v", got.Config)
				}
			}},
		resolveCase{name: "nodes: a port applies to every node", mutate: nodes, conn: Connection{Port: 9440, Username: "a"},
			check: func(t *testing.T, got Target) {
				if a := got.Config.Addresses(); strings.Join(a, ",") != "ch.internal:9440,ch-b.internal:9440" {
					t.Fatalf("addresses %q", a)
				}
			}},
		resolveCase{name: "nodes: a protocol change resets every node's port", mutate: nodes, conn: Connection{Protocol: "http", Username: "a"},
			check: func(t *testing.T, got Target) {
				if a := got.Config.Addresses(); strings.Join(a, ",") != "ch.internal:8123,ch-b.internal:8123" {
					t.Fatalf("addresses %q", a)
				}
			}},
		resolveCase{name: "nodes: the list as a host is no host", mutate: nodes, conn: Connection{Host: "ch.internal:9001,ch-b.internal"}, refuse: "host not allowed"},
		resolveCase{name: "nodes secret: a listed node and its port", mutate: func(c *config.ClickHouseConfig) { nodes(c); secret(c) },
			conn: Connection{Username: "alice", Host: "ch.internal", Port: 9001}, check: func(t *testing.T, got Target) {
				if got.User != "alice" || got.Config.Host != "ch.internal:9001,ch-b.internal" {
					t.Fatalf("%+v", got)
				}
			}},
		resolveCase{name: "nodes secret: another port", mutate: func(c *config.ClickHouseConfig) { nodes(c); secret(c) },
			conn: Connection{Username: "alice", Port: 9002}, refuse: "port: a token cannot choose"},
		resolveCase{name: "nodes secret: another host", mutate: func(c *config.ClickHouseConfig) { nodes(c); secret(c) },
			conn: Connection{Username: "alice", Host: "ch-c.internal"}, refuse: "host: a token cannot choose"},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := baseConfig()
			base.Impersonation.DeniedUsers = []string{"root_.*"}
			base.Impersonation.AllowedDomains = []string{"corp.com"}
			if tc.mutate != nil {
				tc.mutate(&base)
			}
			policy, err := identity.NewPolicy(base.Impersonation, base.Username)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Resolve(base, jweCfg, policy, tc.conn)
			if tc.refuse != "" {
				if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), tc.refuse) {
					t.Fatalf("want a refusal containing %q, got %+v, %v", tc.refuse, got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}
