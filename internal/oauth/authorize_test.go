package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// authorizeErrorPage expects an error page (no redirect) with the code.
func (h *harness) authorizeErrorPage(params url.Values, wantCode string) {
	h.t.Helper()
	resp, body := h.get(h.ts.URL + PathAuthorize + "?" + params.Encode())
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, wantCode) {
		h.t.Fatalf("want an error page with %s, got %d %s", wantCode, resp.StatusCode, body)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("X-Frame-Options") != "DENY" {
		h.t.Errorf("error page headers: %v", resp.Header)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	h := newHarness(t)
	base, _ := h.newAuthorization()
	params := func(f func(url.Values)) url.Values { return edit(base, f) }
	// Before the redirect URI is verified: an error page, never a redirect.
	h.authorizeErrorPage(params(func(p url.Values) { p.Set("client_id", "forged") }), "invalid_client")
	h.authorizeErrorPage(params(func(p url.Values) { p.Del("client_id") }), "invalid_request")
	h.authorizeErrorPage(params(func(p url.Values) { p.Set("redirect_uri", "https://evil.example/cb") }), "invalid_request")
	h.authorizeErrorPage(params(func(p url.Values) { p.Set("redirect_uri", appRedirect+"/") }), "invalid_request")
	h.authorizeErrorPage(params(func(p url.Values) { p.Del("redirect_uri") }), "invalid_request")
	h.authorizeErrorPage(params(func(p url.Values) { p.Add("redirect_uri", appRedirect) }), "invalid_request")

	// With a registered redirect URI too: anybody can register one, so an
	// error before the person has consented is never redirected (RFC 9700
	// §4.11.2). PKCE is still required, and said so.
	for _, tc := range []struct {
		edit func(url.Values)
		code string
		desc string
	}{
		{func(p url.Values) { p.Del("code_challenge"); p.Del("code_challenge_method") }, "invalid_request", "PKCE is required"},
		{func(p url.Values) { p.Set("code_challenge_method", "plain") }, "invalid_request", "code_challenge_method must be S256"},
		{func(p url.Values) { p.Del("code_challenge_method") }, "invalid_request", "code_challenge_method must be S256"},
		{func(p url.Values) { p.Set("code_challenge", "short") }, "invalid_request", "not a base64url S256 value"},
		{func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type", "response_type must be code"},
		{func(p url.Values) { p.Set("resource", "https://other.example/") }, "invalid_target", "resource must be"},
		{func(p url.Values) { p.Set("resource", h.ts.URL+"/mcp") }, "invalid_target", "resource must be"},
		{func(p url.Values) { p.Set("request_uri", "urn:x") }, "request_not_supported", "not supported"},
		{func(p url.Values) { p.Set("state", strings.Repeat("s", maxStateLen+1)) }, "invalid_request", "state is too long"},
	} {
		h.authorizeErrorPage(params(tc.edit), tc.code)
		resp, body := h.get(h.ts.URL+PathAuthorize+"?"+params(tc.edit).Encode(), "Accept", "application/json")
		var e map[string]any
		mustJSON(t, body, &e)
		wantError(t, resp.StatusCode, e, 400, tc.code)
		if !strings.Contains(e["error_description"].(string), tc.desc) {
			t.Errorf("%s: description %q, want %q", tc.code, e["error_description"], tc.desc)
		}
	}
}

// TestAuthorizeIsNoOpenRedirector: anyone may register a client whose
// redirect URI is a phishing page and send people a link to
// /oauth/authorize that fails on purpose; chmcp's name in the link must
// not carry them there. (Only the person's own decision on the consent
// page, which names the destination, sends them to the client.)
func TestAuthorizeIsNoOpenRedirector(t *testing.T) {
	h := newHarness(t)
	const phishing = "https://evil.example/login-to-clickhouse"
	_, challenge := pkce()
	p := authorizeParams(h.register(phishing), phishing, challenge)
	for name, bad := range map[string]func(url.Values){
		"implicit grant":   func(p url.Values) { p.Set("response_type", "token") },
		"no PKCE":          func(p url.Values) { p.Del("code_challenge") },
		"foreign resource": func(p url.Values) { p.Set("resource", "https://other.example/") },
	} {
		resp, body := h.get(h.ts.URL + PathAuthorize + "?" + edit(p, bad).Encode())
		if loc := resp.Header.Get("Location"); loc != "" || resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "evil.example") {
			t.Errorf("%s: %d, Location %q: chmcp sent the browser on to the client's redirect URI", name, resp.StatusCode, loc)
		}
	}
}

func TestAuthorizeJSONErrorPage(t *testing.T) {
	h := newHarness(t)
	resp, body := h.get(h.ts.URL+PathAuthorize+"?client_id=nope&redirect_uri=https://a.example/cb", "Accept", "application/json")
	var e map[string]any
	mustJSON(t, body, &e)
	wantError(t, resp.StatusCode, e, 400, "invalid_client")
}

func TestAuthorizeResourceForms(t *testing.T) {
	h := newHarness(t)
	base, _ := h.newAuthorization()
	for _, res := range []string{"", h.ts.URL, h.ts.URL + "/"} {
		p := edit(base, nil)
		if res != "" {
			p.Set("resource", res)
		}
		resp, body := h.get(h.ts.URL + PathAuthorize + "?" + p.Encode())
		if resp.StatusCode != 200 || !strings.Contains(body, `name="consent"`) {
			t.Errorf("resource %q: %d %s", res, resp.StatusCode, body)
		}
	}
}

func TestGrantScope(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Scopes = []string{"read", "write"} })
	for req, want := range map[string]string{
		"":                       "read write",
		"claudeai":               "read write",
		" offline_access":        "read write offline_access",
		"read":                   "read",
		"read offline_access":    "read offline_access",
		"write  read read bogus": "write read",
	} {
		if got := h.srv.grantScope(req); got != want {
			t.Errorf("grantScope(%q) = %q, want %q", req, got, want)
		}
	}
}

