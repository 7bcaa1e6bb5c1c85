package httpapi

import (
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
)

// TestMCPSettingsCannotLiftLimits: issue 9's attack through a real MCP
// client. The harness user "limited" has max_rows_to_read=1000,
// max_memory_usage=200000000 and max_threads=1 in its profile.
func TestMCPSettingsCannotLiftLimits(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.ClickHouse.Username = "limited" })
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, versions[0])
	query := "SELECT count() FROM numbers(100000)"

	res := call(t, cs, "execute_query", map[string]any{"query": query,
		"settings": map[string]any{"max_memory_usage": 0, "max_rows_to_read": 0, "max_bytes_to_read": 0, "max_threads": 1000}})
	if !res.IsError || !strings.Contains(text(res), `would lift the limit of 1 threads set by the settings profile of ClickHouse user "limited"`) {
		t.Fatalf("attack not refused: error=%v %s", res.IsError, text(res))
	}
	res = call(t, cs, "execute_query", map[string]any{"query": query, "settings": map[string]any{"max_rows_to_read": 0}})
	if !res.IsError || !strings.Contains(text(res), "max_rows_to_read=0 would lift the limit of 1000 rows") {
		t.Fatalf("max_rows_to_read=0 not refused: %s", text(res))
	}
	res = call(t, cs, "execute_query", map[string]any{"query": "SELECT count() FROM numbers(400)", "settings": map[string]any{"max_rows_to_read": 500, "max_threads": 1}})
	if res.IsError {
		t.Fatalf("tighter limits refused: %s", text(res))
	}
}

// TestMCPGuardrailNamed: a query stopped by an operator guardrail keeps
// ClickHouse's code and message and names the chmcp setting.
func TestMCPGuardrailNamed(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.ClickHouse.MaxRowsToRead = 1000 })
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, versions[0])
	res := call(t, cs, "execute_query", map[string]any{"query": "SELECT count() FROM numbers(100000)"})
	got := text(res)
	if !res.IsError || !strings.Contains(got, "ClickHouse error 158 (TOO_MANY_ROWS)") || !strings.Contains(got, "[limit set by chmcp: clickhouse.max_rows_to_read=1000]") {
		t.Fatalf("guardrail error: error=%v %s", res.IsError, got)
	}
	if meta, _ := res.Meta["chmcp/error"].(map[string]any); meta["code"] != float64(158) {
		t.Fatalf("_meta = %v", res.Meta)
	}
	res = call(t, cs, "execute_query", map[string]any{"query": "SELECT 1", "settings": map[string]any{"max_rows_to_read": 5000}})
	if !res.IsError || !strings.Contains(text(res), "max_rows_to_read=5000 would lift the limit of 1000 rows set by clickhouse.max_rows_to_read") {
		t.Fatalf("lifting the guardrail: %s", text(res))
	}
}
