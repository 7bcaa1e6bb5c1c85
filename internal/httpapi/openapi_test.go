package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/openapi"
)

func withOpenAPI(c *config.Config) { c.Server.OpenAPI.Enabled = true }

// TestOpenAPIMounted: the facade is served by the real HTTP edge with the
// same guards and errors as MCP.
func TestOpenAPIMounted(t *testing.T) {
	ts := startServer(t, withOpenAPI)
	_, doc := getJSON(t, ts.URL+"/openapi", nil)
	servers, _ := doc["servers"].([]any)
	if doc["openapi"] != "3.1.0" || len(servers) != 1 || servers[0].(map[string]any)["url"] != ts.URL {
		t.Fatalf("document: openapi=%v servers=%v", doc["openapi"], doc["servers"])
	}
	q := url.QueryEscape("SELECT 1 AS one")
	if resp, body := getJSON(t, ts.URL+"/openapi/execute_query?query="+q, sameSiteOnly); resp.StatusCode != 200 || body["row_count"] != float64(1) {
		t.Fatalf("execute_query: %d %v", resp.StatusCode, body)
	}
	resp, body := post(t, ts.URL+"/openapi/execute_query", `{"query":"INSERT INTO t VALUES (1)"}`, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "not a read-only statement") || !strings.Contains(body, `"kind":"refused"`) {
		t.Fatalf("write through the facade: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, ts.URL+"/openapi/execute_query", `{"query":"SELECT * FROM default.nope"}`, nil)
	if resp.StatusCode != 502 || !strings.Contains(body, `"code":60`) || !strings.Contains(body, `"name":"UNKNOWN_TABLE"`) {
		t.Fatalf("ClickHouse error through the facade: %d %s", resp.StatusCode, body)
	}

	off := startServer(t, nil)
	if resp, body := send(t, newRequest(t, http.MethodGet, off.URL+"/openapi", ""), nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("facade served while disabled: %d %s (want 405 from the MCP endpoint)", resp.StatusCode, body)
	}
}

// sameSiteOnly is the header a GET call to an open server needs.
var sameSiteOnly = map[string]string{openapi.HeaderRequest: "1"}

// TestOpenAPICrossSiteGET: on a server without authentication, an <img>
// or a link on any web page (a GET with no header of the page's choosing,
// and no Origin) must not run a query: GET calls need a header only a
// same-site script or a non-browser client can send. With authentication
// the credential is the guard, and no header is needed.
func TestOpenAPICrossSiteGET(t *testing.T) {
	ts := startServer(t, withOpenAPI)
	call := ts.URL + "/openapi/execute_query?query=" + url.QueryEscape("SELECT 'cross-site' AS marker")
	// What a browser sends for <img src=...> from another site.
	img := map[string]string{"Accept": "image/avif,image/webp,*/*", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
	resp, b := send(t, newRequest(t, http.MethodGet, call, ""), img)
	if resp.StatusCode != 403 || strings.Contains(string(b), `"marker"`) || !strings.Contains(string(b), `"kind":"cross_site"`) ||
		!strings.Contains(string(b), openapi.HeaderRequest) {
		t.Fatalf("cross-site GET on an open server: %d %s", resp.StatusCode, b)
	}
	if resp, body := getJSON(t, call, sameSiteOnly); resp.StatusCode != 200 || !strings.Contains(toJSON(body["rows"]), "cross-site") {
		t.Fatalf("GET with %s: %d %v", openapi.HeaderRequest, resp.StatusCode, body)
	}
	if resp, body := post(t, ts.URL+"/openapi/execute_query", `{"query":"SELECT 1"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("POST needs no extra header (browsers send Origin with it): %d %s", resp.StatusCode, body)
	}
	// The document tells clients about the header; the configured CORS
	// origin may send it.
	_, doc := getJSON(t, ts.URL+"/openapi", nil)
	if !strings.Contains(toJSON(doc), `"name":"`+openapi.HeaderRequest+`"`) {
		t.Fatalf("the document does not declare %s", openapi.HeaderRequest)
	}
	cors := startServer(t, func(c *config.Config) { withOpenAPI(c); c.Server.CORSOrigin = "https://app.example.com" })
	pre, _ := send(t, newRequest(t, http.MethodOptions, cors.URL+"/openapi/execute_query", ""), map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": openapi.HeaderRequest,
	})
	if !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), openapi.HeaderRequest) {
		t.Fatalf("preflight from the configured origin does not allow %s: %v", openapi.HeaderRequest, pre.Header)
	}

	// With authentication (here a JWE in the path) the token is the guard.
	auth := startJWE(t, withJWE(withOpenAPI))
	tok := adminToken(t)
	resp, b = send(t, newRequest(t, http.MethodGet, auth.URL+"/"+tok+"/openapi/execute_query?query="+url.QueryEscape("SELECT 1"), ""), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("authenticated GET without the header: %d %s", resp.StatusCode, b)
	}
	if _, doc := getJSON(t, auth.URL+"/"+tok+"/openapi", nil); strings.Contains(toJSON(doc), openapi.HeaderRequest) {
		t.Fatal("an authenticated server's document asks for the header")
	}
}

// TestOpenAPIWithJWEPathToken: a GPT action imported from /{token}/openapi
// calls back through the token, which names the ClickHouse login.
func TestOpenAPIWithJWEPathToken(t *testing.T) {
	ts := startJWE(t, withJWE(withOpenAPI))
	tok := adminToken(t)
	_, doc := getJSON(t, ts.URL+"/"+tok+"/openapi", nil)
	servers, _ := doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != ts.URL+"/"+tok {
		t.Fatalf("server URL must keep the path token: %v", doc["servers"])
	}
	q := url.QueryEscape("SELECT currentUser() AS u")
	resp, body := getJSON(t, ts.URL+"/"+tok+"/openapi/execute_query?query="+q, nil)
	if resp.StatusCode != 200 || !strings.Contains(toJSON(body["rows"]), `"admin"`) {
		t.Fatalf("call through the path token: %d %v", resp.StatusCode, body)
	}
	if resp, _ := getJSON(t, ts.URL+"/openapi/execute_query?query="+q, nil); resp.StatusCode != 401 {
		t.Fatalf("facade without a token: %d, want 401", resp.StatusCode)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
