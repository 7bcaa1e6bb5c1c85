package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/oauth"
)

// oauthEnv is chmcp with OAuth in front of the harness ClickHouse (cluster
// secret, emails mapped to user names) and an in-process OIDC provider.
type oauthEnv struct {
	ts      *testServer
	idp     *mockoidc.MockOIDC
	browser *http.Client // a person's browser: cookies, stops at the client's redirect
}

const clientRedirect = "http://127.0.0.1:1/callback" // never dialled: the browser stops there

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	return startOAuthEnv(t, false)
}

// newOAuthJWEEnv is newOAuthEnv with the JWE authenticator over OAuth and
// minting on.
func newOAuthJWEEnv(t *testing.T) *oauthEnv {
	t.Helper()
	return startOAuthEnv(t, true)
}

func startOAuthEnv(t *testing.T, jweMint bool) *oauthEnv {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	ln := listen(t) // the issuer names the port
	mutate := func(c *config.Config) {
		withSecret(t, "admin_fallback")(c) // never a caller
		im := &c.ClickHouse.Impersonation
		im.StripDomain, im.Lowercase, im.AllowedDomains = true, true, []string{"example.com"}
		o := &c.Server.OAuth
		o.Enabled, o.Issuer, o.SigningKey = true, "http://"+ln.Addr().String(), "0123456789abcdef0123456789abcdef-test-key"
		o.Upstream.Issuer, o.Upstream.ClientID, o.Upstream.ClientSecret = idp.Issuer(), idp.ClientID, config.Secret(idp.ClientSecret)
	}
	auths := authFunc(func(cfg config.Config, ch *clickhouse.Client) []auth.Authenticator {
		a, err := oauth.New(cfg.Server.OAuth, oauth.Deps{Policy: policyOf(t, cfg), Log: slog.New(slog.DiscardHandler), HTTPClient: &http.Client{Timeout: 10 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		return []auth.Authenticator{auth.OAuth(a)}
	})
	if jweMint {
		mutate = withJWE(mutate, func(c *config.Config) { c.Server.JWE.MintEnabled = true })
		auths = jweAuth(t, auths)
	}
	ts := start(t, mutate, serverOpts{ln: ln, auth: auths})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), clientRedirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &oauthEnv{ts: ts, idp: idp, browser: browser}
}

// pkcePair is a PKCE verifier and its S256 challenge, made as the server
// checks them (x/oauth2).
func pkcePair() (string, string) {
	v := oauth2.GenerateVerifier()
	return v, oauth2.S256ChallengeFromVerifier(v)
}

var consentTicket = regexp.MustCompile(`name="consent" value="([^"]+)"`)

// login runs authorize -> consent -> upstream login -> callback as a person
// would and returns the code chmcp sends back to the client.
func (e *oauthEnv) login(t *testing.T, clientID, challenge string, user *mockoidc.MockUser) string {
	t.Helper()
	back := e.loginRedirect(t, clientID, challenge, user)
	if back.Query().Get("iss") != e.ts.URL || back.Query().Get("code") == "" {
		t.Fatalf("redirect lacks iss/code: %s", back)
	}
	return back.Query().Get("code")
}

// loginRedirect is login up to the redirect back to the client, which
// carries a code or an error.
func (e *oauthEnv) loginRedirect(t *testing.T, clientID, challenge string, user *mockoidc.MockUser) *url.URL {
	t.Helper()
	e.idp.QueueUser(user)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {clientRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"st-1"}, "resource": {e.ts.URL + "/"}}
	resp, err := e.browser.Get(e.ts.URL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := consentTicket.FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/oauth/authorize", strings.NewReader(url.Values{"consent": {string(m[1])}, "action": {"approve"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.ts.URL)
	resp, err = e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), clientRedirect) {
		t.Fatalf("want a redirect to the client, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if back.Query().Get("state") != "st-1" {
		t.Fatalf("redirect lacks state: %s", back)
	}
	return back
}

func (e *oauthEnv) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	return postJSON(t, e.ts.URL+"/oauth/token", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// TestOAuthEndToEnd: discovery -> DCR -> authorize -> upstream login ->
// callback -> token -> tools/call on the real ClickHouse as the mapped user
// (cluster secret) -> refresh twice -> replay kills the family.
func TestOAuthEndToEnd(t *testing.T) {
	e := newOAuthEnv(t)

	// Discovery starts from the MCP endpoint's 401.
	resp, _ := post(t, e.ts.URL+"/", pingBody, nil)
	want := `Bearer resource_metadata="` + e.ts.URL + `/.well-known/oauth-protected-resource"`
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), want) {
		t.Fatalf("unauthenticated MCP call: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	_, prm := get(t, e.ts.URL+"/.well-known/oauth-protected-resource")
	if prm["resource"] != e.ts.URL+"/" || prm["authorization_servers"].([]any)[0] != e.ts.URL {
		t.Fatalf("protected resource metadata: %v", prm)
	}
	_, asm := get(t, e.ts.URL+"/.well-known/oauth-authorization-server")
	if asm["registration_endpoint"] != e.ts.URL+"/oauth/register" || asm["code_challenge_methods_supported"].([]any)[0] != "S256" {
		t.Fatalf("authorization server metadata: %v", asm)
	}

	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{clientRedirect}, "client_name": "e2e", "token_endpoint_auth_method": "none"})
	rresp, rbody := post(t, e.ts.URL+"/oauth/register", string(reg), nil)
	var client struct {
		ClientID   string   `json:"client_id"`
		GrantTypes []string `json:"grant_types"`
	}
	_ = json.Unmarshal([]byte(rbody), &client)
	if rresp.StatusCode != 201 || client.ClientID == "" || strings.Join(client.GrantTypes, ",") != "authorization_code,refresh_token" {
		t.Fatalf("registration: %d %s", rresp.StatusCode, rbody)
	}

	verifier, challenge := pkcePair()
	code := e.login(t, client.ClientID, challenge, &mockoidc.MockUser{Subject: "s-alice", Email: "alice@example.com", EmailVerified: true})
	status, tok := e.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {clientRedirect},
		"client_id": {client.ClientID}, "code_verifier": {verifier}, "resource": {e.ts.URL + "/"}})
	if status != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, tok)
	}

	// The MCP call runs on ClickHouse as alice (alice@example.com, domain stripped).
	cs := connectWith(t, e.ts.URL, tok["access_token"].(string))
	res := call(t, cs, "execute_query", map[string]any{"query": "SELECT currentUser()"})
	if res.IsError || text(res) == "" || !strings.Contains(text(res), `[["alice"]]`) {
		t.Fatalf("query as the OAuth user: %s", text(res))
	}
	if res.Meta["chmcp/identity_source"] != "email" {
		t.Fatalf("identity source = %v", res.Meta["chmcp/identity_source"])
	}

	// Refresh rotates; replaying the first refresh token kills the family.
	first := tok["refresh_token"].(string)
	status, r1 := e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}, "client_id": {client.ClientID}})
	if status != 200 || r1["refresh_token"] == first {
		t.Fatalf("refresh 1: %d %v", status, r1)
	}
	status, r2 := e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1["refresh_token"].(string)}, "client_id": {client.ClientID}})
	if status != 200 {
		t.Fatalf("refresh 2: %d %v", status, r2)
	}
	status, replay := e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}, "client_id": {client.ClientID}})
	if status != 400 || replay["error"] != "invalid_grant" {
		t.Fatalf("replayed refresh token: %d %v", status, replay)
	}
	status, dead := e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r2["refresh_token"].(string)}, "client_id": {client.ClientID}})
	if status != 400 || dead["error"] != "invalid_grant" {
		t.Fatalf("latest token after a replay must be dead: %d %v", status, dead)
	}
}

