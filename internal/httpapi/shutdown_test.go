package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

// TestShutdownCutsCalls: calls still running at server.shutdown_timeout
// are cancelled and answered with an error (stateless and in a session),
// each is logged with its outcome, and Serve reports how many were cut.
func TestShutdownCutsCalls(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(c *config.Config) { c.Server.ShutdownTimeout = config.Duration(300 * time.Millisecond) })
	type result struct {
		version string
		res     *sdk.CallToolResult
		err     error
	}
	done := make(chan result, 2)
	marker := fmt.Sprintf("cut_%d", time.Now().UnixNano())
	for _, v := range []string{"2026-07-28", "2025-11-25"} {
		// No standalone stream: its end at shutdown races the answer on the
		// client side, and the go-sdk client then fails the call.
		cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", MaxRetries: -1, DisableStandaloneSSE: true}, v)
		go func() {
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{
				"query":    "SELECT sleepEachRow(1), '" + marker + "' FROM numbers(60)",
				"settings": map[string]any{"max_block_size": 1},
			}})
			done <- result{v, res, err}
		}()
	}
	waitUntil(t, 10*time.Second, func() bool {
		out, err := chs(t).Exec(context.Background(), "SELECT count() FROM system.processes WHERE query LIKE '%"+marker+"%' AND query NOT LIKE '%system.processes%'")
		return err == nil && strings.TrimSpace(out) == "2"
	})
	start := time.Now()
	ts.stop()
	for range 2 {
		select {
		case r := <-done:
			if r.err != nil || !r.res.IsError || !strings.Contains(text(r.res), "the server is shutting down") {
				t.Errorf("%s: a cut call must get an error answer: err=%v result=%v", r.version, r.err, r.res)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a cut call got no answer")
		}
	}
	err := <-ts.done
	ts.done <- nil // for the cleanup
	var ce *mcp.CutError
	if !errors.As(err, &ce) || ce.Calls != 2 {
		t.Fatalf("Serve returned %v, want a CutError of 2 calls", err)
	}
	t.Logf("stopped %v after the signal", time.Since(start).Round(10*time.Millisecond))
	waitUntil(t, 3*time.Second, func() bool { return !queryRunning(t, marker) })
	logs := ts.Logs.String()
	if n := strings.Count(logs, `"msg":"tool call failed"`); n != 2 || strings.Count(logs, `"error":"cancelled"`) != 2 {
		t.Fatalf("%d cut calls logged, want 2 with error cancelled:\n%s", n, logs)
	}
	if !strings.Contains(logs, `"msg":"stopped after cutting calls"`) {
		t.Fatal("no final log line about the cut calls")
	}
}
