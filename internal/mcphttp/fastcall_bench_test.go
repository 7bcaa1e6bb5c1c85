package mcphttp

import (
	"net/http"
	"testing"
)

// BenchmarkToolCall is one 2026-07-28 tools/call through the MCP router,
// answered by the fast path and by the go-sdk, side by side, for a small
// and a 1 MiB result (the tool returns a fixed result: this is chmcp's
// protocol cost alone).
func BenchmarkToolCall(b *testing.B) {
	p := newRouterPair(b, 1<<20)
	for _, tool := range []string{"rows", "big"} {
		body, header := callBody("1", tool, `,"arguments":{"query":"SELECT 1"}`), callHeader(tool)
		for _, r := range []struct {
			name   string
			router *mcpRouter
		}{{"fast", p.fast}, {"go-sdk", p.sdkOnly}} {
			b.Run(tool+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if a := p.answer(r.router, http.MethodPost, header, body); a.status != http.StatusOK {
						b.Fatal(a)
					}
				}
			})
		}
	}
}
