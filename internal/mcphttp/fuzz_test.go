package mcphttp

import (
	"net/http"
	"testing"
)

// FuzzFastPathAgreesWithSDK: for any tools/call-like request to chmcp's
// real server (the body and the headers the fast path reads), either the
// fast path declines and the go-sdk answers the untouched request, or it
// serves exactly what the go-sdk would have: the two answers are equal but
// for the fields that differ between any two runs (normalize). Requests
// whose answers change from run to run on one side alone prove nothing and
// are passed over.
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
		if got == want {
			return
		}
		// A query whose answer changes from run to run (it reads
		// system.processes, say) tells nothing: each side must at least
		// repeat itself for a difference to count.
		if p.answer(p.fast, http.MethodPost, header, body) != got || p.answer(p.sdkOnly, http.MethodPost, header, body) != want {
			return
		}
		t.Fatalf("fast path answered\n  %+v\nthe go-sdk answers\n  %+v", got, want)
	})
}
