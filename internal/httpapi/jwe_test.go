package httpapi

import (
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
)

const (
	testJWEKey   = "0123456789abcdef0123456789abcdef-jwe-test-key"
	testAdminKey = "admin-key-admin-key-admin-key-admin-key!"
)

// withJWE turns JWE tokens on (after the other mutations).
func withJWE(mutate ...func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.Server.JWE.Enabled, c.Server.JWE.SecretKey = true, testJWEKey
		for _, m := range mutate {
			m(c)
		}
	}
}

// startJWE runs the server with the JWE authenticator alone.
func startJWE(t *testing.T, mutate func(*config.Config)) *testServer {
	t.Helper()
	return startServerWith(t, mutate, jweAuth(t, nil))
}

// jweAuth builds the JWE authenticator followed by those oauth builds
// (which may mint), as cmd/chmcp orders them.
func jweAuth(t *testing.T, oauth authFunc) authFunc {
	return func(cfg config.Config, ch *clickhouse.Client) []auth.Authenticator {
		var after []auth.Authenticator
		var mint auth.Authenticator
		if oauth != nil {
			after = oauth(cfg, ch)
			mint = after[0]
		}
		j, err := auth.NewJWE(cfg.Server.JWE, ch, policyOf(t, cfg), auth.JWEOptions{Mint: mint, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() }) // after the server stops (cleanups run last-in first-out)
		return append([]auth.Authenticator{j}, after...)
	}
}

