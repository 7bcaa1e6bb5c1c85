package oauth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// withPolicy gives the harness an identity policy built from im, with
// "default" as the fallback user.
func withPolicy(t *testing.T, im config.ImpersonationConfig) harnessOpt {
	return func(_ *config.OAuthConfig, deps *Deps) {
		if im.ProtectedUsers == nil {
			im.ProtectedUsers = config.Defaults().ClickHouse.Impersonation.ProtectedUsers
		}
		p, err := identity.NewPolicy(im, "default")
		if err != nil {
			t.Fatal(err)
		}
		deps.Policy = p
	}
}

// TestLoginIdentityPolicy (issue 9): the claims of a login cannot steer
// the mapping to another ClickHouse user. Each refusal is access_denied at
// the callback, with the reason, before any code is issued.
func TestLoginIdentityPolicy(t *testing.T) {
	stripLower := config.ImpersonationConfig{UserClaims: []string{"email", "sub"}, Lowercase: true, StripDomain: true}
	oauthDomains := func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedEmailDomains = []string{"example.com"} }

	t.Run("Kelvin sign folds to k", func(t *testing.T) {
		h := newHarness(t, withPolicy(t, stripLower), oauthDomains)
		h.loginRefused(verifiedUser("s", "\u212Aelly@example.com"), "not a plain user name")
	})
	t.Run("dotted capital I folds to i", func(t *testing.T) {
		h := newHarness(t, withPolicy(t, stripLower), oauthDomains)
		h.loginRefused(verifiedUser("s", "ADM\u0130N@example.com"), "not a plain user name")
	})
	t.Run("admin is protected", func(t *testing.T) {
		h := newHarness(t, withPolicy(t, stripLower), oauthDomains)
		h.loginRefused(verifiedUser("s", "Admin@example.com"), "privileged account")
	})
	t.Run("OAuth's domains apply to a mutable claim", func(t *testing.T) {
		// The login's email is in the allowed domain, but the claim that
		// names the user is another domain's: stripped, it would be alice.
		im := config.ImpersonationConfig{UserClaims: []string{"preferred_username"}, StripDomain: true, AllowMutableClaims: true}
		h := newHarness(t, withPolicy(t, im), oauthDomains)
		h.loginRefused(&mockoidc.MockUser{Subject: "s", Email: "mallory@example.com", EmailVerified: true, PreferredUsername: "alice@attacker.example"},
			`email domain "attacker.example" is not in server.oauth.allowed_email_domains`)
	})
	t.Run("impersonation domains", func(t *testing.T) {
		im := stripLower
		im.AllowedDomains = []string{"example.com"}
		h := newHarness(t, withPolicy(t, im)) // no login restriction of OAuth's own
		h.loginRefused(verifiedUser("s", "alice@attacker.example"), `email domain "attacker.example" is not in clickhouse.impersonation.allowed_domains`)
		if id := h.whoami(h.accessToken("", verifiedUser("s", "Alice@Example.com"))); id.User != "alice" {
			t.Fatalf("own domain mapped to %q, want alice", id.User)
		}
	})
	t.Run("unicode in the domain", func(t *testing.T) {
		// EqualFold would equate "\u212Aorp.example" with "korp.example".
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedEmailDomains = []string{"korp.example"} },
			withPolicy(t, config.ImpersonationConfig{UserClaims: []string{"sub"}}))
		h.loginRefused(verifiedUser("s", "ann@\u212Aorp.example"), "email domain is not allowed")
	})
}

// TestTokenEndpointPolicy: a grant whose user the policy refuses now (it
// changed since the login) gets no token: invalid_grant with the reason.
func TestTokenEndpointPolicy(t *testing.T) {
	h := newHarness(t)
	client := h.register(appRedirect)
	verifier, challenge := pkce()
	code := h.code(authorizeParams(client, appRedirect, challenge), verifiedUser("s", "admin"))
	strict, err := identity.NewPolicy(config.ImpersonationConfig{UserClaims: []string{"email"}, ProtectedUsers: []string{"admin"}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	h.srv.policy = strict
	status, tok := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appRedirect},
		"client_id": {client}, "code_verifier": {verifier}})
	if desc, _ := tok["error_description"].(string); status != 400 || tok["error"] != "invalid_grant" || !strings.Contains(desc, "privileged account") {
		t.Fatalf("token for a now-protected user: %d %v", status, tok)
	}
}
