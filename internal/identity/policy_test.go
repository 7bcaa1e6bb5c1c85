package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

func policy(t *testing.T, mutate func(*config.ImpersonationConfig)) *Policy {
	t.Helper()
	cfg := config.Defaults().ClickHouse.Impersonation
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := NewPolicy(cfg, "mcp_service")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func lower(c *config.ImpersonationConfig) { c.Lowercase = true }

// corpOnly strips the domain of corp.com addresses and refuses others.
func corpOnly(c *config.ImpersonationConfig) {
	c.StripDomain, c.AllowedDomains = true, []string{"corp.com"}
}

func TestMapClaims(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*config.ImpersonationConfig)
		claims Claims
		user   string
		source Source
		refuse string
	}{
		{"email first", nil, Claims{Subject: "123", Email: "alice@corp.com", EmailVerified: true}, "alice@corp.com", SourceEmail, ""},
		{"sub when no email", nil, Claims{Subject: "bob"}, "bob", SourceSubject, ""},
		{"unverified email refused", nil, Claims{Subject: "123", Email: "alice@corp.com"}, "", "", "did not verify"},
		{"claim order configurable", func(c *config.ImpersonationConfig) { c.UserClaims = []string{"sub", "email"} },
			Claims{Subject: "s-1", Email: "a@b.c", EmailVerified: true}, "s-1", SourceSubject, ""},
		{"other claim", func(c *config.ImpersonationConfig) { c.UserClaims = []string{"preferred_username"} },
			Claims{Other: map[string]string{"preferred_username": "carol"}}, "carol", Source("preferred_username"), ""},
		{"transforms", func(c *config.ImpersonationConfig) {
			c.Lowercase, c.StripDomain, c.AllowedDomains = true, true, []string{"corp.com"}
		},
			Claims{Email: "Alice.Smith@Corp.COM", EmailVerified: true}, "alice.smith", SourceEmail, ""},
		{"nothing usable", nil, Claims{}, "", "", "none of the claims email, sub"},
		{"default denied", nil, Claims{Subject: "default"}, "", "", "privileged account"},
		{"fallback denied", nil, Claims{Subject: "mcp_service"}, "", "", "privileged account"},
		{"broad allow does not open default", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{".*"} },
			Claims{Subject: "default"}, "", "", "privileged account"},
		{"literal allow opens default", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{"default"} },
			Claims{Subject: "default"}, "default", SourceSubject, ""},
		{"denied pattern", func(c *config.ImpersonationConfig) { c.DeniedUsers = []string{"admin.*"} },
			Claims{Subject: "admin2"}, "", "", "denied_users"},
		{"deny wins over allow", func(c *config.ImpersonationConfig) {
			c.AllowedUsers, c.DeniedUsers = []string{"a.*"}, []string{"admin"}
		},
			Claims{Subject: "admin"}, "", "", "denied_users"},
		{"allow list", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{"[a-z]+@corp\\.com"} },
			Claims{Email: "eve@evil.com", EmailVerified: true}, "", "", "allowed_users"},
		{"allow list is anchored", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{"alice"} },
			Claims{Subject: "alice2"}, "", "", "allowed_users"},
		{"control characters", nil, Claims{Subject: "al\nice"}, "", "", "not a plain user name"},

		// Unicode case folding must not steer the mapping (issue 9): the
		// Kelvin sign lowers to k, the dotted capital I to i.
		{"kelvin sign", lower, Claims{Subject: "\u212Aelly"}, "", "", `claim sub: "\u212aelly" is not a plain user name`},
		{"dotted capital I", lower, Claims{Subject: "ADM\u0130N"}, "", "", "not a plain user name"},
		{"unicode in an email", lower, Claims{Email: "\u212Aelly@corp.com", EmailVerified: true}, "", "", "not a plain user name"},
		{"unicode in a domain", corpOnly, Claims{Email: "alice@\u212Aorp.com", EmailVerified: true}, "", "", "not a plain user name"},
		{"zero-width space", nil, Claims{Subject: "alice\u200b"}, "", "", "not a plain user name"},
		{"quote", nil, Claims{Subject: "al'ice"}, "", "", "not a plain user name"},
		{"two @", nil, Claims{Email: "alice@corp.com@evil.com", EmailVerified: true}, "", "", "not a plain user name"},
		{"plain ASCII upper case is lowered", lower, Claims{Subject: "KELLY"}, "kelly", SourceSubject, ""},

		// strip_domain never maps another domain onto an internal user.
		{"strip_domain, foreign domain", corpOnly, Claims{Email: "alice@attacker.example", EmailVerified: true}, "", "", `email domain "attacker.example" is not in clickhouse.impersonation.allowed_domains`},
		{"strip_domain, own domain", corpOnly, Claims{Email: "alice@CORP.com", EmailVerified: true}, "alice", SourceEmail, ""},
		{"strip_domain, subdomain is another domain", corpOnly, Claims{Email: "alice@x.corp.com", EmailVerified: true}, "", "", "not in clickhouse.impersonation.allowed_domains"},
		{"strip_domain, email-shaped other claim", func(c *config.ImpersonationConfig) {
			corpOnly(c)
			c.UserClaims = []string{"upn"}
		}, Claims{Other: map[string]string{"upn": "alice@attacker.example"}}, "", "", "not in clickhouse.impersonation.allowed_domains"},
		{"strip_domain without domains fails closed", func(c *config.ImpersonationConfig) { c.StripDomain = true },
			Claims{Email: "alice@attacker.example", EmailVerified: true}, "", "", "strip_domain needs"},
		{"domains without strip_domain", func(c *config.ImpersonationConfig) { c.AllowedDomains = []string{"corp.com"} },
			Claims{Email: "alice@attacker.example", EmailVerified: true}, "", "", "not in clickhouse.impersonation.allowed_domains"},

		// Protected users: default, the fallback user, admin by default.
		{"admin protected by default", nil, Claims{Subject: "admin"}, "", "", "privileged account"},
		{"admin through the transforms", func(c *config.ImpersonationConfig) {
			corpOnly(c)
			c.Lowercase = true
		}, Claims{Email: "ADMIN@corp.com", EmailVerified: true}, "", "", "privileged account"},
		{"protected_users adds", func(c *config.ImpersonationConfig) { c.ProtectedUsers = []string{"root"} },
			Claims{Subject: "root"}, "", "", "privileged account"},
		{"protected_users replaces admin", func(c *config.ImpersonationConfig) { c.ProtectedUsers = []string{"root"} },
			Claims{Subject: "admin"}, "admin", SourceSubject, ""},
		{"default protected whatever the list", func(c *config.ImpersonationConfig) { c.ProtectedUsers = nil },
			Claims{Subject: "default"}, "", "", "privileged account"},
		{"literal allow opens admin", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{"admin", "a.*"} },
			Claims{Subject: "admin"}, "admin", SourceSubject, ""},
		{"pattern does not open admin", func(c *config.ImpersonationConfig) { c.AllowedUsers = []string{"adm.*"} },
			Claims{Subject: "admin"}, "", "", "privileged account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := policy(t, tc.mutate).Map(tc.claims)
			if tc.refuse != "" {
				var pe *PolicyError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.refuse) {
					t.Fatalf("want refusal containing %q, got id=%+v err=%v", tc.refuse, id, err)
				}
				return
			}
			if err != nil || id.User != tc.user || id.Source != tc.source {
				t.Fatalf("got %+v, %v; want user %q source %q", id, err, tc.user, tc.source)
			}
		})
	}
}

