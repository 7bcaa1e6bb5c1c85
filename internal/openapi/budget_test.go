package openapi

import (
	"context"
	"testing"

	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

// TestBusy: a call that finds the result budget full is a 503 with
// Retry-After and kind "busy"; a result is held until its body is
// written, then released.
func TestBusy(t *testing.T) {
	t.Parallel()
	const maxResult = 64 << 10
	b := budget.New(maxResult)
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.MaxResultBytes = maxResult }, svc: []mcp.Option{mcp.WithResultBudget(b)}})
	other, release := budget.With(context.Background(), b)
	if err := budget.From(other).Reserve(maxResult); err != nil {
		t.Fatal(err)
	}
	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT 1"}`)
	if got := r.errorOf(t); r.Status != 503 || got["kind"] != kindBusy || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("budget full: %d %v %s", r.Status, r.Header, r.Body)
	}
	release()
	if r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT 1"}`); r.Status != 200 {
		t.Fatalf("after the release: %d %s", r.Status, r.Body)
	}
	if st := b.Stats(); st.InUse != 0 {
		t.Fatalf("budget after the call: %+v", st)
	}
}