func TestConsent(t *testing.T) {
	h := newHarness(t)
	params, _ := h.newAuthorization()

	// Declining goes back to the client as access_denied.
	resp := h.consent(params, "deny")
	u := location(t, resp)
	if q := u.Query(); q.Get("error") != "access_denied" || q.Get("state") != "client-state-123" || q.Get("iss") != h.srv.issuer {
		t.Fatalf("deny: %s", u)
	}

	// The page names the client and where the code goes.
	resp, body := h.get(h.ts.URL + PathAuthorize + "?" + params.Encode())
	if !strings.Contains(body, "test client") || !strings.Contains(body, appRedirect) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("consent page: %v %s", resp.Header, body)
	}
	ticket := ticketRE.FindStringSubmatch(body)[1]
	cookie := resp.Cookies()[0]

	post := func(form url.Values, header ...string) *http.Response {
		resp, _ := h.postForm(h.ts.URL+PathAuthorize, form, header...)
		return resp
	}
	approve := url.Values{"consent": {ticket}, "action": {"approve"}}
	// Without the cookie (a cross-site form post), with another cookie, or
	// from another origin: refused with an error page.
	for name, r := range map[string]*http.Response{
		"no cookie":     post(approve),
		"wrong cookie":  post(approve, "Cookie", cookie.Name+"="+randomToken(32)),
		"cross origin":  post(approve, "Cookie", cookie.Name+"="+cookie.Value, "Origin", "https://evil.example"),
		"forged ticket": post(url.Values{"consent": {flipChar(ticket, len(ticket)/2)}, "action": {"approve"}}, "Cookie", cookie.Name+"="+cookie.Value),
	} {
		if r.StatusCode != 400 || r.Header.Get("Location") != "" {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Header.Get("Location"))
		}
	}
	// An expired ticket.
	h.clock.Advance(consentTTL + time.Second)
	if r := post(approve, "Cookie", cookie.Name+"="+cookie.Value); r.StatusCode != 400 {
		t.Errorf("expired ticket: %d", r.StatusCode)
	}
}

// TestUpstreamDown: chmcp starts while the IdP is unreachable; approval
// then reports server_error to the client.
func TestUpstreamDown(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Upstream.Issuer = "http://127.0.0.1:1/oidc" })
	params, _ := h.newAuthorization()
	resp := h.consent(params, "approve")
	if u := location(t, resp); u.Query().Get("error") != "server_error" || u.Query().Get("iss") == "" {
		t.Fatalf("approve with the IdP down: %s", u)
	}
}

// TestUpstreamDiscoveryOutlivesItsRequest: a canceled request that happens
// to trigger discovery does not make it fail (a failure is cached for
// discoveryRetry, refusing everybody's logins meanwhile).
func TestUpstreamDiscoveryOutlivesItsRequest(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.srv.upstream.LoginURL(ctx, "state", "nonce", "verifier"); err != nil {
		t.Fatalf("discovery with a canceled request: %v", err)
	}
}
