package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/metrics/metricstest"
)

// TestHealthAndBusyWhenPoolSaturated: slow queries fill every connection
// (issue 11, item 1). /health keeps answering 200 from its own connection
// and reports the saturation; one more call waits clickhouse.pool_wait and
// gets a "server busy" 503 with Retry-After, counted in metrics.
func TestHealthAndBusyWhenPoolSaturated(t *testing.T) {
	t.Parallel()
	const poolWait = 500 * time.Millisecond
	ts, _ := startMetricsServer(t, func(c *config.Config) {
		withOpenAPI(c)
		c.ClickHouse.MaxOpenConns, c.ClickHouse.MaxIdleConns = 2, 2
		c.ClickHouse.PoolWait = config.Duration(poolWait)
	})
	var slow sync.WaitGroup
	for range 2 {
		slow.Go(func() {
			// sleep(3) is ClickHouse's longest single sleep.
			if resp, body := post(t, ts.URL+"/openapi/execute_query", `{"query":"SELECT sleep(3)"}`, nil); resp.StatusCode != 200 {
				t.Errorf("slow query: %d %s", resp.StatusCode, body)
			}
		})
	}
	defer slow.Wait()
	waitFor(t, 2*time.Second, "both slow queries running", func() bool {
		n, err := chs(t).Exec(context.Background(), "SELECT count() FROM system.processes WHERE query LIKE 'SELECT sleep(3)%'")
		return err == nil && strings.TrimSpace(n) == "2"
	})

	start := time.Now()
	code, body := get(t, ts.URL+"/health")
	if took := time.Since(start); code != 200 || body["status"] != "ok" || took > time.Second {
		t.Fatalf("/health with a saturated pool: %d %v after %s; want 200 ok at once", code, body, took)
	}
	if pool, _ := body["pool"].(map[string]any); pool["saturated"] != true || pool["size"] != float64(2) {
		t.Fatalf("/health does not report the saturation: %v", body["pool"])
	}

	start = time.Now()
	resp, errBody := post(t, ts.URL+"/openapi/execute_query", `{"query":"SELECT 1"}`, nil)
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(errBody, "server busy") || !strings.Contains(errBody, `"kind":"busy"`) {
		t.Fatalf("call with a saturated pool: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), errBody)
	}
	if took < poolWait || took > poolWait+time.Second {
		t.Fatalf("busy answer after %s, want about clickhouse.pool_wait (%s)", took, poolWait)
	}
	// Over MCP: a tool error that says so.
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	if res := call(t, cs, "execute_query", map[string]any{"query": "SELECT 1"}); !res.IsError || !strings.HasPrefix(text(res), "server busy: ") {
		t.Fatalf("MCP call with a saturated pool: error=%v %s", res.IsError, text(res))
	}
	metricstest.Expect(t, metricstest.Get(t, ts.URL+"/metrics"), metrics.NameToolCalls,
		`chmcp_tool_calls_total{outcome="busy",tool="execute_query"} 2`)

	slow.Wait()
	if code, body := get(t, ts.URL+"/health"); code != 200 || body["pool"].(map[string]any)["saturated"] != false {
		t.Fatalf("/health after the slow queries: %d %v", code, body)
	}
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
