package mcphttp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// fixedTools are tools whose results are fixed, so both answers to one
// request can be compared byte for byte.
var fixedTools = map[string]func() *sdk.CallToolResult{
	"rows": func() *sdk.CallToolResult {
		// As mcp.Service makes results: encoding/json output, as text and
		// as structured content.
		body := mustMarshal(map[string]any{"rows": [][]any{{"<b>&amp;</b>", "héllo \u2028 \"quoted\"", nil, 1.5e300}}, "truncated": false})
		return &sdk.CallToolResult{
			Content:           []sdk.Content{&sdk.TextContent{Text: string(body)}},
			StructuredContent: body,
			Meta:              sdk.Meta{"chmcp/user": "alice@example.com", "chmcp/identity_source": "oauth"},
		}
	},
	"big": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{
			Content:           []sdk.Content{&sdk.TextContent{Text: string(bigBody)}},
			StructuredContent: bigBody,
			Meta:              sdk.Meta{"chmcp/user": "default", "chmcp/identity_source": "config"},
		}
	},
	// Shapes mcp.Service does not make, encoded by the go-sdk's own code.
	"annotated": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "<hi>", Annotations: &sdk.Annotations{Priority: 0.5}}}}
	},
	"mapped": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "{}"}}, StructuredContent: map[string]any{"a": "<&>"}}
	},
	"regional": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "{}"}}, StructuredContent: json.RawMessage(`{}`)}
	},
	"empty":      func() *sdk.CallToolResult { return &sdk.CallToolResult{Content: []sdk.Content{}} },
	"nilContent": func() *sdk.CallToolResult { return &sdk.CallToolResult{StructuredContent: json.RawMessage(`{}`)} },
	"typedNil": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{}, StructuredContent: json.RawMessage(nil)}
	},
	"fails": func() *sdk.CallToolResult {
		return &sdk.CallToolResult{
			IsError: true,
			Content: []sdk.Content{&sdk.TextContent{Text: "Code: 60. DB::Exception: Table default.nope does not exist. <UNKNOWN_TABLE>"}},
			Meta:    sdk.Meta{"chmcp/error": map[string]any{"kind": "clickhouse", "code": 60, "name": "UNKNOWN_TABLE"}},
		}
	},
}

// schemaOf is the input schema of a fixed tool: an object, and for
// "regional" one whose region argument travels in Mcp-Param-Region too
// (SEP-2243), which the go-sdk checks.
func schemaOf(name string) json.RawMessage {
	if name == "regional" {
		return json.RawMessage(`{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},` +
			`"zone":{"type":"object","properties":{"rack":{"type":"integer","x-mcp-header":"Rack"}}}}}`)
	}
	return json.RawMessage(`{"type":"object"}`)
}

// routerPair is one go-sdk server behind two routers: one with the fast
// path, one without. served counts the calls the fast path answered.
type routerPair struct {
	fast, sdkOnly *mcpRouter
	served        atomic.Int64
}

func newRouterPair(t testing.TB, maxBody int64) *routerPair {
	t.Helper()
	impl := &sdk.Implementation{Name: "chmcp", Title: "ClickHouse <MCP> & co", Version: "test"}
	srv := sdk.NewServer(impl, nil)
	for name, result := range fixedTools {
		srv.AddTool(&sdk.Tool{Name: name, InputSchema: schemaOf(name)},
			func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) { return result(), nil })
	}
	p := &routerPair{}
	direct := func(_ context.Context, name string) (*sdk.Tool, bool) {
		_, ok := fixedTools[name]
		return &sdk.Tool{Name: name, InputSchema: schemaOf(name)}, ok
	}
	call := func(_ context.Context, name string, _ json.RawMessage) (*sdk.CallToolResult, bool) {
		result, ok := fixedTools[name]
		if !ok {
			return nil, false
		}
		p.served.Add(1)
		return result(), true
	}
	get := func(*http.Request) *sdk.Server { return srv }
	opts := sdk.StreamableHTTPOptions{MaxRequestBodyBytes: maxBody, DisableLocalhostProtection: true}
	p.fast = newMCPRouter(get, &fastToolCalls{call: call, direct: direct, server: impl}, opts, time.Minute)
	p.sdkOnly = newMCPRouter(get, nil, opts, time.Minute)
	return p
}

