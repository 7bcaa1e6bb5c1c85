package oauth

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// callMCP calls the protected handler with a bearer token.
func (h *harness) callMCP(token string) (*http.Response, map[string]any) {
	h.t.Helper()
	var resp *http.Response
	var body string
	if token == "" {
		resp, body = h.get(h.ts.URL + "/")
	} else {
		resp, body = h.get(h.ts.URL+"/", "Authorization", "Bearer "+token)
	}
	var m map[string]any
	mustJSON(h.t, body, &m)
	return resp, m
}

func TestMiddlewareInvalidTokens(t *testing.T) {
	h := newHarness(t)
	meta := `resource_metadata="` + h.ts.URL + `/.well-known/oauth-protected-resource"`
	good := h.accessToken("", verifiedUser("sub-1", "ann@example.com"))

	// Another deployment with the same key but another issuer/audience.
	foreign := newHarness(t)
	foreignTok, _, err := foreign.srv.mintAccessToken(upstreamUser{Subject: "sub-1", Email: "ann@example.com", EmailVerified: true}, "c", "")
	if err != nil {
		t.Fatal(err)
	}
	// The right issuer, another audience, same key.
	h.srv.resource = "https://elsewhere.example/"
	otherAud, _, _ := h.srv.mintAccessToken(upstreamUser{Subject: "sub-1"}, "c", "")
	h.srv.resource = h.ts.URL + "/"
	// The same claims signed with another key.
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name, token, header string
	}{
		{"missing", "", "Bearer " + meta},
		{"tampered payload", parts[0] + "." + parts[1] + "x." + parts[2], "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
		{"tampered signature", parts[0] + "." + parts[1] + "." + parts[2][:10] + "AAAA" + parts[2][14:], "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
		{"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + parts[1] + ".", "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
		{"foreign issuer", foreignTok, "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
		{"foreign audience", otherAud, "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
		{"garbage", "not-a-jwt", "Bearer " + meta + `, error="invalid_token", error_description="the access token is invalid"`},
	} {
		resp, body := h.callMCP(tc.token)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != tc.header {
			t.Errorf("%s: %d\n got %q\nwant %q", tc.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tc.header)
		}
		if body["error"] == nil || body["error_description"] == nil {
			t.Errorf("%s: body %v", tc.name, body)
		}
	}
	// Another scheme is no bearer credentials at all.
	resp, _ := h.get(h.ts.URL+"/", "Authorization", "Basic dXNlcjpwYXNz")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer "+meta {
		t.Errorf("basic: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Still good before expiry, then expired (beyond the leeway).
	if resp, _ := h.callMCP(good); resp.StatusCode != 200 {
		t.Fatalf("good token: %d", resp.StatusCode)
	}
	h.clock.Advance(time.Hour + time.Minute)
	resp, _ = h.callMCP(good)
	if want := "Bearer " + meta + `, error="invalid_token", error_description="the access token expired"`; resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != want {
		t.Errorf("expired: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestMiddlewareScopes(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Scopes = []string{"read", "write"} })
	meta := `resource_metadata="` + h.ts.URL + `/.well-known/oauth-protected-resource"`
	resp, _ := h.callMCP("")
	if want := "Bearer " + meta + `, scope="read write"`; resp.Header.Get("WWW-Authenticate") != want {
		t.Errorf("missing token challenge %q, want %q", resp.Header.Get("WWW-Authenticate"), want)
	}
	narrow := h.accessToken("read", verifiedUser("sub-1", "ann@example.com"))
	resp, body := h.callMCP(narrow)
	want := "Bearer " + meta + `, scope="read write", error="insufficient_scope", error_description="the access token lacks a required scope"`
	if resp.StatusCode != 403 || resp.Header.Get("WWW-Authenticate") != want || body["error"] != "insufficient_scope" {
		t.Errorf("insufficient scope: %d %q %v", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	full := h.accessToken("read write", verifiedUser("sub-1", "ann@example.com"))
	if resp, body := h.callMCP(full); resp.StatusCode != 200 {
		t.Errorf("full scope: %d %v", resp.StatusCode, body)
	}
}

// TestMiddlewarePolicyRefusal: an identity the policy refuses is a 403
// access_denied, never insufficient_scope. The login is refused at the
// callback already; a token issued before the policy changed is refused
// here.
func TestMiddlewarePolicyRefusal(t *testing.T) {
	h := newHarness(t, func(_ *config.OAuthConfig, deps *Deps) {
		p, err := identity.NewPolicy(config.ImpersonationConfig{UserClaims: []string{"email"}, DeniedUsers: []string{"mallory@.*"}}, "default")
		if err != nil {
			t.Fatal(err)
		}
		deps.Policy = p
	})
	h.loginRefused(verifiedUser("sub-9", "mallory@example.com"), "denied_users")
	tok, _, err := h.srv.mintAccessToken(upstreamUser{Subject: "sub-9", Email: "mallory@example.com", EmailVerified: true}, "c", "")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := h.callMCP(tok)
	if resp.StatusCode != 403 || resp.Header.Get("WWW-Authenticate") != "" || body["error"] != "access_denied" ||
		!strings.Contains(body["error_description"].(string), "denied_users") {
		t.Fatalf("policy refusal: %d %q %v", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}
