package openapi

import (
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestSettingsCannotLiftLimits: issue 9's attack through the REST facade,
// as the harness user "limited" (max_rows_to_read=1000 in its profile).
func TestSettingsCannotLiftLimits(t *testing.T) {
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.Username = "limited" }})
	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT count() FROM numbers(100000)", `+
		`"settings": {"max_memory_usage": 0, "max_rows_to_read": 0, "max_bytes_to_read": 0, "max_threads": 1000}}`)
	if got := r.errorOf(t); r.Status != 400 || got["kind"] != kindRefused || !strings.Contains(got["message"].(string), "would lift the limit") {
		t.Fatalf("attack: %d %s", r.Status, r.Body)
	}
	r = e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT count() FROM numbers(400)", "settings": {"max_rows_to_read": 500}}`)
	if r.Status != 200 {
		t.Fatalf("tighter limit: %d %s", r.Status, r.Body)
	}
}

// TestGuardrailNamed: ClickHouse's refusal keeps its code and names the
// chmcp guardrail that imposed the limit.
func TestGuardrailNamed(t *testing.T) {
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.MaxRowsToRead = 1000 }})
	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT count() FROM numbers(100000)"}`)
	got := r.errorOf(t)
	if got["kind"] != kindClickHouse || got["code"] != 158.0 || got["name"] != "TOO_MANY_ROWS" ||
		!strings.Contains(got["message"].(string), "[limit set by chmcp: clickhouse.max_rows_to_read=1000]") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}