// TestOAuthPolicyRefusal (issue 9): a login whose claims would steer the
// mapping to another ClickHouse user is refused at the callback
// (access_denied, with the reason), so no token is issued; the same person
// with a plain address in the allowed domain runs as themselves on the real
// ClickHouse.
func TestOAuthPolicyRefusal(t *testing.T) {
	e := newOAuthEnv(t)
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{clientRedirect}, "token_endpoint_auth_method": "none"})
	_, rbody := post(t, e.ts.URL+"/oauth/register", string(reg), nil)
	var client struct {
		ClientID string `json:"client_id"`
	}
	_ = json.Unmarshal([]byte(rbody), &client)
	for email, want := range map[string]string{
		"default@example.com":    "privileged account",
		"admin@example.com":      "privileged account", // password-protected; not the fallback user
		"ADM\u0130N@example.com": "not a plain user name",
		"\u212Aelly@example.com": "not a plain user name",
		"alice@attacker.example": `email domain "attacker.example" is not in clickhouse.impersonation.allowed_domains`,
	} {
		t.Run(email, func(t *testing.T) {
			_, challenge := pkcePair()
			back := e.loginRedirect(t, client.ClientID, challenge, &mockoidc.MockUser{Subject: "s-" + email, Email: email, EmailVerified: true})
			q := back.Query()
			if q.Get("error") != "access_denied" || q.Get("code") != "" || !strings.Contains(q.Get("error_description"), want) {
				t.Fatalf("login as %+q: redirect %s, want access_denied containing %q", email, back, want)
			}
		})
	}
	cs := connectWith(t, e.ts.URL, e.accessToken(t, "Alice@Example.COM"))
	if user, _ := currentUserOf(t, cs); user != "alice" {
		t.Fatalf("Alice@Example.COM ran as %q, want alice", user)
	}
}