// answer is what a client sees of a response.
type answer struct {
	status                   int
	contentType, cacheHeader string
	body                     string
}

func (p *routerPair) answer(h http.Handler, method string, header http.Header, body string) answer {
	return serveOne(h, method, header, body)
}

// serveOne sends one request to h and records what a client sees.
func serveOne(h http.Handler, method string, header http.Header, body string) answer {
	r := httptest.NewRequest(method, "/", strings.NewReader(body))
	r.Header = header.Clone()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"), w.Body.String()}
}

// callHeader is what a 2026-07-28 client sends with a tools/call of name.
func callHeader(name string) http.Header {
	return http.Header{
		"Content-Type":         {"application/json"},
		"Accept":               {"application/json, text/event-stream"},
		"Mcp-Protocol-Version": {"2026-07-28"},
		"Mcp-Method":           {"tools/call"},
		"Mcp-Name":             {name},
	}
}

const (
	metaTriple = `"_meta":{"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},` +
		`"io.modelcontextprotocol/clientInfo":{"name":"test","version":"1"},` +
		`"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
)

func callBody(id, name, extra string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{` + metaTriple + `,"name":"` + name + `"` + extra + `}}`
}

type fastCase struct {
	name   string
	method string // default POST
	header http.Header
	body   string
}

// TestFastToolCallsAnswerAsTheSDK: every request the fast path serves gets
// the go-sdk's answer byte for byte, ids and escaping included.
func TestFastToolCallsAnswerAsTheSDK(t *testing.T) {
	t.Parallel()
	pretty := "{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"tools/call\",\n  \"id\": 3,\n  \"params\": {\n    \"name\": \"rows\",\n    " +
		metaTriple + "\n  }\n}\n"
	anyAccept := callHeader("rows")
	anyAccept.Set("Accept", "*/*")
	anyAccept.Set("Content-Type", "application/json; charset=utf-8")
	cases := []fastCase{
		{name: "go-sdk client shape", header: callHeader("rows"), body: callBody("1", "rows", `,"arguments":{"query":"SELECT 1"}`)},
		{name: "tool error", header: callHeader("fails"), body: callBody("2", "fails", `,"arguments":{}`)},
		{name: "1 MiB result", header: callHeader("big"), body: callBody("3", "big", "")},
		{name: "1 MiB result, string id", header: callHeader("big"), body: callBody(`"<id>&"`, "big", "")},
		{name: "annotated content", header: callHeader("annotated"), body: callBody("4", "annotated", "")},
		{name: "structured content not raw", header: callHeader("mapped"), body: callBody("5", "mapped", "")},
		{name: "no content", header: callHeader("empty"), body: callBody("6", "empty", "")},
		{name: "nil content", header: callHeader("nilContent"), body: callBody("7", "nilContent", "")},
		{name: "typed nil structured content", header: callHeader("typedNil"), body: callBody("8", "typedNil", "")},
		{name: "no arguments", header: callHeader("rows"), body: callBody("7", "rows", "")},
		{name: "null arguments", header: callHeader("rows"), body: callBody("7", "rows", `,"arguments":null`)},
		{name: "zero id", header: callHeader("rows"), body: callBody("0", "rows", "")},
		{name: "negative id", header: callHeader("rows"), body: callBody("-42", "rows", "")},
		{name: "id beyond 2^53", header: callHeader("rows"), body: callBody("9007199254740993", "rows", "")},
		{name: "fractional id", header: callHeader("rows"), body: callBody("2.5", "rows", "")},
		{name: "string id", header: callHeader("rows"), body: callBody(`"a<b>&c\u2028\"d"`, "rows", "")},
		{name: "pretty body, other key order", header: callHeader("rows"), body: pretty},
		{name: "no client info", header: callHeader("rows"), body: strings.Replace(callBody("1", "rows", ""),
			`"io.modelcontextprotocol/clientInfo":{"name":"test","version":"1"},`, "", 1)},
		{name: "wildcard accept, charset", header: anyAccept, body: callBody("1", "rows", "")},
	}
	p := newRouterPair(t, 1<<20)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := p.served.Load()
			got := p.answer(p.fast, http.MethodPost, c.header, c.body)
			if p.served.Load() != before+1 {
				t.Fatalf("the fast path did not serve it: %+v", got)
			}
			want := p.answer(p.sdkOnly, http.MethodPost, c.header, c.body)
			if got != want {
				t.Fatalf("fast path answered\n  %+v\nthe go-sdk answers\n  %+v", got, want)
			}
			if got.status != http.StatusOK || !strings.Contains(got.body, `"result":`) {
				t.Fatalf("not a result: %+v", got)
			}
		})
	}
}

