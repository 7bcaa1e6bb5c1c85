package httpapi

import (
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/metrics/metricstest"
)

// startMetricsServer serves chmcp with server.metrics.enabled (then
// mutate) on the harness ClickHouse, the metrics shared by the MCP service
// and the HTTP edge as cmd/chmcp wires them.
func startMetricsServer(t *testing.T, mutate func(*config.Config)) (*testServer, *metrics.Metrics) {
	t.Helper()
	m := metrics.New("test")
	ts := start(t, func(c *config.Config) {
		c.Server.Metrics.Enabled = true
		if mutate != nil {
			mutate(c)
		}
	}, serverOpts{metrics: m})
	return ts, m
}

func TestMetricsEndpoint(t *testing.T) {
	ts, _ := startMetricsServer(t, nil)
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	if res := call(t, cs, "execute_query", map[string]any{"query": "SELECT 1"}); res.IsError {
		t.Fatalf("ok call: %s", text(res))
	}
	if res := call(t, cs, "execute_query", map[string]any{"query": "DROP TABLE default.t"}); !res.IsError {
		t.Fatal("DROP was not refused")
	}
	if res := call(t, cs, "execute_query", map[string]any{"query": "SELECT * FROM system.no_such_table"}); !res.IsError || !strings.Contains(text(res), "60") {
		t.Fatalf("unknown table: %s", text(res))
	}
	for _, path := range []string{"/health", "/livez"} {
		if code, _ := get(t, ts.URL+path); code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
	}

	out := metricstest.Get(t, ts.URL+"/metrics")
	check := func(name string, want ...string) { t.Helper(); metricstest.Expect(t, out, name, want...) }
	check(metrics.NameToolCalls,
		`chmcp_tool_calls_total{outcome="clickhouse",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="ok",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="refused",tool="execute_query"} 1`,
	)
	check(metrics.NameClickHouseErrors, `chmcp_clickhouse_errors_total{code="60"} 1`)
	check(metrics.NameToolTruncated)
	check(metrics.NameToolDuration+"_count", `chmcp_tool_call_duration_seconds_count{tool="execute_query"} 3`)
	check(metrics.NameBuildInfo, `chmcp_build_info{version="test"} 1`)
	for _, want := range []string{
		`chmcp_http_requests_total{code="200",route="health"} 1`,
		`chmcp_http_requests_total{code="200",route="livez"} 1`,
		`chmcp_http_requests_total{code="200",route="mcp"} `, // as many as the go-sdk client sends
		"go_goroutines ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(out, "\n"+want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if strings.Contains(out, "no_such_table") || strings.Contains(out, "SELECT") {
		t.Error("query text in the exposition")
	}
	// The scrape itself is counted, after it was served.
	if out := metricstest.Get(t, ts.URL+"/metrics"); !strings.Contains(out, `chmcp_http_requests_total{code="200",route="metrics"} 1`+"\n") {
		t.Errorf("scrape not counted:\n%s", metricstest.NonZero(out, metrics.NameHTTPRequests))
	}
}

// TestMetricsOff: with server.metrics disabled (the default) /metrics is
// nothing special: the MCP endpoint answers a GET with 405.
func TestMetricsOff(t *testing.T) {
	plain := startServer(t, nil)
	withObject, _ := startMetricsServer(t, func(c *config.Config) { c.Server.Metrics.Enabled = false })
	for _, base := range []string{plain.URL, withObject.URL} {
		if code := metricstest.Status(t, base+"/metrics"); code != http.StatusMethodNotAllowed {
			t.Errorf("GET %s/metrics: %d, want 405 from the MCP endpoint", base, code)
		}
	}
}

// TestMetricsOwnAddress: with server.metrics.address the main server does
// not serve /metrics (it still counts the attempt); the metrics listener
// does, and serves nothing else.
func TestMetricsOwnAddress(t *testing.T) {
	ts, m := startMetricsServer(t, func(c *config.Config) { c.Server.Metrics.Address = "127.0.0.1:9464" })
	if code := metricstest.Status(t, ts.URL+"/metrics"); code != http.StatusMethodNotAllowed {
		t.Fatalf("main server GET /metrics: %d, want 405", code)
	}
	base := metricstest.ServeLoopback(t, m.Serve)
	out := metricstest.Get(t, base+"/metrics")
	if !strings.Contains(out, `chmcp_http_requests_total{code="405",route="metrics"} 1`+"\n") {
		t.Errorf("main server request not counted:\n%s", metricstest.NonZero(out, metrics.NameHTTPRequests))
	}
	for _, path := range []string{"/", "/health"} {
		if code := metricstest.Status(t, base+path); code != http.StatusNotFound {
			t.Errorf("metrics listener GET %s: %d, want 404", path, code)
		}
	}
}
