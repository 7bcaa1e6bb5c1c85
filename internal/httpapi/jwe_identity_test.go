package httpapi

import (
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/jwe"
)

// TestJWEIdentityRules (issue 9): with a cluster secret, a token that names
// a ClickHouse user directly meets the rules of a mapped claim: admin (a
// password-protected account, not the fallback user here) is protected
// unless allowed_users names it literally, names must be plain ASCII, and
// an email-shaped name must be in an allowed domain. Refusals are 403 on
// real HTTP, both when a token is used and when one is minted.
func TestJWEIdentityRules(t *testing.T) {
	secretAs := func(mutate ...func(*config.Config)) func(*config.Config) {
		return withJWE(append([]func(*config.Config){withSecret(t, "bob"), func(c *config.Config) {
			c.ClickHouse.Impersonation.AllowedDomains = []string{"example.com"}
			c.Server.JWE.MintEnabled, c.Server.JWE.MintAdminKey = true, testAdminKey
		}}, mutate...)...)
	}
	ts := startJWE(t, secretAs())
	for _, tc := range []struct{ user, want string }{
		{chs(t).AdminUser, "privileged account"},
		{"default", "privileged account"},
		{"bob", "privileged account"}, // the fallback user
		{"\u212Aelly", "not a plain user name"},
		{"ADM\u0130N", "not a plain user name"},
		{"alice\u200b", "not a plain user name"},
		{"eve@attacker.example", `email domain \"attacker.example\" is not in clickhouse.impersonation.allowed_domains`},
	} {
		t.Run(tc.user, func(t *testing.T) {
			resp, body := post(t, ts.URL+"/", pingBody, map[string]string{auth.HeaderJWE: mintTest(t, jwe.Connection{Username: tc.user}, time.Hour)})
			if resp.StatusCode != 403 || !strings.Contains(body, "access_denied") || !strings.Contains(body, tc.want) {
				t.Fatalf("token for %+q: %d %s, want 403 containing %q", tc.user, resp.StatusCode, body, tc.want)
			}
			code, out := postJSON(t, ts.URL+auth.PathMint, `{"username":"`+tc.user+`"}`, map[string]string{"Authorization": "Bearer " + testAdminKey})
			if code != 403 || out["token"] != nil {
				t.Fatalf("minting for %+q: %d %v", tc.user, code, out)
			}
		})
	}

	// Named literally in allowed_users, admin may be acted as: the real
	// ClickHouse runs the query as admin.
	open := startJWE(t, secretAs(func(c *config.Config) { c.ClickHouse.Impersonation.AllowedUsers = []string{"admin", "alice"} }))
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: open.URL + "/" + mintTest(t, jwe.Connection{Username: chs(t).AdminUser}, time.Hour)}, "2026-07-28")
	if user, _ := currentUserOf(t, cs); user != chs(t).AdminUser {
		t.Fatalf("ran as %q, want %q", user, chs(t).AdminUser)
	}
}