// TestFastToolCallsLeaveTheRestToTheSDK: anything but a plain, valid
// 2026-07-28 tools/call of a known tool reaches the go-sdk with its body
// intact, so refusals and unusual requests are answered as before.
func TestFastToolCallsLeaveTheRestToTheSDK(t *testing.T) {
	t.Parallel()
	ok := callBody("1", "rows", "")
	with := func(k, v string) http.Header {
		h := callHeader("rows")
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	const limit = 4 << 20
	big := callBody("1", "rows", `,"arguments":{"query":"`+strings.Repeat("x", limit)+`"}`)
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	cases := []fastCase{
		{name: "unknown tool", header: callHeader("nope"), body: callBody("1", "nope", "")},
		{name: "Mcp-Name differs from the body", header: callHeader("fails"), body: ok},
		{name: "no Mcp-Name", header: with("Mcp-Name", ""), body: ok},
		{name: "Mcp-Method differs", header: with("Mcp-Method", "tools/list"), body: ok},
		{name: "older protocol header", header: with("Mcp-Protocol-Version", "2025-11-25"), body: ok},
		{name: "no protocol header", header: with("Mcp-Protocol-Version", ""), body: ok},
		{name: "_meta names another version", header: callHeader("rows"), body: strings.Replace(ok, `protocolVersion":"2026-07-28"`, `protocolVersion":"2025-11-25"`, 1)},
		{name: "no _meta", header: callHeader("rows"), body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rows"}}`},
		{name: "no capabilities", header: callHeader("rows"), body: strings.Replace(ok, `"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},`, "", 1)},
		{name: "capabilities not an object", header: callHeader("rows"), body: strings.Replace(ok, `{"roots":{"listChanged":true}}`, `[1]`, 1)},
		{name: "capabilities of the wrong type", header: callHeader("rows"), body: strings.Replace(ok, `{"listChanged":true}`, `{"listChanged":"yes"}`, 1)},
		{name: "client info of the wrong type", header: callHeader("rows"), body: strings.Replace(ok, `{"name":"test","version":"1"}`, `"test"`, 1)},
		{name: "progress token in _meta", header: callHeader("rows"), body: strings.Replace(ok, `"_meta":{`, `"_meta":{"progressToken":5,`, 1)},
		{name: "log level in _meta", header: callHeader("rows"), body: strings.Replace(ok, `"_meta":{`, `"_meta":{"io.modelcontextprotocol/logLevel":"debug",`, 1)},
		{name: "unknown params field", header: callHeader("rows"), body: callBody("1", "rows", `,"requestState":"abc"`)},
		{name: "key in another case", header: callHeader("rows"), body: strings.Replace(ok, `"method"`, `"Method"`, 1)},
		{name: "notification", header: callHeader("rows"), body: strings.Replace(ok, `"id":1,`, "", 1)},
		{name: "null id", header: callHeader("rows"), body: callBody("null", "rows", "")},
		{name: "object id", header: callHeader("rows"), body: callBody(`{"a":1}`, "rows", "")},
		{name: "wrong jsonrpc version", header: callHeader("rows"), body: strings.Replace(ok, `"2.0"`, `"1.0"`, 1)},
		{name: "batch", header: callHeader("rows"), body: "[" + ok + "]"},
		{name: "trailing data", header: callHeader("rows"), body: ok + `{"jsonrpc":"2.0"}`},
		{name: "not JSON", header: callHeader("rows"), body: `{"jsonrpc":`},
		{name: "empty body", header: callHeader("rows"), body: ""},
		{name: "body over the limit", header: callHeader("rows"), body: big},
		// What the go-sdk refuses before or while decoding.
		{name: "nested 1001 deep in the arguments", header: callHeader("rows"), body: callBody("1", "rows", `,"arguments":{"x":`+nested(1001)+`}`)},
		{name: "2 MB of [ as the id", header: callHeader("rows"), body: `{"jsonrpc":"2.0","id":` + strings.Repeat("[", 2_000_000)},
		{name: "number beyond float64 in the arguments", header: callHeader("rows"), body: callBody("1", "rows", `,"arguments":{"settings":{"max_threads":1e400}}`)},
		{name: "number beyond float64 in the capabilities", header: callHeader("rows"), body: strings.Replace(ok, `{"roots":{"listChanged":true}}`, `{"x":1e400}`, 1)},
		{name: "number beyond float64 in a known capability", header: callHeader("rows"), body: strings.Replace(ok, `{"roots":{"listChanged":true}}`, `{"sampling":{"x":1e400}}`, 1)},
		{name: "number beyond float64 in the client info", header: callHeader("rows"), body: strings.Replace(ok, `{"name":"test","version":"1"}`, `{"name":"test","version":"1","x":1e400}`, 1)},
		{name: "GET", method: http.MethodGet, header: callHeader("rows")},
		{name: "form content type", header: with("Content-Type", "application/x-www-form-urlencoded"), body: ok},
		{name: "accepts no event stream", header: with("Accept", "application/json"), body: ok},
		{name: "Last-Event-ID", header: with("Last-Event-ID", "x_1"), body: ok},
		{name: "session id", header: with("Mcp-Session-Id", "abc"), body: ok},
	}
	p := newRouterPair(t, limit)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			before := p.served.Load()
			got := p.answer(p.fast, method, c.header, c.body)
			if p.served.Load() != before {
				t.Fatalf("the fast path served it: %+v", got)
			}
			want := p.answer(p.sdkOnly, method, c.header, c.body)
			if got != want {
				t.Fatalf("with the fast path\n  %+v\nwithout\n  %+v", got, want)
			}
		})
	}
	// The go-sdk saw whole bodies: the unusual but valid calls succeed.
	for _, extra := range []string{`"progressToken":5,`, `"io.modelcontextprotocol/logLevel":"debug",`} {
		body := strings.Replace(ok, `"_meta":{`, `"_meta":{`+extra, 1)
		if got := p.answer(p.fast, http.MethodPost, callHeader("rows"), body); got.status != http.StatusOK || !strings.Contains(got.body, `"resultType":"complete"`) {
			t.Fatalf("%s: the go-sdk did not answer the restored body: %+v", extra, got)
		}
	}
}

