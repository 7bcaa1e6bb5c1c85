package openapi

import (
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestOutcomeOverHTTP: against ClickHouse, the status, error fields and
// truncation headers of a call follow what the call was (mcp.Outcome),
// whatever its message or its values say.
func TestOutcomeOverHTTP(t *testing.T) {
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.MaxResultRows = 50; c.MaxResultBytes = 1000 }})

	// ClickHouse's error, worded like our busy and invalid-arguments ones.
	for _, msg := range []string{"server busy: retry later", "invalid arguments: nope"} {
		r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT throwIf(1, '`+msg+`')"}`)
		got := r.errorOf(t)
		if r.Status != 502 || got["kind"] != kindClickHouse || got["code"] != 395.0 || got["name"] != "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO" ||
			got["query_id"] == nil || got["query_id"] == "" || r.Header.Get("Retry-After") != "" {
			t.Fatalf("%s: %d %v %s", msg, r.Status, r.Header, r.Body)
		}
	}

	// Values that say truncated in a result no cap cut: no header.
	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT map('truncated', true) AS truncated, 'truncated' AS x"}`)
	if r.Status != 200 || r.Header.Get(HeaderTruncated) != "" || r.json(t)["truncated"] != false {
		t.Fatalf("uncut: %d %v %s", r.Status, r.Header, r.Body)
	}

	// Cut by bytes, its rows holding {"truncated":true} too.
	r = e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT number, map('truncated', true) FROM numbers(100)"}`)
	body := r.json(t)
	if r.Status != 200 || r.Header.Get(HeaderTruncated) != "true" || r.Header.Get(HeaderTruncatedReason) != "max_result_bytes" ||
		body["truncated"] != true || body["truncated_reason"] != "max_result_bytes" {
		t.Fatalf("cut by bytes: %d %v %s", r.Status, r.Header, r.Body)
	}
}
