package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
)

// queryLogComment returns the log_comment ClickHouse logged for the query
// containing marker.
func queryLogComment(t *testing.T, marker string) string {
	t.Helper()
	if _, err := chs(t).Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	got, err := chs(t).Exec(context.Background(), "SELECT log_comment FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%"+
		marker+"%' AND query NOT LIKE '%query_log%' FORMAT TSVRaw")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(got)
}

// TestQueryLogAttribution: system.query_log says which assistant ran a
// query, through which tool and request, for whom, on every path: the
// 2026-07-28 fast path, a 2025-11-25 session (the go-sdk's handler) and
// OpenAPI.
func TestQueryLogAttribution(t *testing.T) {
	ts := startServer(t, withSecret(t, "alice"))
	for _, v := range []string{"2026-07-28", "2025-11-25"} {
		t.Run(v, func(t *testing.T) {
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, v)
			marker := fmt.Sprintf("attr_%d", time.Now().UnixNano())
			if res := call(t, cs, "execute_query", map[string]any{"query": "SELECT '" + marker + "'"}); res.IsError {
				t.Fatal(text(res))
			}
			var got map[string]string
			raw := queryLogComment(t, marker)
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("log_comment %q: %v", raw, err)
			}
			if got["client"] != "chmcp-test" || got["client_version"] != "1" || got["tool"] != "execute_query" ||
				got["request_id"] == "" || got["auth"] != "config" || got["chmcp"] == "" {
				t.Fatalf("log_comment = %s", raw)
			}
		})
	}
	t.Run("openapi", func(t *testing.T) {
		ts := startServer(t, func(c *config.Config) { c.Server.OpenAPI.Enabled = true })
		marker := fmt.Sprintf("attr_oa_%d", time.Now().UnixNano())
		if code, body := postJSON(t, ts.URL+"/openapi/execute_query", `{"query": "SELECT '`+marker+`'"}`, nil); code != 200 {
			t.Fatalf("status %d: %v", code, body)
		}
		if raw := queryLogComment(t, marker); !strings.Contains(raw, `"client":"openapi"`) || !strings.Contains(raw, `"tool":"execute_query"`) {
			t.Fatalf("log_comment = %s", raw)
		}
	})
	t.Run("off", func(t *testing.T) {
		ts := startServer(t, func(c *config.Config) { c.ClickHouse.LogComment = false })
		cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
		marker := fmt.Sprintf("attr_off_%d", time.Now().UnixNano())
		call(t, cs, "execute_query", map[string]any{"query": "SELECT '" + marker + "'"})
		if raw := queryLogComment(t, marker); raw != "" {
			t.Fatalf("log_comment with clickhouse.log_comment off = %q", raw)
		}
	})
}
