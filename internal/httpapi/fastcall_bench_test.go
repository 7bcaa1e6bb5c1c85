package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

const benchCallBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{` +
	`"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},` +
	`"io.modelcontextprotocol/clientInfo":{"name":"chmcp-bench","version":"1"},` +
	`"io.modelcontextprotocol/protocolVersion":"2026-07-28"},` +
	`"name":"execute_query","arguments":{"query":"SELECT 1"}}}`

func BenchmarkFastToolCall(b *testing.B) {
	body := json.RawMessage(`{"columns":[{"name":"1","type":"UInt8"}],"rows":[[1]],"row_count":1,"truncated":false,"query_id":"0b9e7c8e-9a43-4a59-8f0e-1f4f8b1c2d3e","elapsed_ms":0.8}`)
	f := &fastToolCalls{call: func(ctx context.Context, name string, args json.RawMessage) (*sdk.CallToolResult, bool) {
		return &sdk.CallToolResult{
			Content:           []sdk.Content{&sdk.TextContent{Text: string(body)}},
			StructuredContent: body,
			Meta:              sdk.Meta{"chmcp/user": "default", "chmcp/identity_source": "config"},
		}, true
	}}
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(benchCallBody))
		r.Header = http.Header{
			"Content-Type":         {"application/json"},
			"Accept":               {"application/json, text/event-stream"},
			"Mcp-Protocol-Version": {"2026-07-28"},
			"Mcp-Method":           {"tools/call"},
			"Mcp-Name":             {"execute_query"},
		}
		w := httptest.NewRecorder()
		if !f.serve(w, r) {
			b.Fatal("not served")
		}
	}
}
