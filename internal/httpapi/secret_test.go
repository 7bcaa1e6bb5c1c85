package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
)

// TestSecretEndToEnd: MCP client -> chmcp -> ClickHouse; query_log
// attributes the query to the user, as a secondary (interserver) query.
func TestSecretEndToEnd(t *testing.T) {
	ts := startServer(t, withSecret(t, "alice"))
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	marker := fmt.Sprintf("mcp_e2e_%d", time.Now().UnixNano())
	res := call(t, cs, "execute_query", map[string]any{"query": "SELECT currentUser(), '" + marker + "'"})
	if res.IsError || !strings.Contains(text(res), `"alice"`) {
		t.Fatalf("result: %s", text(res))
	}
	if res.Meta["chmcp/user"] != "alice" {
		t.Fatalf("result metadata user = %v", res.Meta["chmcp/user"])
	}
	if _, err := chs(t).Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	got, err := chs(t).Exec(context.Background(), "SELECT user, initial_user, is_initial_query FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%' FORMAT TSV")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "alice\talice\t1" {
		t.Fatalf("query_log: %q, want alice alice 1 (an initial query)", got)
	}
	if strings.Contains(ts.Logs.String(), chs(t).ClusterSecret) {
		t.Fatal("secret in logs")
	}
	if !strings.Contains(ts.Logs.String(), `"user":"alice"`) {
		t.Fatal("the call log does not name the user")
	}
}

func TestSecretHealthCatchesWrongSecret(t *testing.T) {
	ts := startServer(t, func(c *config.Config) {
		withSecret(t, "alice")(c)
		c.ClickHouse.ClusterSecret = "wrong"
	})
	code, body := get(t, ts.URL+"/health")
	ch, _ := body["clickhouse"].(map[string]any)
	if code != 503 || !strings.Contains(fmt.Sprint(ch["error"]), "rejected interserver authentication") {
		t.Fatalf("health with a wrong secret: %d %v", code, body)
	}
}
