package oauth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

const testKey = "0123456789abcdef0123456789abcdef-test-signing-key"

// clock is an adjustable Deps.Now.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// harness is chmcp's OAuth routes on a real HTTP server, an in-process
// OpenID Connect provider, and an MCP "next" handler that echoes the
// identity it was given.
type harness struct {
	t     *testing.T
	idp   *mockoidc.MockOIDC
	srv   *Server
	ts    *httptest.Server
	clock *clock
	// http neither follows redirects nor keeps cookies: every hop is
	// followed by hand.
	http *http.Client
	logs *chtest.LogBuffer
	// nextSawAuth records whether the MCP handler saw an Authorization header.
	nextSawAuth atomic.Bool
}

type harnessOpt func(cfg *config.OAuthConfig, deps *Deps)

func newHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	h := &harness{t: t, idp: idp, clock: &clock{}, logs: &chtest.LogBuffer{}}
	h.http = &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	mux := http.NewServeMux()
	h.ts = httptest.NewServer(mux)
	t.Cleanup(h.ts.Close)

	cfg := config.Defaults().Server.OAuth
	cfg.Enabled = true
	cfg.Issuer = h.ts.URL
	cfg.SigningKey = testKey
	cfg.Upstream.Issuer = idp.Issuer()
	cfg.Upstream.ClientID = idp.ClientID
	cfg.Upstream.ClientSecret = config.Secret(idp.ClientSecret)
	policy, err := identity.NewPolicy(config.ImpersonationConfig{UserClaims: []string{"email", "sub"}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Policy: policy, Now: h.clock.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Log: slog.New(slog.NewTextHandler(h.logs, nil))}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	h.srv, err = New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Register(mux)
	mux.Handle("/", h.srv.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.nextSawAuth.Store(r.Header.Get("Authorization") != "")
		writeJSON(w, http.StatusOK, identity.From(r.Context()))
	})))
	return h
}

// do sends a request and returns the response with its body read.
func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, string(b)
}

func (h *harness) get(u string, header ...string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return h.do(req)
}

func (h *harness) postForm(u string, form url.Values, header ...string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return h.do(req)
}

func (h *harness) postJSON(u, body string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

// register performs DCR and returns the client id.
func (h *harness) register(redirectURIs ...string) string {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"redirect_uris": redirectURIs, "client_name": "test client", "token_endpoint_auth_method": "none"})
	resp, body := h.postJSON(h.ts.URL+PathRegister, string(b))
	if resp.StatusCode != http.StatusCreated {
		h.t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var reg map[string]any
	mustJSON(h.t, body, &reg)
	return reg["client_id"].(string)
}

// appRedirect is the redirect URI of the clients tests register.
const appRedirect = "https://app.example.com/cb"

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	return verifier, oauth2.S256ChallengeFromVerifier(verifier)
}

func authorizeParams(clientID, redirectURI, challenge string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"client-state-123"},
	}
}

// newAuthorization registers a client at appRedirect and returns an
// authorization request for it and the request's PKCE verifier.
func (h *harness) newAuthorization() (params url.Values, verifier string) {
	h.t.Helper()
	verifier, challenge := pkce()
	return authorizeParams(h.register(appRedirect), appRedirect, challenge), verifier
}

// edit returns a copy of v changed by f (nil: unchanged).
func edit(v url.Values, f func(url.Values)) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	if f != nil {
		f(c)
	}
	return c
}

var ticketRE = regexp.MustCompile(`name="consent" value="([^"]+)"`)

// consent GETs /oauth/authorize (expecting the consent page) and approves
// it, returning the response of the approval POST.
func (h *harness) consent(params url.Values, action string) *http.Response {
	h.t.Helper()
	return h.consentAt(h.ts.URL+PathAuthorize+"?"+params.Encode(), action)
}

// consentAt is consent for a complete authorization URL.
func (h *harness) consentAt(authorizeURL, action string) *http.Response {
	h.t.Helper()
	resp, body := h.get(authorizeURL)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("authorize: want the consent page, got %d %s (Location %s)", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	m := ticketRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no consent ticket in %s", body)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == h.srv.cookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		h.t.Fatalf("consent cookie missing or weak: %+v", cookie)
	}
	resp, _ = h.postForm(h.ts.URL+PathAuthorize, url.Values{"consent": {m[1]}, "action": {action}},
		"Cookie", cookie.Name+"="+cookie.Value, "Origin", h.ts.URL)
	return resp
}

// login runs authorize -> consent -> upstream login -> callback for a
// queued upstream user and returns the final redirect to the client.
func (h *harness) login(params url.Values, user mockoidc.User) *url.URL {
	h.t.Helper()
	return h.loginAt(h.ts.URL+PathAuthorize+"?"+params.Encode(), user)
}

