package metrics

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chmcp/chmcp/internal/metrics/metricstest"
)

func TestToolCall(t *testing.T) {
	m := New("v1.2.3")
	m.ToolCall("execute_query", OutcomeOK, 3*time.Millisecond, 42, false, 0)
	m.ToolCall("execute_query", OutcomeOK, 2*time.Second, 1000, true, 0)
	m.ToolCall("execute_query", "refused", time.Millisecond, 0, false, 0)
	m.ToolCall("execute_query", "clickhouse", 10*time.Millisecond, 0, false, 60)
	m.ToolCall("list_tables", "clickhouse", 10*time.Millisecond, 0, false, 60)
	m.ToolCall("generated", "clickhouse", 10*time.Millisecond, 0, false, 62)
	m.ToolCall("generated", "brand_new_kind", time.Millisecond, 0, false, 0)

	for _, c := range []struct {
		tool, outcome string
		want          float64
	}{
		{"execute_query", "ok", 2}, {"execute_query", "refused", 1}, {"execute_query", "clickhouse", 1},
		{"execute_query", "internal", 0}, {"list_tables", "clickhouse", 1}, {"list_tables", "ok", 0},
		{"generated", "clickhouse", 1}, {"generated", "brand_new_kind", 1},
	} {
		if got := testutil.ToFloat64(m.calls.WithLabelValues(c.tool, c.outcome)); got != c.want {
			t.Errorf("calls{%s,%s} = %v, want %v", c.tool, c.outcome, got, c.want)
		}
	}
	// Every known outcome of a seen tool exists (at zero), plus the new kind.
	if n := testutil.CollectAndCount(m.calls); n != 3*len(outcomes)+1 {
		t.Errorf("%d call series, want %d", n, 3*len(outcomes)+1)
	}
	if got := testutil.ToFloat64(m.truncated.WithLabelValues("execute_query")); got != 1 {
		t.Errorf("truncated = %v", got)
	}
	err := testutil.GatherAndCompare(m.reg, strings.NewReader(`
# HELP chmcp_clickhouse_errors_total Failed tool calls by ClickHouse error code (e.g. 60 UNKNOWN_TABLE, 62 SYNTAX_ERROR, 159 TIMEOUT_EXCEEDED).
# TYPE chmcp_clickhouse_errors_total counter
chmcp_clickhouse_errors_total{code="60"} 2
chmcp_clickhouse_errors_total{code="62"} 1
# HELP chmcp_tool_result_rows Rows returned by successful tool calls.
# TYPE chmcp_tool_result_rows histogram
chmcp_tool_result_rows_bucket{le="0"} 0
chmcp_tool_result_rows_bucket{le="1"} 0
chmcp_tool_result_rows_bucket{le="10"} 0
chmcp_tool_result_rows_bucket{le="100"} 1
chmcp_tool_result_rows_bucket{le="1000"} 2
chmcp_tool_result_rows_bucket{le="10000"} 2
chmcp_tool_result_rows_bucket{le="100000"} 2
chmcp_tool_result_rows_bucket{le="1e+06"} 2
chmcp_tool_result_rows_bucket{le="+Inf"} 2
chmcp_tool_result_rows_sum 1042
chmcp_tool_result_rows_count 2
# HELP chmcp_build_info Always 1; the version label is the chmcp build.
# TYPE chmcp_build_info gauge
chmcp_build_info{version="v1.2.3"} 1
`), NameClickHouseErrors, NameToolRows, NameBuildInfo)
	if err != nil {
		t.Error(err)
	}
	// Latency: every call observed, in seconds.
	if n := testutil.CollectAndCount(m.duration); n != 3 {
		t.Errorf("%d duration series, want 3", n)
	}
	out := metricstest.Scrape(t, m.Handler())
	for _, want := range []string{
		`chmcp_tool_call_duration_seconds_bucket{tool="execute_query",le="0.005"} 2`,
		`chmcp_tool_call_duration_seconds_bucket{tool="execute_query",le="2.5"} 4`,
		`chmcp_tool_call_duration_seconds_count{tool="execute_query"} 4`,
		`chmcp_tool_call_duration_seconds_bucket{tool="execute_query",le="60"} 4`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestHTTP(t *testing.T) {
	m := New("dev")
	m.HTTP(RouteMCP, 200)
	m.HTTP(RouteMCP, 0) // nothing written: net/http sends 200
	m.HTTP(RouteMCP, 405)
	m.HTTP(RouteHealth, 503)
	err := testutil.CollectAndCompare(m.http, strings.NewReader(`
# HELP chmcp_http_requests_total HTTP requests on the main server by route (mcp, sse, openapi, oauth, health, livez, metrics, other) and status code.
# TYPE chmcp_http_requests_total counter
chmcp_http_requests_total{code="200",route="mcp"} 2
chmcp_http_requests_total{code="405",route="mcp"} 1
chmcp_http_requests_total{code="503",route="health"} 1
`))
	if err != nil {
		t.Error(err)
	}
}

func TestRouteOf(t *testing.T) {
	for path, want := range map[string]string{
		"/": RouteMCP, "/sse": RouteSSE, "/openapi": RouteOpenAPI, "/openapi.json": RouteOpenAPI, "/openapi/execute_query": RouteOpenAPI,
		"/.well-known/oauth-authorization-server": RouteOAuth, "/oauth/token": RouteOAuth, "/jwe/token": RouteOAuth,
		"/health": RouteHealth, "/livez": RouteLivez, "/metrics": RouteMetrics,
		"/favicon.ico": RouteOther, "/sse/x": RouteOther, "/openapix": RouteOther, "": RouteOther, "/metrics/": RouteOther,
	} {
		if got := RouteOf(path); got != want {
			t.Errorf("RouteOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestNil(t *testing.T) {
	var m *Metrics
	m.ToolCall("x", "ok", time.Second, 1, true, 60)
	m.HTTP(RouteMCP, 200)
	m.InitTool("x")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil handler: %d", rec.Code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(context.Background(), ln); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("nil Serve left the listener open")
	}
}

func TestInitTool(t *testing.T) {
	m := New("dev")
	m.InitTool("list_databases")
	out := metricstest.Scrape(t, m.Handler())
	for _, o := range outcomes {
		if !strings.Contains(out, `chmcp_tool_calls_total{outcome="`+o+`",tool="list_databases"} 0`+"\n") {
			t.Errorf("no zero series for outcome %s", o)
		}
	}
}

// TestHandler checks the exposition: text format, Go and process
// collectors, and nothing from the global registry.
func TestHandler(t *testing.T) {
	m := New("dev")
	m.ToolCall("list_databases", OutcomeOK, time.Millisecond, 3, false, 0)
	out := metricstest.Scrape(t, m.Handler())
	for _, want := range []string{"go_goroutines ", "process_cpu_seconds_total ", `chmcp_build_info{version="dev"} 1`,
		`chmcp_tool_calls_total{outcome="ok",tool="list_databases"} 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if probs, err := testutil.GatherAndLint(m.reg); err != nil || len(probs) > 0 {
		t.Errorf("lint: %v %v", probs, err)
	}
}

func TestServe(t *testing.T) {
	m := New("dev")
	base := metricstest.ServeLoopback(t, m.Serve) // returns cleanly on cancel
	if out := metricstest.Get(t, base+"/metrics"); !strings.Contains(out, "chmcp_build_info") {
		t.Fatalf("GET /metrics:\n%.300s", out)
	}
	for _, path := range []string{"/", "/health"} {
		if code := metricstest.Status(t, base+path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404: only /metrics is served", path, code)
		}
	}
}

// TestConcurrent exercises first-sight creation from many goroutines
// (run with -race).
func TestConcurrent(t *testing.T) {
	m := New("dev")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 200 {
				m.ToolCall([]string{"a", "b", "c"}[j%3], outcomes[j%len(outcomes)], time.Millisecond, j, j%2 == 0, int32(j%5))
				m.HTTP([]string{RouteMCP, RouteSSE}[i%2], 200+j%3)
			}
		})
	}
	wg.Wait()
	var total float64
	for _, tool := range []string{"a", "b", "c"} {
		for _, o := range outcomes {
			total += testutil.ToFloat64(m.calls.WithLabelValues(tool, o))
		}
	}
	if total != 16*200 {
		t.Errorf("counted %v calls, want %d", total, 16*200)
	}
}

// TestNoAllocs: the per-call path allocates nothing once label values
// have been seen (chmcp is benchmarked per call).
func TestNoAllocs(t *testing.T) {
	m := New("dev")
	m.ToolCall("execute_query", "clickhouse", time.Millisecond, 0, false, 60)
	m.HTTP(RouteMCP, 200)
	if n := testing.AllocsPerRun(100, func() {
		m.ToolCall("execute_query", OutcomeOK, time.Millisecond, 10, true, 0)
		m.ToolCall("execute_query", "clickhouse", time.Millisecond, 0, false, 60)
		m.HTTP(RouteMCP, 200)
	}); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

func BenchmarkToolCall(b *testing.B) {
	m := New("dev")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ToolCall("execute_query", OutcomeOK, time.Millisecond, 1, false, 0)
			m.HTTP(RouteMCP, 200)
		}
	})
}
