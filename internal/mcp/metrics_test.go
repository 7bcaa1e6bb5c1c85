package mcp

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/metrics/metricstest"
)

// TestMetrics: every call is counted by tool and outcome, generated tools
// share the "generated" label, ClickHouse errors count by code, and no
// user, query text or argument reaches a label.
func TestMetrics(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{})
	m := metrics.New("test")
	WithMetrics(m)(s)
	ctx := as("carol")
	for _, c := range []struct {
		tool, args string
		isError    bool
	}{
		{"list_databases", `{}`, false},
		{"execute_query", `{"query": "SELECT number FROM system.numbers LIMIT 5000"}`, false}, // truncated at 1000 rows
		{"execute_query", `{"query": "DROP TABLE dyn.orders"}`, true},                         // refused
		{"execute_query", `{"query": "SELECT * FROM dyn.no_such_table"}`, true},               // ClickHouse 60
		{"execute_query", `{"querry": "SELECT 1"}`, true},                                     // invalid arguments
		{"q_open_orders", `{}`, false},
		{"q_orders_by_status", `{"status": "open", "min_qty": 2}`, false},
		{"q_orders_by_status", `{"status": "open"}`, true}, // invalid arguments
	} {
		res, ok := s.CallResult(ctx, c.tool, []byte(c.args))
		if !ok || res.IsError != c.isError {
			t.Fatalf("%s %s: ok=%v isError=%v %s", c.tool, c.args, ok, res != nil && res.IsError, resultText(res))
		}
	}
	out := metricstest.Scrape(t, m.Handler())
	check := func(name string, want ...string) { t.Helper(); metricstest.Expect(t, out, name, want...) }
	check(metrics.NameToolCalls,
		`chmcp_tool_calls_total{outcome="clickhouse",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="invalid_arguments",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="invalid_arguments",tool="generated"} 1`,
		`chmcp_tool_calls_total{outcome="ok",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="ok",tool="generated"} 2`,
		`chmcp_tool_calls_total{outcome="ok",tool="list_databases"} 1`,
		`chmcp_tool_calls_total{outcome="refused",tool="execute_query"} 1`,
	)
	check(metrics.NameClickHouseErrors, `chmcp_clickhouse_errors_total{code="60"} 1`)
	check(metrics.NameToolTruncated, `chmcp_tool_results_truncated_total{tool="execute_query"} 1`)
	check(metrics.NameToolDuration+"_count",
		`chmcp_tool_call_duration_seconds_count{tool="execute_query"} 4`,
		`chmcp_tool_call_duration_seconds_count{tool="generated"} 3`,
		`chmcp_tool_call_duration_seconds_count{tool="list_databases"} 1`,
	)
	check(metrics.NameToolRows+"_count", `chmcp_tool_result_rows_count 4`)
	// Built-in tools have their series before their first call.
	if !strings.Contains(out, `chmcp_tool_calls_total{outcome="ok",tool="describe_table"} 0`) {
		t.Error("built-in tool series not initialised")
	}
	for _, leak := range []string{"carol", "no_such_table", "SELECT", "q_orders_by_status", "min_qty"} {
		if strings.Contains(out, leak) {
			t.Errorf("exposition contains %q", leak)
		}
	}
}

// TestMetricsOff: without WithMetrics nothing is recorded and calls work.
func TestMetricsOff(t *testing.T) {
	s := service(t, true)
	if s.metrics != nil {
		t.Fatal("metrics on by default")
	}
	s.logCall(context.Background(), &toolCall{tool: "execute_query", start: time.Now(), kind: metrics.OutcomeOK}) // a nil *Metrics is a no-op
}

// TestUnmarshallableResult: a result that cannot be marshalled is an
// internal error for the client, the call log and the metrics alike.
func TestUnmarshallableResult(t *testing.T) {
	s := service(t, true)
	logs := &chtest.LogBuffer{}
	s.log = slog.New(slog.NewTextHandler(logs, nil))
	m := metrics.New("test")
	WithMetrics(m)(s)
	broken := Tool{Def: &sdk.Tool{Name: "broken"}, Call: func(context.Context, json.RawMessage) (Output, error) {
		return Output{Value: make(chan int), Rows: 1}, nil
	}}
	res := s.run(context.Background(), broken, nil).Result()
	if !res.IsError || !strings.HasPrefix(resultText(res), "internal error") || res.Meta[MetaError].(map[string]any)["kind"] != "internal" {
		t.Fatalf("result: %v %v", resultText(res), res.Meta)
	}
	if l := logs.String(); !strings.Contains(l, `msg="tool call failed"`) || !strings.Contains(l, "error=internal") || strings.Contains(l, `msg="tool call "`) {
		t.Errorf("call log:\n%s", l)
	}
	metricstest.Expect(t, metricstest.Scrape(t, m.Handler()), metrics.NameToolCalls, `chmcp_tool_calls_total{outcome="internal",tool="generated"} 1`)
}

// TestPanickingTool: a tool that panics fails its own call as an internal
// error; the client sees no panic value or stack, the server log has both,
// and the service goes on serving.
func TestPanickingTool(t *testing.T) {
	s := service(t, true)
	logs := &chtest.LogBuffer{}
	s.log = slog.New(slog.NewTextHandler(logs, nil))
	panicky := Tool{Def: &sdk.Tool{Name: "panicky"}, Call: func(context.Context, json.RawMessage) (Output, error) {
		panic("driver bug: unexpected column type")
	}}
	ctx := WithRequestID(context.Background(), "req-42")
	res := s.run(ctx, panicky, nil).Result()
	text := resultText(res)
	if !res.IsError || text != "internal error; see the server log for request id req-42" || res.Meta[MetaError].(map[string]any)["kind"] != KindInternal {
		t.Fatalf("result: %q %v", text, res.Meta)
	}
	l := logs.String()
	if !strings.Contains(l, `msg="tool failed unexpectedly"`) || !strings.Contains(l, "driver bug: unexpected column type") ||
		!strings.Contains(l, "TestPanickingTool") || !strings.Contains(l, "request_id=req-42") {
		t.Errorf("server log lacks the panic, its stack or the request id:\n%s", l)
	}
	// Still serving.
	ok := Tool{Def: &sdk.Tool{Name: "ok"}, Call: func(context.Context, json.RawMessage) (Output, error) {
		return Output{Value: map[string]int{"a": 1}}, nil
	}}
	if res := s.run(ctx, ok, nil).Result(); res.IsError {
		t.Fatalf("after a panic: %s", resultText(res))
	}
}