// bigBody is about 1 MiB of rows, as mcp.Service would encode them. Its
// runes of 2 to 4 bytes, at shifting offsets, fall across the pieces the
// fast path escapes the text in.
var bigBody = func() json.RawMessage {
	var rows [][]any
	for i := range 12000 {
		rows = append(rows, []any{i, fmt.Sprintf("user-%d@example.com", i), "2025-07-01 12:00:00", float64(i) + 0.5, "a <b> & c \u2028 é日😀"})
	}
	return mustMarshal(map[string]any{"rows": rows, "truncated": false})
}()

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFastToolCallsHoldUntilWritten: the fast path keeps a call's result
// in the result budget (mcp.Service.HoldResults) until the whole response
// is written, and only then releases it.
func TestFastToolCallsHoldUntilWritten(t *testing.T) {
	var held, released atomic.Int64
	var writtenAtRelease atomic.Int64
	w := httptest.NewRecorder()
	fast := &fastToolCalls{server: &sdk.Implementation{Name: "chmcp", Version: "test"},
		direct: func(_ context.Context, name string) (*sdk.Tool, bool) { return &sdk.Tool{Name: name}, true },
		hold: func(ctx context.Context) (context.Context, func()) {
			held.Add(1)
			return ctx, func() { released.Add(1); writtenAtRelease.Store(int64(w.Body.Len())) }
		},
		call: func(context.Context, string, json.RawMessage) (*sdk.CallToolResult, bool) {
			return fixedTools["big"](), true
		}}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(callBody("1", "big", "")))
	r.Header = callHeader("big")
	if !fast.serve(w, r, 1<<20) {
		t.Fatal("not served")
	}
	if held.Load() != 1 || released.Load() != 1 {
		t.Fatalf("held %d times, released %d times", held.Load(), released.Load())
	}
	if n := writtenAtRelease.Load(); n != int64(w.Body.Len()) || n < int64(len(bigBody)) {
		t.Fatalf("released after %d of %d bytes were written", n, w.Body.Len())
	}
}