func mintTest(t *testing.T, c jwe.Connection, ttl time.Duration) string {
	t.Helper()
	tok, err := jwe.Encode([]byte(testJWEKey), nil, jwe.Claims{Connection: c, Expiry: time.Now().Add(ttl), IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func adminToken(t *testing.T) string {
	return mintTest(t, jwe.Connection{Username: chs(t).AdminUser, Password: chs(t).AdminPassword}, time.Hour)
}

func currentUserOf(t *testing.T, cs *sdk.ClientSession) (string, *sdk.CallToolResult) {
	t.Helper()
	res := call(t, cs, "execute_query", map[string]any{"query": "SELECT currentUser()"})
	if res.IsError {
		t.Fatalf("query failed: %s", text(res))
	}
	var out struct {
		Rows [][]string `json:"rows"`
	}
	if err := json.Unmarshal([]byte(text(res)), &out); err != nil || len(out.Rows) != 1 {
		t.Fatalf("result: %s", text(res))
	}
	return out.Rows[0][0], res
}

// TestJWETokenPlaces: a token in the path, the x-altinity-mcp-key header or
// a bearer reaches ClickHouse as the token's login, over streamable HTTP
// (stateless and session) and legacy SSE.
func TestJWETokenPlaces(t *testing.T) {
	t.Parallel()
	ts := startJWE(t, withJWE())
	tok := adminToken(t)
	header := headerClient(auth.HeaderJWE, tok)
	bearerClient := headerClient("Authorization", "Bearer "+tok)
	cases := []struct {
		name      string
		transport sdk.Transport
		versions  []string
	}{
		{"path", &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + tok}, versions},
		{"path with slash", &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + tok + "/"}, []string{"2026-07-28"}},
		{"header", &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", HTTPClient: header}, versions},
		{"bearer", &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", HTTPClient: bearerClient}, versions},
		{"sse path", &sdk.SSEClientTransport{Endpoint: ts.URL + "/" + tok + "/sse"}, []string{"2025-06-18"}},
		{"sse header", &sdk.SSEClientTransport{Endpoint: ts.URL + "/sse", HTTPClient: header}, []string{"2025-06-18"}},
	}
	for _, tc := range cases {
		for _, v := range tc.versions {
			t.Run(tc.name+"/"+v, func(t *testing.T) {
				cs := connect(t, tc.transport, v)
				user, res := currentUserOf(t, cs)
				if user != chs(t).AdminUser || res.Meta["chmcp/user"] != chs(t).AdminUser || res.Meta["chmcp/identity_source"] != "jwe" {
					t.Fatalf("ran as %q (meta %v), want %q via jwe", user, res.Meta, chs(t).AdminUser)
				}
				exerciseTools(t, cs) // the whole tool surface works on the token's connection
			})
		}
	}
	logs := ts.Logs.String()
	if strings.Contains(logs, tok) || strings.Contains(logs, chs(t).AdminPassword) {
		t.Fatal("the token or its password reached the logs")
	}
	if !strings.Contains(logs, `"path":"/sse"`) {
		t.Fatal("request logs should show the path without the token")
	}
}

// TestJWERequiredWithoutOAuth: with JWE on and OAuth off, the MCP routes
// need a token; health does not.
func TestJWERequiredWithoutOAuth(t *testing.T) {
	ts := startJWE(t, withJWE())
	for _, path := range []string{"/", "/sse"} {
		resp, body := post(t, ts.URL+path, pingBody, nil)
		var e map[string]string
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 401 || e["error"] != "unauthorized" || !strings.Contains(e["error_description"], "token is required") ||
			!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("%s without a token: %d %s", path, resp.StatusCode, body)
		}
	}
	// A bearer that is not a JWE is not a token here.
	if resp, _ := post(t, ts.URL+"/", pingBody, map[string]string{"Authorization": "Bearer a.b.c"}); resp.StatusCode != 401 {
		t.Fatalf("non-JWE bearer: %d", resp.StatusCode)
	}
	if code, _ := get(t, ts.URL+"/health"); code != 200 {
		t.Fatalf("health: %d", code)
	}
	if code, _ := get(t, ts.URL+"/.well-known/oauth-protected-resource"); code != 404 {
		t.Fatalf("no OAuth metadata without OAuth: %d", code)
	}
}

// rawJWE encrypts an arbitrary claim set with the test key.
func rawJWE(t *testing.T, claims string) string {
	t.Helper()
	kek := sha256.Sum256([]byte(testJWEKey))
	e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.A256KW, Key: kek[:]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := e.Encrypt([]byte(claims))
	s, _ := obj.CompactSerialize()
	return s
}

// TestJWEBadTokens: each bad token gets a clear 401 (or 403 for a genuine
// token naming what the server does not allow), wherever it travels.
func TestJWEBadTokens(t *testing.T) {
	ts := startJWE(t, withJWE(func(c *config.Config) { c.Server.JWE.AllowedHosts = []string{"localhost"} }))
	good := adminToken(t)
	parts := strings.Split(good, ".")
	parts[3] = strings.Map(func(r rune) rune { // flip the ciphertext
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, parts[3][:1]) + parts[3][1:]
	foreign, _ := jwe.Encode([]byte("some-other-key-some-other-key-some-other"), nil, jwe.Claims{Expiry: time.Now().Add(time.Hour)})
	exp := time.Now().Add(time.Hour).Unix()
	cases := []struct {
		name, token string
		status      int
		code, desc  string
		headerOnly  bool // not shaped like a JWE: in the path it is just a path
	}{
		{"expired", mintTest(t, jwe.Connection{Username: "alice"}, -time.Hour), 401, "invalid_token", "token expired", false},
		{"tampered", strings.Join(parts, "."), 401, "invalid_token", "cannot decrypt", false},
		{"foreign key", foreign, 401, "invalid_token", "cannot decrypt", false},
		{"not a JWE", "hello", 401, "invalid_token", "not a compact JWE", true},
		{"unknown claim", rawJWE(t, `{"exp":`+jsonInt(exp)+`,"username":"alice","read_only":false}`), 401, "invalid_token", `unknown claim \"read_only\"`, false},
		{"no expiry", rawJWE(t, `{"username":"alice"}`), 401, "invalid_token", "exp claim is required", false},
		{"host not allowed", mintTest(t, jwe.Connection{Host: "evil.example", Username: "alice"}, time.Hour), 403, "access_denied", "host not allowed", false},
		{"server password elsewhere", mintTest(t, jwe.Connection{Host: "localhost"}, time.Hour), 403, "access_denied", "username: required", false},
	}
	for _, tc := range cases {
		if jwe.LooksLikeJWE(tc.token) == tc.headerOnly {
			t.Fatalf("%s: LooksLikeJWE = %v, the case says headerOnly = %v", tc.name, !tc.headerOnly, tc.headerOnly)
		}
		places := []string{"header", "path"}
		if tc.headerOnly {
			places = places[:1]
		}
		for _, where := range places {
			t.Run(tc.name+"/"+where, func(t *testing.T) {
				url, hdr := ts.URL+"/", map[string]string{auth.HeaderJWE: tc.token}
				if where == "path" {
					url, hdr = ts.URL+"/"+tc.token+"/", nil
				}
				resp, body := post(t, url, pingBody, hdr)
				var e map[string]string
				_ = json.Unmarshal([]byte(body), &e)
				if resp.StatusCode != tc.status || e["error"] != tc.code || !strings.Contains(body, tc.desc) {
					t.Fatalf("got %d %s, want %d %s containing %q", resp.StatusCode, body, tc.status, tc.code, tc.desc)
				}
				if tc.status == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Fatalf("WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
				}
			})
		}
	}
	// An allowed host works (the harness answers on localhost too).
	tok := mintTest(t, jwe.Connection{Host: "localhost", Username: "alice"}, time.Hour)
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + tok}, "2026-07-28")
	if user, _ := currentUserOf(t, cs); user != "alice" {
		t.Fatalf("allowed host: ran as %q", user)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestJWEClusterSecret: with a cluster secret the token's username is the
// user chmcp acts as, within the impersonation policy; it can never carry a
// password or send the secret elsewhere.
func TestJWEClusterSecret(t *testing.T) {
	ts := startJWE(t, withJWE(withSecret(t, chs(t).AdminUser), func(c *config.Config) {
		c.ClickHouse.Impersonation.DeniedUsers = []string{"bob"}
		c.Server.JWE.AllowedHosts = []string{"localhost"}
	}))
	tok := mintTest(t, jwe.Connection{Username: "alice"}, time.Hour)
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", HTTPClient: headerClient(auth.HeaderJWE, tok)}, "2026-07-28")
	if user, res := currentUserOf(t, cs); user != "alice" || res.Meta["chmcp/user"] != "alice" {
		t.Fatalf("ran as %q, want alice", user)
	}
	// Another database: a pool of its own, still signed with the secret, on
	// the server's host, as alice.
	tok = mintTest(t, jwe.Connection{Username: "alice", Database: "system"}, time.Hour)
	cs = connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + tok}, "2026-07-28")
	if res := call(t, cs, "execute_query", map[string]any{"query": "SELECT currentUser(), currentDatabase()"}); !strings.Contains(text(res), `[["alice","system"]]`) {
		t.Fatalf("database claim with a cluster secret: %s", text(res))
	}
	for _, tc := range []struct {
		name string
		conn jwe.Connection
		want string
	}{
		{"default", jwe.Connection{Username: "default"}, "privileged account"},
		{"the fallback user", jwe.Connection{Username: chs(t).AdminUser}, "privileged account"},
		{"a denied user", jwe.Connection{Username: "bob"}, "denied_users"},
		{"a password", jwe.Connection{Username: "alice", Password: "x"}, "password: not accepted"},
		{"a host", jwe.Connection{Username: "alice", Host: "localhost"}, "host: a token cannot choose"},
		{"a port", jwe.Connection{Username: "alice", Port: chs(t).HTTPPort}, "port: a token cannot choose"},
		{"no user", jwe.Connection{}, "username: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, ts.URL+"/", pingBody, map[string]string{auth.HeaderJWE: mintTest(t, tc.conn, time.Hour)})
			if resp.StatusCode != 403 || !strings.Contains(body, "access_denied") || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want 403 containing %q", resp.StatusCode, body, tc.want)
			}
		})
	}
}

