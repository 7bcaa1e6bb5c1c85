package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
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
	if resp, body := getJSON(t, ts.URL+"/openapi/execute_query?query="+q, nil); resp.StatusCode != 200 || body["row_count"] != float64(1) {
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
