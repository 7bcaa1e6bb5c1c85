package oauth

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

func TestProtectedResourceMetadata(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Scopes = []string{"clickhouse"} })
	for _, path := range []string{PathProtectedResource, PathProtectedResource + "/", PathProtectedResource + "/mcp"} {
		resp, body := h.get(h.ts.URL + path)
		var got map[string]any
		mustJSON(t, body, &got)
		want := map[string]any{
			"resource":                 h.ts.URL + "/",
			"authorization_servers":    []any{h.ts.URL},
			"scopes_supported":         []any{"clickhouse"},
			"bearer_methods_supported": []any{"header"},
			"resource_name":            "chmcp (ClickHouse MCP server)",
		}
		if resp.StatusCode != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d %v", path, resp.StatusCode, got)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: no CORS header", path)
		}
	}
}

func TestAuthServerMetadata(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.Scopes = []string{"clickhouse"} })
	iss := h.ts.URL
	want := map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/oauth/authorize",
		"token_endpoint":                                 iss + "/oauth/token",
		"registration_endpoint":                          iss + "/oauth/register",
		"scopes_supported":                               []any{"clickhouse", "offline_access"},
		"response_types_supported":                       []any{"code"},
		"response_modes_supported":                       []any{"query"},
		"grant_types_supported":                          []any{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":          []any{"none"},
		"code_challenge_methods_supported":               []any{"S256"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
		"protected_resources":                            []any{iss + "/"},
		"request_parameter_supported":                    false,
		"request_uri_parameter_supported":                false,
	}
	for _, path := range []string{PathAuthServer, PathOpenIDConfig, PathAuthServer + "/x"} {
		resp, body := h.get(iss + path)
		var got map[string]any
		mustJSON(t, body, &got)
		if resp.StatusCode != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d\n got %v\nwant %v", path, resp.StatusCode, got, want)
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{PathToken, PathRegister, PathAuthServer} {
		req, _ := http.NewRequest(http.MethodOptions, h.ts.URL+path, nil)
		req.Header.Set("Origin", "http://localhost:6274")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, _ := h.do(req)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			resp.Header.Get("Access-Control-Allow-Headers") == "" {
			t.Errorf("%s: preflight %d %v", path, resp.StatusCode, resp.Header)
		}
	}
}