// accessToken runs the OAuth flow for email and returns the access token.
func (e *oauthEnv) accessToken(t *testing.T, email string) string {
	t.Helper()
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{clientRedirect}, "token_endpoint_auth_method": "none"})
	_, rbody := post(t, e.ts.URL+"/oauth/register", string(reg), nil)
	var client struct {
		ClientID string `json:"client_id"`
	}
	_ = json.Unmarshal([]byte(rbody), &client)
	verifier, challenge := pkcePair()
	code := e.login(t, client.ClientID, challenge, &mockoidc.MockUser{Subject: "s-" + email, Email: email, EmailVerified: true})
	status, tok := e.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {clientRedirect},
		"client_id": {client.ClientID}, "code_verifier": {verifier}, "resource": {e.ts.URL + "/"}})
	if status != 200 || tok["access_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, tok)
	}
	return tok["access_token"].(string)
}

// connectWith connects a current (2026-07-28) MCP client to base with a
// bearer token.
func connectWith(t *testing.T, base, token string) *sdk.ClientSession {
	t.Helper()
	return connect(t, &sdk.StreamableClientTransport{Endpoint: base + "/", HTTPClient: headerClient("Authorization", "Bearer "+token)}, "2026-07-28")
}

// TestSessionBoundToItsOpener: a pre-2026 session opened by alice cannot be
// used with bob's token (the session's calls run as its opener).
func TestSessionBoundToItsOpener(t *testing.T) {
	e := newOAuthEnv(t)
	alice, bob := e.accessToken(t, "alice@example.com"), e.accessToken(t, "bob@example.com")

	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	resp, body := post(t, e.ts.URL+"/", initBody, map[string]string{"Authorization": "Bearer " + alice})
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d %s", resp.StatusCode, body)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	hdr := func(token string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + token, "Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-06-18"}
	}
	if resp, body := post(t, e.ts.URL+"/", list, hdr(bob)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob on alice's session: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, e.ts.URL+"/", list, hdr(alice)); resp.StatusCode != 200 || !strings.Contains(body, "execute_query") {
		t.Fatalf("alice on her session: %d %s", resp.StatusCode, body)
	}
}

// TestSSESessionBoundToItsOpener: the same for legacy SSE sessions.
func TestSSESessionBoundToItsOpener(t *testing.T) {
	e := newOAuthEnv(t)
	alice, bob := e.accessToken(t, "alice@example.com"), e.accessToken(t, "bob@example.com")
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+alice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	endpoint := ""
	sc := bufio.NewScanner(resp.Body)
	for endpoint == "" && sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(data, "sessionid=") {
			endpoint = data
		}
	}
	if endpoint == "" {
		t.Fatalf("no endpoint event (status %d)", resp.StatusCode)
	}
	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	if r, body := post(t, e.ts.URL+endpoint, initBody, map[string]string{"Authorization": "Bearer " + bob}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("bob on alice's SSE session: %d %s", r.StatusCode, body)
	}
	if r, body := post(t, e.ts.URL+endpoint, initBody, map[string]string{"Authorization": "Bearer " + alice}); r.StatusCode != http.StatusAccepted {
		t.Fatalf("alice on her SSE session: %d %s", r.StatusCode, body)
	}
}
