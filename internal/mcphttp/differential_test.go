package mcphttp

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

// realPair is chmcp's MCP endpoint twice over one mcp.Service on the
// harness ClickHouse, as httpapi mounts it (body limit included): with the
// fast path and without. served counts the calls the fast path took.
type realPair struct {
	fast, sdkOnly http.Handler
	served        atomic.Int64
}

func newRealPair(t testing.TB, opts ...mcp.Option) *realPair {
	t.Helper()
	cfg := config.Defaults()
	cfg.ClickHouse = chs(t).ClickHouseConfig(config.ProtocolTCP)
	ch, err := clickhouse.New(cfg.ClickHouse, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	svc := mcp.NewService(ch, nil, "test", opts...)
	o := Options{
		MaxBodyBytes: cfg.Server.MaxBodyBytes, SessionIdle: cfg.Server.SessionIdleTimeout.D(),
		MaxSessions: cfg.Server.MaxSessions, MaxSessionsPerClient: cfg.Server.MaxSessionsPerClient,
	}
	p := &realPair{}
	limit := func(h http.Handler) http.Handler { return http.MaxBytesHandler(h, cfg.Server.MaxBodyBytes) }
	p.sdkOnly = limit(New(svc, o).Streamable())
	o.FastPath = true
	fast := New(svc, o)
	direct := fast.router.fast.direct
	fast.router.fast.direct = func(ctx context.Context, name string) (*sdk.Tool, bool) {
		def, ok := direct(ctx, name)
		if ok {
			p.served.Add(1) // the fast path runs the call now
		}
		return def, ok
	}
	p.sdkOnly, p.fast = limit(p.sdkOnly), limit(fast.Streamable())
	return p
}

// answer is what a client sees of the response to one request.
func (p *realPair) answer(h http.Handler, method string, header http.Header, body string) answer {
	a := serveOne(h, method, header, body)
	a.body = normalize(a.body)
	return a
}

// queryID and elapsed are the parts of an answer that differ between two
// runs of one call: the id of the query (in a result, and in an error's
// _meta and text) and the time it took. The package doc lists them.
var (
	queryID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	elapsed = regexp.MustCompile(`(elapsed_ms\\?":)[0-9.eE+-]+`)
)

func normalize(body string) string {
	return elapsed.ReplaceAllString(queryID.ReplaceAllString(body, "<query id>"), "${1}<elapsed>")
}

// realCalls are requests a 2026-07-28 client sends to chmcp's own tools,
// each of which the fast path serves.
var realCalls = []fastCase{
	{name: "execute_query", header: callHeader("execute_query"), body: callBody("1", "execute_query",
		`,"arguments":{"query":"SELECT number, toString(number) AS s, '<b>&\u2028</b>' AS h FROM system.numbers LIMIT 3"}`)},
	{name: "execute_query with settings", header: callHeader("execute_query"), body: callBody(`"q<1>"`, "execute_query",
		`,"arguments":{"query":"SELECT 1","settings":{"max_threads":1}}`)},
	{name: "ClickHouse error", header: callHeader("execute_query"), body: callBody("2", "execute_query", `,"arguments":{"query":"SELECT * FROM default.nope"}`)},
	{name: "guard refusal", header: callHeader("execute_query"), body: callBody("3", "execute_query", `,"arguments":{"query":"DROP TABLE default.nope"}`)},
	{name: "invalid arguments", header: callHeader("execute_query"), body: callBody("4", "execute_query", `,"arguments":{"sql":"SELECT 1"}`)},
	{name: "no arguments", header: callHeader("execute_query"), body: callBody("5", "execute_query", "")},
	{name: "list_databases", header: callHeader("list_databases"), body: callBody("6", "list_databases", "")},
	{name: "list_tables", header: callHeader("list_tables"), body: callBody("7", "list_tables", `,"arguments":{"database":"system","like":"numbers%"}`)},
	{name: "describe_table", header: callHeader("describe_table"), body: callBody("8", "describe_table", `,"arguments":{"database":"system","table":"one"}`)},
	{name: "search_schema", header: callHeader("search_schema"), body: callBody("9", "search_schema", `,"arguments":{"pattern":"dummy","databases":["system"]}`)},
}

// realDeclined are requests to chmcp's server the fast path leaves to the
// go-sdk.
var realDeclined = []fastCase{
	{name: "unknown tool", header: callHeader("nope"), body: callBody("1", "nope", "")},
	{name: "Mcp-Name differs", header: callHeader("list_tables"), body: callBody("1", "list_databases", "")},
	{name: "Mcp-Method differs", header: func() http.Header { h := callHeader("list_databases"); h.Set("Mcp-Method", "tools/list"); return h }(),
		body: callBody("1", "list_databases", "")},
	{name: "tools/list", header: func() http.Header {
		h := callHeader("")
		h.Del("Mcp-Name")
		h.Set("Mcp-Method", "tools/list")
		return h
	}(),
		body: `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + metaTriple + `}}`},
	{name: "progress token", header: callHeader("list_databases"), body: strings.Replace(callBody("1", "list_databases", ""), `"_meta":{`, `"_meta":{"progressToken":1,`, 1)},
	{name: "batch", header: callHeader("list_databases"), body: "[" + callBody("1", "list_databases", "") + "]"},
	{name: "body over the limit", header: callHeader("execute_query"), body: callBody("1", "execute_query", `,"arguments":{"query":"SELECT '`+strings.Repeat("x", 5<<20)+`'"}`)},
}

// TestFastPathAgreesWithSDKOnChmcp: on chmcp's real server, every call the
// fast path serves gets the go-sdk's answer byte for byte (but for query
// ids), and every request it declines reaches the go-sdk whole.
func TestFastPathAgreesWithSDKOnChmcp(t *testing.T) {
	p := newRealPair(t)
	for _, c := range append(append([]fastCase{}, realCalls...), realDeclined...) {
		t.Run(c.name, func(t *testing.T) {
			served := p.served.Load()
			got := p.answer(p.fast, http.MethodPost, c.header, c.body)
			want := p.answer(p.sdkOnly, http.MethodPost, c.header, c.body)
			if got != want {
				t.Fatalf("fast path answered\n  %+v\nthe go-sdk answers\n  %+v", got, want)
			}
			wantServed := int64(0)
			if isRealCall(c.name) {
				wantServed = 1
				if got.status != http.StatusOK || !strings.Contains(got.body, `"result":`) {
					t.Fatalf("not a result: %+v", got)
				}
			}
			if n := p.served.Load() - served; n != wantServed {
				t.Fatalf("the fast path served %d, want %d: %+v", n, wantServed, got)
			}
		})
	}
}

func isRealCall(name string) bool {
	for _, c := range realCalls {
		if c.name == name {
			return true
		}
	}
	return false
}

// TestFastPathDeclinesWhenMiddlewareWouldBeBypassed: a go-sdk server with
// receiving middleware that Call does not do (mcp.WithReceivingMiddleware)
// answers every tools/call itself, so the middleware sees each.
func TestFastPathDeclinesWhenMiddlewareWouldBeBypassed(t *testing.T) {
	var seen atomic.Int64
	count := func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
			if method == "tools/call" {
				seen.Add(1)
			}
			return next(ctx, method, req)
		}
	}
	p := newRealPair(t, mcp.WithReceivingMiddleware(count))
	for _, c := range realCalls {
		seen.Store(0)
		got := p.answer(p.fast, http.MethodPost, c.header, c.body)
		if n := seen.Load(); n != 1 || p.served.Load() != 0 {
			t.Fatalf("%s: the middleware saw %d tools/calls, the fast path served %d: %+v", c.name, n, p.served.Load(), got)
		}
		if want := p.answer(p.sdkOnly, http.MethodPost, c.header, c.body); got != want {
			t.Fatalf("%s: with the fast path\n  %+v\nwithout\n  %+v", c.name, got, want)
		}
	}
}

// TestFastPathAgreesWithSDKOnGeneratedTools: with tools generated from
// views, each identity's go-sdk server has chmcp's receiving middleware,
// whose tools/call part (rediscover a tool not known yet) Call does too:
// the fast path serves those calls, a tool that appeared since the last
// discovery included, with the go-sdk's answers.
func TestFastPathAgreesWithSDKOnGeneratedTools(t *testing.T) {
	exec := func(sql string) {
		t.Helper()
		if _, err := chs(t).Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("DROP DATABASE IF EXISTS dynmcphttp")
	exec("CREATE DATABASE dynmcphttp")
	t.Cleanup(func() { exec("DROP DATABASE IF EXISTS dynmcphttp") })
	exec("CREATE VIEW dynmcphttp.upto AS SELECT number FROM system.numbers WHERE number < {n:UInt32} LIMIT 5")
	ttl := 50 * time.Millisecond
	p := newRealPair(t, mcp.WithToolRules([]config.ToolRule{{Type: config.ToolRead, ViewRegexp: `^dynmcphttp\.`, Prefix: "q_"}}, ttl))
	agree := func(name, args string) {
		t.Helper()
		served := p.served.Load()
		body := callBody("1", name, `,"arguments":`+args)
		got := p.answer(p.fast, http.MethodPost, callHeader(name), body)
		want := p.answer(p.sdkOnly, http.MethodPost, callHeader(name), body)
		switch {
		case got != want:
			t.Fatalf("%s: fast path answered\n  %+v\nthe go-sdk answers\n  %+v", name, got, want)
		case p.served.Load() != served+1:
			t.Fatalf("%s: the fast path did not serve it: %+v", name, got)
		case got.status != http.StatusOK || !strings.Contains(got.body, `"rows"`):
			t.Fatalf("%s: not a result: %+v", name, got)
		}
	}
	agree("q_upto", `{"n":3}`)
	exec("CREATE VIEW dynmcphttp.later AS SELECT number FROM system.numbers WHERE number > {n:UInt32} LIMIT 2")
	time.Sleep(2 * ttl) // the cache is stale: an unknown tool is looked for
	agree("q_later", `{"n":7}`)
}
