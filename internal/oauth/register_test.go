package oauth

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestRegister(t *testing.T) {
	h := newHarness(t)
	resp, body := h.postJSON(h.ts.URL+PathRegister,
		`{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"client_name":"claudeai","scope":"claudeai","token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token","urn:x:unknown"]}`)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var got map[string]any
	mustJSON(t, body, &got)
	id, _ := got["client_id"].(string)
	if id == "" || len(id) > 200 {
		t.Fatalf("client_id %q: empty or too long (%d)", id, len(id))
	}
	if _, ok := got["client_id_issued_at"].(float64); !ok {
		t.Errorf("no client_id_issued_at: %v", got)
	}
	if _, ok := got["client_secret"]; ok {
		t.Error("a client secret was issued")
	}
	delete(got, "client_id")
	delete(got, "client_id_issued_at")
	want := map[string]any{
		"client_name":                "claudeai",
		"redirect_uris":              []any{"https://claude.ai/api/mcp/auth_callback"},
		"grant_types":                []any{"authorization_code", "refresh_token"},
		"response_types":             []any{"code"},
		"token_endpoint_auth_method": "none",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("registration\n got %v\nwant %v", got, want)
	}
	// Stateless: another server with the same key accepts the id.
	other := newHarness(t)
	if c, err := other.srv.lookupClient(t.Context(), id); err != nil || c.RedirectURIs[0] != "https://claude.ai/api/mcp/auth_callback" {
		t.Fatalf("another replica does not accept the client id: %v", err)
	}
}

func TestRegisterRedirectURIs(t *testing.T) {
	h := newHarness(t)
	ok := []string{
		"https://claude.ai/api/mcp/auth_callback",
		"https://chatgpt.com/connector_platform_oauth_redirect",
		"http://127.0.0.1:6274/oauth/callback",
		"http://localhost:33418/callback",
		"http://[::1]:8080/cb",
		"http://127.0.0.1/cb",
		"cursor://anysphere.cursor-retrieval/oauth/user-chmcp/callback",
		"com.example.app:/oauth2redirect",
		"https://app.example.com/cb?tenant=a",
	}
	for _, u := range ok {
		if resp, body := h.postJSON(h.ts.URL+PathRegister, `{"redirect_uris":["`+u+`"]}`); resp.StatusCode != http.StatusCreated {
			t.Errorf("%s refused: %s", u, body)
		}
	}
	bad := []string{
		"javascript:alert(1)",
		"JavaScript:alert(1)",
		"data:text/html,hi",
		"file:///etc/passwd",
		"http://example.com/cb",
		"http://10.0.0.1/cb",
		"https://app.example.com/cb#frag",
		"https://user:pw@app.example.com/cb",
		"/relative/cb",
		"https:///nohost",
		"https://app.example.com/" + strings.Repeat("a", 1100),
	}
	for _, u := range bad {
		b, _ := json.Marshal(map[string]any{"redirect_uris": []string{u}})
		resp, body := h.postJSON(h.ts.URL+PathRegister, string(b))
		var e map[string]any
		mustJSON(t, body, &e)
		if resp.StatusCode != 400 || e["error"] != "invalid_redirect_uri" {
			t.Errorf("%s: %d %s, want 400 invalid_redirect_uri", u, resp.StatusCode, body)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	h := newHarness(t)
	many := make([]string, 9)
	for i := range many {
		many[i] = "https://app.example.com/cb"
	}
	manyJSON, _ := json.Marshal(map[string]any{"redirect_uris": many})
	for _, tc := range []struct{ name, ctype, body, code string }{
		{"no redirect uris", "application/json", `{}`, "invalid_redirect_uri"},
		{"too many redirect uris", "application/json", string(manyJSON), "invalid_redirect_uri"},
		{"not json", "application/json", `{"redirect_uris":`, "invalid_client_metadata"},
		{"wrong content type", "text/plain", `{"redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata"},
		{"client credentials only", "application/json", `{"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"]}`, "invalid_client_metadata"},
		{"token response type", "application/json", `{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "invalid_client_metadata"},
		{"huge body", "application/json", `{"client_name":"` + strings.Repeat("x", 70<<10) + `"}`, "invalid_client_metadata"},
	} {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+PathRegister, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		resp, body := h.do(req)
		var e map[string]any
		mustJSON(t, body, &e)
		if resp.StatusCode != 400 || e["error"] != tc.code {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, resp.StatusCode, body, tc.code)
		}
	}
}