func TestAllowEmpty(t *testing.T) {
	if err := policy(t, nil).Allow(""); err == nil {
		t.Fatal("empty user allowed")
	}
}

func TestBadRegexp(t *testing.T) {
	cfg := config.Defaults().ClickHouse.Impersonation
	cfg.DeniedUsers = []string{"("}
	if _, err := NewPolicy(cfg, "x"); err == nil || !strings.Contains(err.Error(), "denied_users") {
		t.Fatalf("want an error naming the key, got %v", err)
	}
}

// TestAllowNamedUsers: a user named directly (a JWE token's username, an
// identity at query time) meets the same rules as a mapped one.
func TestAllowNamedUsers(t *testing.T) {
	p := policy(t, func(c *config.ImpersonationConfig) { c.AllowedDomains = []string{"corp.com"} })
	for user, want := range map[string]string{
		"admin":                  "privileged account",
		"mcp_service":            "privileged account",
		"\u212Aelly":             "not a plain user name",
		"al ice":                 "not a plain user name",
		"eve@attacker.example":   "not in clickhouse.impersonation.allowed_domains",
		"alice@corp.com":         "",
		"alice":                  "",
		"svc-etl_2.prod":         "",
		strings.Repeat("a", 257): "not a plain user name",
	} {
		err := p.Allow(user)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("Allow(%+q) = %v, want %q", user, err, want)
		}
	}
}

// TestWithEmailDomains: every domain list applies (OAuth's adds to the
// impersonation one) and the base policy is left as it was.
func TestWithEmailDomains(t *testing.T) {
	base := policy(t, func(c *config.ImpersonationConfig) { c.AllowedDomains = []string{"corp.com", "sub.corp.com"} })
	oauth := base.WithEmailDomains("server.oauth.allowed_email_domains", []string{"corp.com"})
	if err := oauth.Allow("ann@sub.corp.com"); err == nil || !strings.Contains(err.Error(), "server.oauth.allowed_email_domains") {
		t.Fatalf("OAuth's list not applied: %v", err)
	}
	if err := base.Allow("ann@sub.corp.com"); err != nil {
		t.Fatalf("the base policy changed: %v", err)
	}
	if same := base.WithEmailDomains("x", nil); same != base {
		t.Fatal("an empty list should add no rule")
	}
}

func TestProtectedUsersMustBePlain(t *testing.T) {
	cfg := config.Defaults().ClickHouse.Impersonation
	cfg.ProtectedUsers = []string{"root", "\u212Aelly"}
	if _, err := NewPolicy(cfg, "x"); err == nil || !strings.Contains(err.Error(), "clickhouse.impersonation.protected_users") {
		t.Fatalf("want an error naming the key, got %v", err)
	}
}

func TestPlainUserName(t *testing.T) {
	for s, want := range map[string]bool{
		"alice": true, "Alice.Smith@Corp.COM": true, "a-b_c.d": true, "0": true,
		"": false, "@corp.com": false, "alice@": false, "a@b@c": false, "a b": false,
		"a\x00": false, "\u212Aelly": false, "\u00e9": false, "a+tag@corp.com": false, "a/b": false, "`": false,
	} {
		if got := PlainUserName(s); got != want {
			t.Errorf("PlainUserName(%+q) = %v, want %v", s, got, want)
		}
	}
}
