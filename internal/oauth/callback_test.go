package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/chmcp/chmcp/internal/config"
)

// workspaceUser is a Google Workspace account: its ID token has hd.
type workspaceUser struct {
	*mockoidc.MockUser
	hd string
}

func (u workspaceUser) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c, err := u.MockUser.Claims(scope, base)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["hd"] = u.hd
	return m, nil
}

// loginRefused logs in and expects access_denied at the client.
func (h *harness) loginRefused(user mockoidc.User, wantInDescription string) {
	h.t.Helper()
	params, _ := h.newAuthorization()
	back := h.login(params, user)
	q := back.Query()
	if q.Get("error") != "access_denied" || q.Get("code") != "" || q.Get("state") != "client-state-123" ||
		q.Get("iss") != h.srv.issuer || !strings.Contains(q.Get("error_description"), wantInDescription) {
		h.t.Fatalf("redirect %s, want access_denied (%s) with state and iss", back, wantInDescription)
	}
}

func TestLoginPolicy(t *testing.T) {
	t.Run("unverified email", func(t *testing.T) {
		h := newHarness(t)
		h.loginRefused(&mockoidc.MockUser{Subject: "s", Email: "ann@example.com", EmailVerified: false}, "verified email")
	})
	t.Run("no email", func(t *testing.T) {
		h := newHarness(t)
		h.loginRefused(&mockoidc.MockUser{Subject: "s"}, "verified email")
	})
	t.Run("disallowed email domain", func(t *testing.T) {
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedEmailDomains = []string{"corp.example"} })
		h.loginRefused(verifiedUser("s", "ann@example.com"), "email domain")
	})
	t.Run("subdomain is not the domain", func(t *testing.T) {
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedEmailDomains = []string{"corp.example"} })
		h.loginRefused(verifiedUser("s", "ann@evil.corp.example"), "email domain")
	})
	t.Run("unverified email in an allowed domain", func(t *testing.T) {
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) {
			cfg.AllowedEmailDomains = []string{"corp.example"}
			cfg.RequireEmailVerified = false
		})
		h.loginRefused(&mockoidc.MockUser{Subject: "s", Email: "ann@corp.example"}, "email domain")
	})
	t.Run("allowed email domain, any case", func(t *testing.T) {
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedEmailDomains = []string{"Corp.Example"} })
		params, _ := h.newAuthorization()
		h.code(params, verifiedUser("s", "ann@CORP.example"))
	})
	t.Run("hosted domain", func(t *testing.T) {
		h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.AllowedHostedDomains = []string{"corp.example"} })
		h.loginRefused(verifiedUser("s", "ann@gmail.com"), "hosted domain")
		h.loginRefused(workspaceUser{verifiedUser("s", "ann@other.example"), "other.example"}, "hosted domain")
		params, _ := h.newAuthorization()
		h.code(params, workspaceUser{verifiedUser("s", "ann@corp.example"), "corp.example"})
	})
}

// TestCallbackErrors: upstream errors are passed on; a bad state is an
// error page.
func TestCallbackErrors(t *testing.T) {
	h := newHarness(t)
	params, _ := h.newAuthorization()
	resp := h.consent(params, "approve")
	state := location(t, resp).Query().Get("state")

	for upstream, want := range map[string]string{"access_denied": "access_denied", "temporarily_unavailable": "server_error", "<script>": "access_denied"} {
		resp, _ := h.get(h.ts.URL + PathCallback + "?" + url.Values{"state": {state}, "error": {upstream}, "error_description": {"secret detail"}}.Encode())
		u := location(t, resp)
		q := u.Query()
		if q.Get("error") != want || q.Get("state") != "client-state-123" || q.Get("iss") == "" ||
			strings.Contains(q.Get("error_description"), "secret detail") || strings.Contains(q.Get("error_description"), "<") {
			t.Errorf("upstream %s: %s", upstream, u)
		}
	}
	// A bad upstream code: server_error at the client.
	resp, _ = h.get(h.ts.URL + PathCallback + "?" + url.Values{"state": {state}, "code": {"bogus"}}.Encode())
	if q := location(t, resp).Query(); q.Get("error") != "server_error" {
		t.Errorf("bogus upstream code: %v", q)
	}
	// Tampered, missing or expired state: an error page.
	for _, st := range []string{flipChar(state, len(state)/2), "", "not-sealed"} {
		resp, body := h.get(h.ts.URL + PathCallback + "?" + url.Values{"state": {st}, "code": {"c"}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("state %q: %d %s", st, resp.StatusCode, body)
		}
	}
	h.clock.Advance(stateTTL)
	resp, _ = h.get(h.ts.URL + PathCallback + "?" + url.Values{"state": {state}, "code": {"c"}}.Encode())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired state: %d", resp.StatusCode)
	}
}
