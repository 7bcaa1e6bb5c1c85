package mcphttp

import (
	"net/http"
	"testing"
)

// FuzzFastPathAgreesWithSDK: for any tools/call-like request to chmcp's
// real server (body and the headers the fast path reads), the answer with
// the fast path is the go-sdk's answer, but for the fields that differ
// between any two runs (normalize): either the fast path declines and the
// go-sdk answers from the untouched request, or it serves exactly what the
// go-sdk would have.
func FuzzFastPathAgreesWithSDK(f *testing.F) {
	for _, c := range append(append([]fastCase{}, realCalls...), realDeclined[:len(realDeclined)-1]...) {
		h := c.header
		f.Add(c.body, h.Get("Mcp-Name"), h.Get("Mcp-Method"), h.Get("Mcp-Protocol-Version"), h.Get("Accept"), h.Get("Content-Type"), "")
	}
	f.Add(callBody("1", "list_databases", ""), "list_databases", "tools/call", "2026-07-28", "*/*", "application/json; charset=utf-8", "x")
	f.Add(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_databases"}}`, "list_databases", "tools/call", "2025-11-25", "application/json, text/event-stream", "application/json", "")
	p := newRealPair(f)
	f.Fuzz(func(t *testing.T, body, name, method, version, accept, contentType, param string) {
		header := http.Header{}
		for k, v := range map[string]string{"Mcp-Name": name, "Mcp-Method": method, "Mcp-Protocol-Version": version,
			"Accept": accept, "Content-Type": contentType, "Mcp-Param-Query": param} {
			if v != "" {
				header.Set(k, v)
			}
		}
		got := p.answer(p.fast, http.MethodPost, header, body)
		want := p.answer(p.sdkOnly, http.MethodPost, header, body)
		if got != want {
			t.Fatalf("fast path answered\n  %+v\nthe go-sdk answers\n  %+v", got, want)
		}
	})
}
