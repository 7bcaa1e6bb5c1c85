package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// grantSetup registers a client, logs a user in and returns what a client
// holds before the code exchange.
type grantSetup struct {
	clientID, verifier, code string
}

func (h *harness) setup() grantSetup {
	h.t.Helper()
	params, verifier := h.newAuthorization()
	code := h.code(params, verifiedUser("sub-1", "ann@example.com"))
	return grantSetup{params.Get("client_id"), verifier, code}
}

func (g grantSetup) form() url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {g.code}, "redirect_uri": {appRedirect},
		"client_id": {g.clientID}, "code_verifier": {g.verifier}}
}

func TestCodeExchangeErrors(t *testing.T) {
	h := newHarness(t)
	g := h.setup()
	other := h.register(appRedirect)
	wrongVerifier, _ := pkce()
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong PKCE verifier", edit(g.form(), func(v url.Values) { v.Set("code_verifier", wrongVerifier) }), 400, "invalid_grant"},
		{"malformed verifier", edit(g.form(), func(v url.Values) { v.Set("code_verifier", "short") }), 400, "invalid_grant"},
		{"missing verifier", edit(g.form(), func(v url.Values) { v.Del("code_verifier") }), 400, "invalid_request"},
		{"redirect_uri mismatch", edit(g.form(), func(v url.Values) { v.Set("redirect_uri", appRedirect+"/x") }), 400, "invalid_grant"},
		{"another client", edit(g.form(), func(v url.Values) { v.Set("client_id", other) }), 400, "invalid_grant"},
		{"no client_id", edit(g.form(), func(v url.Values) { v.Del("client_id") }), 401, "invalid_client"},
		{"client secret", edit(g.form(), func(v url.Values) { v.Set("client_secret", "s3cret") }), 401, "invalid_client"},
		{"tampered code", edit(g.form(), func(v url.Values) { v.Set("code", flipChar(g.code, len(g.code)/2)) }), 400, "invalid_grant"},
		{"unknown grant type", edit(g.form(), func(v url.Values) { v.Set("grant_type", "password") }), 400, "unsupported_grant_type"},
		{"no grant type", edit(g.form(), func(v url.Values) { v.Del("grant_type") }), 400, "invalid_request"},
		{"foreign resource", edit(g.form(), func(v url.Values) { v.Set("resource", "https://other.example/") }), 400, "invalid_target"},
		{"repeated parameter", edit(g.form(), func(v url.Values) { v.Add("code", "x") }), 400, "invalid_request"},
	} {
		status, body := h.token(tc.form)
		t.Run(tc.name, func(t *testing.T) { wantError(t, status, body, tc.status, tc.code) })
	}
	// None of those consumed the code.
	if status, body := h.token(g.form()); status != 200 {
		t.Fatalf("valid exchange after failed attempts: %d %v", status, body)
	}
}

func TestCodeReuseRevokesItsTokens(t *testing.T) {
	h := newHarness(t)
	g := h.setup()
	status, tok := h.token(g.form())
	if status != 200 {
		t.Fatalf("exchange: %d %v", status, tok)
	}
	status, body := h.token(g.form())
	wantError(t, status, body, 400, "invalid_grant")
	status, body = h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {g.clientID}})
	wantError(t, status, body, 400, "invalid_grant")
}

func TestCodeExpired(t *testing.T) {
	h := newHarness(t)
	g := h.setup()
	h.clock.Advance(time.Minute + time.Second) // auth_code_ttl is 1m
	status, body := h.token(g.form())
	wantError(t, status, body, 400, "invalid_grant")
	if !strings.Contains(body["error_description"].(string), "expired") {
		t.Errorf("description: %v", body)
	}
}

func TestTokenRequestFormat(t *testing.T) {
	h := newHarness(t)
	g := h.setup()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+PathToken, strings.NewReader(`{"grant_type":"authorization_code"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body := h.do(req)
	var e map[string]any
	mustJSON(t, body, &e)
	wantError(t, resp.StatusCode, e, 400, "invalid_request")

	// client_id as the HTTP Basic user with an empty password is accepted.
	form := g.form()
	form.Del("client_id")
	req, _ = http.NewRequest(http.MethodPost, h.ts.URL+PathToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(g.clientID), "")
	if resp, body := h.do(req); resp.StatusCode != 200 {
		t.Fatalf("basic auth client_id: %d %s", resp.StatusCode, body)
	}

	// A client secret in the header: 401 invalid_client with a challenge.
	req, _ = http.NewRequest(http.MethodPost, h.ts.URL+PathToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(g.clientID), "secret")
	resp, body = h.do(req)
	mustJSON(t, body, &e)
	wantError(t, resp.StatusCode, e, 401, "invalid_client")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 invalid_client without WWW-Authenticate after header authentication")
	}
}

func TestRefreshErrors(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Scopes = []string{"read", "write"} })
	g := h.setup()
	_, tok := h.token(g.form())
	rt := tok["refresh_token"].(string)
	if tok["scope"] != "read write" {
		t.Fatalf("granted scope %v", tok["scope"])
	}
	other := h.register(appRedirect)
	refresh := func(f func(url.Values)) (int, map[string]any) {
		return h.token(edit(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {g.clientID}}, f))
	}
	status, body := refresh(func(v url.Values) { v.Set("client_id", other) })
	wantError(t, status, body, 400, "invalid_grant")
	status, body = refresh(func(v url.Values) { v.Set("scope", "read admin") })
	wantError(t, status, body, 400, "invalid_scope")
	status, body = refresh(func(v url.Values) { v.Set("refresh_token", flipChar(rt, len(rt)/2)) })
	wantError(t, status, body, 400, "invalid_grant")
	status, body = refresh(func(v url.Values) { v.Del("refresh_token") })
	wantError(t, status, body, 400, "invalid_request")
	// An access token is not a refresh token.
	status, body = refresh(func(v url.Values) { v.Set("refresh_token", tok["access_token"].(string)) })
	wantError(t, status, body, 400, "invalid_grant")

	// Narrowing the scope works; the refresh token keeps the full grant.
	status, tok2 := refresh(func(v url.Values) { v.Set("scope", "read") })
	if status != 200 || tok2["scope"] != "read" {
		t.Fatalf("narrowed refresh: %d %v", status, tok2)
	}
	rt = tok2["refresh_token"].(string)
	// A client that omits client_id on refresh is tolerated.
	status, tok3 := refresh(func(v url.Values) { v.Del("client_id") })
	if status != 200 || tok3["scope"] != "read write" {
		t.Fatalf("refresh without client_id: %d %v", status, tok3)
	}
	// The family ends with refresh_token_ttl.
	rt = tok3["refresh_token"].(string)
	h.clock.Advance(31 * 24 * time.Hour)
	status, body = refresh(nil)
	wantError(t, status, body, 400, "invalid_grant")
}
