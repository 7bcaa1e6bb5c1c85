package mcphttp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestFastToolCallsLeaveParamHeadersToTheSDK: for a tool that binds
// arguments to Mcp-Param-* headers, the go-sdk refuses a 2026-07-28
// tools/call whose headers do not match the body (400, header mismatch)
// and serves one whose headers do; the fast path answers none of them,
// so every answer is the go-sdk's.
func TestFastToolCallsLeaveParamHeadersToTheSDK(t *testing.T) {
	p := newRouterPair(t, 1<<20)
	with := func(kv ...string) http.Header {
		h := callHeader("regional")
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	body := func(args string) string { return callBody("1", "regional", `,"arguments":`+args) }
	cases := []struct {
		name   string
		header http.Header
		body   string
		ok     bool // the go-sdk serves it
	}{
		{"header missing", with(), body(`{"region":"eu"}`), false},
		{"header differs", with("Mcp-Param-Region", "us"), body(`{"region":"eu"}`), false},
		{"header for an absent argument", with("Mcp-Param-Region", "eu"), body(`{}`), false},
		{"nested header missing", with(), body(`{"zone":{"rack":7}}`), false},
		{"nested header differs", with("Mcp-Param-Rack", "8"), body(`{"zone":{"rack":7}}`), false},
		{"headers match", with("Mcp-Param-Region", "eu", "Mcp-Param-Rack", "7"), body(`{"region":"eu","zone":{"rack":7}}`), true},
		{"base64 header matches", with("Mcp-Param-Region", "=?base64?w6l1?="), body(`{"region":"éu"}`), true},
		{"no bound argument, no header", with(), body(`{}`), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := p.served.Load()
			got := p.answer(p.fast, http.MethodPost, c.header, c.body)
			if p.served.Load() != before {
				t.Fatalf("the fast path served it: %+v", got)
			}
			want := p.answer(p.sdkOnly, http.MethodPost, c.header, c.body)
			if got != want {
				t.Fatalf("with the fast path\n  %+v\nwithout\n  %+v", got, want)
			}
			if served := got.status == http.StatusOK && strings.Contains(got.body, `"result"`); served != c.ok {
				t.Fatalf("the go-sdk served it: %v, want %v: %+v", served, c.ok, got)
			}
		})
	}
}

// TestBindsParamHeaders: any mention of x-mcp-header in an input schema,
// however spelled in JSON, sends the tool's calls to the go-sdk; a schema
// without one does not.
func TestBindsParamHeaders(t *testing.T) {
	for schema, want := range map[string]bool{
		`{"type":"object"}`: false,
		`{"type":"object","properties":{"q":{"type":"string","description":"x-mcp-headers are not used \u003c\u003e"}}}`: false,
		`{"properties":{"r":{"type":"string","x-mcp-header":"R"}}}`:                                                      true,
		`{"properties":{"r":{"type":"string","X-MCP-Header":"R"}}}`:                                                      true,
		`{"properties":{"r":{"type":"string","x\u002dmcp-header":"R"}}}`:                                                 true,
		`{"properties":{"r":{"type":"string","x-mcp-\u0068eader":"R","d":"\""}}}`:                                        true,
		`{"description":"unterminated`:                                                                                   true,
	} {
		if got := bindsParamHeaders(&sdk.Tool{InputSchema: json.RawMessage(schema)}); got != want {
			t.Errorf("%s: %v, want %v", schema, got, want)
		}
	}
	// A schema that is not raw JSON is read as it marshals.
	typed := map[string]any{"properties": map[string]any{"r": map[string]any{"type": "string", "x-mcp-header": "R"}}}
	if !bindsParamHeaders(&sdk.Tool{InputSchema: typed}) {
		t.Error("a map schema with x-mcp-header")
	}
}