// loginAt is login for a complete authorization URL.
func (h *harness) loginAt(authorizeURL string, user mockoidc.User) *url.URL {
	h.t.Helper()
	if user != nil {
		h.idp.QueueUser(user)
	}
	resp := h.consentAt(authorizeURL, "approve")
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("consent: want 303 to the IdP, got %d (Location %s)", resp.StatusCode, resp.Header.Get("Location"))
	}
	up := location(h.t, resp)
	if !strings.HasPrefix(up.String(), h.idp.AuthorizationEndpoint()) {
		h.t.Fatalf("consent went to %s, want the IdP", up)
	}
	uq := up.Query()
	if uq.Get("code_challenge_method") != "S256" || uq.Get("code_challenge") == "" || uq.Get("nonce") == "" {
		h.t.Fatalf("upstream request lacks PKCE or nonce: %s", up)
	}
	if au, _ := url.Parse(authorizeURL); uq.Get("code_challenge") == au.Query().Get("code_challenge") {
		h.t.Fatal("the client's PKCE challenge was forwarded upstream")
	}
	resp, body := h.get(up.String())
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("IdP authorize: %d %s", resp.StatusCode, body)
	}
	cb := location(h.t, resp)
	if !strings.HasPrefix(cb.String(), h.ts.URL+PathCallback) {
		h.t.Fatalf("IdP sent the browser to %s", cb)
	}
	resp, body = h.get(cb.String())
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	return location(h.t, resp)
}

// code logs in and returns the authorization code, checking state and iss.
func (h *harness) code(params url.Values, user mockoidc.User) string {
	h.t.Helper()
	back := h.login(params, user)
	q := back.Query()
	if q.Get("error") != "" || q.Get("code") == "" {
		h.t.Fatalf("callback redirect: %s", back)
	}
	if q.Get("state") != params.Get("state") || q.Get("iss") != h.srv.issuer {
		h.t.Fatalf("callback redirect lacks state or iss: %s", back)
	}
	return q.Get("code")
}

// token posts to the token endpoint and decodes the JSON answer.
func (h *harness) token(form url.Values) (int, map[string]any) {
	h.t.Helper()
	resp, body := h.postForm(h.ts.URL+PathToken, form)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		h.t.Errorf("token response Cache-Control = %q, want no-store", cc)
	}
	var m map[string]any
	mustJSON(h.t, body, &m)
	return resp.StatusCode, m
}

// wantError checks an OAuth error answer: status and exact code.
func wantError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantCode {
		t.Fatalf("got %d %v, want %d error=%s", status, body, wantStatus, wantCode)
	}
	if _, ok := body["error_description"].(string); !ok {
		t.Errorf("no error_description in %v", body)
	}
}

func location(t *testing.T, resp *http.Response) *url.URL {
	t.Helper()
	u, err := resp.Location()
	if err != nil {
		t.Fatalf("no Location (status %d): %v", resp.StatusCode, err)
	}
	return u
}

func mustJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
}

func verifiedUser(sub, email string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: true}
}

// loginToken logs user in with a client at redirectURI, exchanges the
// code and returns the access token.
func (h *harness) loginToken(clientID, redirectURI string, user mockoidc.User, extra url.Values) string {
	h.t.Helper()
	verifier, challenge := pkce()
	p := authorizeParams(clientID, redirectURI, challenge)
	for k, v := range extra {
		p[k] = v
	}
	code := h.code(p, user)
	status, tok := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"client_id": {clientID}, "code_verifier": {verifier}})
	if status != 200 {
		h.t.Fatalf("token: %d %v", status, tok)
	}
	return tok["access_token"].(string)
}

// accessToken logs user in with a newly registered client and returns an
// access token; scope, if not empty, is requested.
func (h *harness) accessToken(scope string, user mockoidc.User) string {
	h.t.Helper()
	extra := url.Values{}
	if scope != "" {
		extra.Set("scope", scope)
	}
	return h.loginToken(h.register(appRedirect), appRedirect, user, extra)
}

// whoami calls the MCP handler with token and returns the identity it saw.
func (h *harness) whoami(token string) identity.Identity {
	h.t.Helper()
	resp, body := h.get(h.ts.URL+"/", "Authorization", "Bearer "+token)
	var id identity.Identity
	mustJSON(h.t, body, &id)
	if resp.StatusCode != 200 {
		h.t.Fatalf("MCP call: %d %s", resp.StatusCode, body)
	}
	return id
}

// flipChar changes s at i to another base64url character, so the value
// always differs (overwriting the tail with fixed characters did not when
// the tail already was those characters).
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == c {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
