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
		{"transforms", func(c *config.ImpersonationConfig) { c.Lowercase, c.StripDomain = true, true },
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
		{"control characters", nil, Claims{Subject: "al\nice"}, "", "", "not a valid user name"},
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
