package identity

import (
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// FuzzMap: whatever the claims and transforms, a mapped user is a plain
// user name, in an allowed domain, never a protected account, and passes
// Allow; with strip_domain the claim it came from was in an allowed domain.
// `go test` runs the seeds; `make fuzz-short` explores for a few seconds.
func FuzzMap(f *testing.F) {
	for _, s := range []struct {
		sub, email, other      string
		verified, lower, strip bool
	}{
		{"alice", "", "", false, false, false},
		{"123", "Alice.Smith@Corp.COM", "", true, true, true},
		{"\u212Aelly", "", "", false, true, false},
		{"ADM\u0130N", "", "", false, true, false},
		{"x", "ADM\u0130N@corp.com", "", true, true, true},
		{"x", "alice@attacker.example", "", true, false, true},
		{"x", "admin@corp.com", "", true, true, true},
		{"x", "alice@corp.com@evil.example", "", true, false, true},
		{"", "", "alice@attacker.example", false, true, true},
		{"default", "", "", false, false, false},
		{"MCP_SERVICE", "", "", false, true, false},
		{"al\x00ice", "al\nice@corp.com", "\xff", true, true, true},
	} {
		f.Add(s.sub, s.email, s.other, s.verified, s.lower, s.strip)
	}
	f.Fuzz(func(t *testing.T, sub, email, other string, verified, lower, strip bool) {
		cfg := config.Defaults().ClickHouse.Impersonation
		cfg.UserClaims = []string{"email", "upn", "sub"}
		cfg.Lowercase, cfg.StripDomain, cfg.AllowedDomains = lower, strip, []string{"corp.com"}
		p, err := NewPolicy(cfg, "mcp_service")
		if err != nil {
			t.Fatal(err)
		}
		c := Claims{Subject: sub, Email: email, EmailVerified: verified, Other: map[string]string{"upn": other}}
		id, err := p.Map(c)
		if err != nil {
			if _, ok := err.(*PolicyError); !ok {
				t.Fatalf("refusal is not a PolicyError: %T %v", err, err)
			}
			return
		}
		u := id.User
		if !PlainUserName(u) {
			t.Fatalf("mapped to %+q, not a plain user name", u)
		}
		if _, domain, ok := strings.Cut(u, "@"); ok && !strings.EqualFold(domain, "corp.com") {
			t.Fatalf("mapped to %+q outside corp.com", u)
		}
		for _, protected := range []string{"default", "admin", "mcp_service"} {
			if u == protected {
				t.Fatalf("mapped %+v to the protected user %q", c, u)
			}
		}
		if lower && u != strings.ToLower(u) {
			t.Fatalf("lowercase on, got %q", u)
		}
		raw := map[Source]string{SourceEmail: email, "upn": other, SourceSubject: sub}[id.Source]
		if _, domain, ok := strings.Cut(raw, "@"); ok && !strings.EqualFold(domain, "corp.com") {
			t.Fatalf("claim %+q from another domain mapped to %q", raw, u)
		}
		if !lower && !strip && u != raw {
			t.Fatalf("no transform, but %+q became %q", raw, u)
		}
		if err := p.Allow(u); err != nil {
			t.Fatalf("Map gave %q, Allow refuses it: %v", u, err)
		}
	})
}