// TestJWEWithOAuth: both on. An OAuth access token (a JWT: three parts) is
// left to OAuth, a JWE is authenticated by itself, and a request with
// neither gets OAuth's challenge. OAuth callers mint only for themselves.
func TestJWEWithOAuth(t *testing.T) {
	e := newOAuthJWEEnv(t)
	resp, _ := post(t, e.ts.URL+"/", pingBody, nil)
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
		t.Fatalf("no credentials: %d %q (want OAuth's challenge)", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	access := e.accessToken(t, "alice@example.com")
	if jwe.LooksLikeJWE(access) {
		t.Fatal("an OAuth access token looks like a JWE")
	}
	cs := connectWith(t, e.ts.URL, access)
	if user, res := currentUserOf(t, cs); user != "alice" || res.Meta["chmcp/identity_source"] != "email" {
		t.Fatalf("OAuth bearer ran as %q (%v)", user, res.Meta["chmcp/identity_source"])
	}
	// A JWE bearer is the JWE's business, not OAuth's.
	jweTok := mintTest(t, jwe.Connection{Username: "bob"}, time.Hour)
	cs = connectWith(t, e.ts.URL, jweTok)
	if user, res := currentUserOf(t, cs); user != "bob" || res.Meta["chmcp/identity_source"] != "jwe" {
		t.Fatalf("JWE bearer ran as %q (%v)", user, res.Meta["chmcp/identity_source"])
	}
	expired := mintTest(t, jwe.Connection{Username: "bob"}, -time.Hour)
	resp, body := post(t, e.ts.URL+"/", pingBody, map[string]string{"Authorization": "Bearer " + expired})
	if resp.StatusCode != 401 || !strings.Contains(body, "token expired") {
		t.Fatalf("expired JWE bearer: %d %s", resp.StatusCode, body)
	}

	// Minting with an OAuth token: for oneself only, and never with a JWE.
	mint := func(bearer, body string) (int, map[string]any) {
		return postJSON(t, e.ts.URL+auth.PathMint, body, map[string]string{"Authorization": "Bearer " + bearer})
	}
	if code, out := mint(access, `{"ttl":"1h"}`); code != 200 {
		t.Fatalf("OAuth mint: %d %v", code, out)
	} else if c, err := jwe.Decode([]byte(testJWEKey), nil, out["token"].(string), time.Now()); err != nil || c.Username != "alice" {
		t.Fatalf("minted for %q, %v; want alice", c.Username, err)
	}
	if code, out := mint(access, `{"username":"bob"}`); code != 403 || !strings.Contains(out["error_description"].(string), "your own ClickHouse user") {
		t.Fatalf("OAuth caller minting for another user: %d %v", code, out)
	}
	if code, _ := mint(jweTok, `{}`); code != 401 {
		t.Fatalf("a JWE minted a token: %d", code)
	}
	if resp, body := post(t, e.ts.URL+auth.PathMint, `{}`, nil); resp.StatusCode != 401 || strings.Contains(body, "token\":") {
		t.Fatalf("unauthenticated mint with OAuth on: %d %s", resp.StatusCode, body)
	}
}

// TestJWEMint: POST /jwe/token exists only when enabled and never answers
// an unauthenticated caller.
func TestJWEMint(t *testing.T) {
	// Off by default: the route does not exist, whatever the credentials.
	off := startJWE(t, withJWE())
	for _, cred := range []string{"", "Bearer " + testAdminKey, "Bearer " + adminToken(t)} {
		resp, body := post(t, off.URL+auth.PathMint, `{}`, map[string]string{"Authorization": cred})
		if resp.StatusCode != 404 {
			t.Fatalf("mint endpoint with minting off (auth %.10q): %d %s", cred, resp.StatusCode, body)
		}
	}

	ts := startJWE(t, withJWE(func(c *config.Config) {
		c.Server.JWE.MintEnabled, c.Server.JWE.MintAdminKey = true, testAdminKey
		c.Server.JWE.MaxTTL = config.Duration(2 * time.Hour)
	}))
	mint := func(header map[string]string, body string) (int, map[string]any) {
		return postJSON(t, ts.URL+auth.PathMint, body, header)
	}
	admin := map[string]string{"Authorization": "Bearer " + testAdminKey}
	claims := `{"username":"alice","ttl":"1h"}`
	for name, header := range map[string]map[string]string{
		"no credentials":      nil,
		"wrong key":           {"Authorization": "Bearer " + strings.ToUpper(testAdminKey)},
		"key prefix":          {"Authorization": "Bearer " + testAdminKey[:20]},
		"key in another form": {"Authorization": "Basic " + testAdminKey},
		"key in the header":   {auth.HeaderJWE: testAdminKey},
		"a JWE":               {"Authorization": "Bearer " + adminToken(t)},
	} {
		if code, out := mint(header, claims); code != 401 || out["token"] != nil {
			t.Errorf("%s: %d %v", name, code, out)
		}
	}
	if resp, _ := post(t, ts.URL+"/"+adminToken(t)+auth.PathMint, claims, nil); resp.StatusCode != 401 {
		t.Errorf("a path JWE minted a token: %d", resp.StatusCode)
	}
	if code, _ := get(t, ts.URL+auth.PathMint); code != 405 {
		t.Errorf("GET %s: %d", auth.PathMint, code)
	}

	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"username":"alice","ttl":"3h"}`, 400, "max_ttl"},
		{`{"username":"alice","ttl":-5}`, 400, "ttl must be"},
		{`{"username":"alice","read_only":false}`, 400, "unknown field"},
		{`{"username":"alice","exp":1}`, 400, "unknown field"},
		{`{"username":"alice","protocol":"grpc"}`, 400, "must be tcp or http"},
		{`{"username":"alice","host":"evil.example"}`, 403, "host not allowed"},
		{`not json`, 400, "JSON object"},
	} {
		if code, out := mint(admin, tc.body); code != tc.code || !strings.Contains(out["error_description"].(string), tc.want) {
			t.Errorf("%s: %d %v, want %d with %q", tc.body, code, out, tc.code, tc.want)
		}
	}

	code, out := mint(admin, `{"username":"`+chs(t).AdminUser+`","password":"`+chs(t).AdminPassword+`","ttl":3600}`)
	if code != 200 || out["expires_in"] != float64(3600) || out["token"] == nil {
		t.Fatalf("mint with the admin key: %d %v", code, out)
	}
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + out["token"].(string)}, "2026-07-28")
	if user, _ := currentUserOf(t, cs); user != chs(t).AdminUser {
		t.Fatalf("minted token ran as %q", user)
	}
	if logs := ts.Logs.String(); strings.Contains(logs, testAdminKey) || strings.Contains(logs, chs(t).AdminPassword) {
		t.Fatal("a secret reached the logs")
	}
}

// TestNewJWERefusesOpenMinting: minting without OAuth and without an admin
// key is a configuration error, even if validation was skipped.
func TestNewJWERefusesOpenMinting(t *testing.T) {
	ch, err := clickhouse.New(config.Defaults().ClickHouse, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	_, err = auth.NewJWE(config.JWEConfig{Enabled: true, SecretKey: testJWEKey, MintEnabled: true, MaxTTL: config.Duration(time.Hour)}, ch, &identity.Policy{}, auth.JWEOptions{})
	if err == nil || !strings.Contains(err.Error(), "never open") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

// TestAuthRoutesOfOffAuthenticators: with authentication on, the paths of
// an authenticator that is off (/oauth/ with JWE alone, /jwe/ with OAuth
// alone) are a 404, as before the auth boundary, not the MCP endpoint
// answering with a credential challenge.
func TestAuthRoutesOfOffAuthenticators(t *testing.T) {
	jweOnly := startJWE(t, withJWE())
	oauthOnly := newOAuthEnv(t).ts
	for _, tc := range []struct {
		ts   *testServer
		path string
	}{
		{jweOnly, "/oauth/authorize"}, {jweOnly, "/oauth/token"}, {jweOnly, "/oauth/register"},
		{jweOnly, "/jwe/token"}, {jweOnly, "/.well-known/oauth-authorization-server"},
		{oauthOnly, "/jwe/token"},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			if resp, body := send(t, newRequest(t, method, tc.ts.URL+tc.path, "{}"), nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: %d %s; want 404", method, tc.path, resp.StatusCode, body)
			}
		}
	}
}

// TestWellKnownOnAnOpenServer: with no authentication configured,
// /.well-known/ is still not the MCP endpoint (RFC 8615): a client probing
// for OAuth metadata gets a plain 404, not the MCP endpoint's 405.
func TestWellKnownOnAnOpenServer(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		if resp, body := send(t, newRequest(t, http.MethodGet, ts.URL+path, ""), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s; want 404", path, resp.StatusCode, body)
		}
	}
	// The MCP endpoint itself is unchanged.
	if resp, body := post(t, ts.URL+"/", pingBody, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("ping: %d %s", resp.StatusCode, body)
	}
}
