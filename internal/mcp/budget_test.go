package mcp

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"unsafe"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
)

const (
	testMaxResult = 64 << 10
	// A query whose result is cut at testMaxResult bytes.
	bigQuery = `{"query": "SELECT number, repeat('x', 100) FROM numbers(5000)"}`
)

// budgetService is a service over the harness ClickHouse with results
// capped at testMaxResult bytes and an in-flight budget of limit bytes.
func budgetService(t *testing.T, limit int64) (*Service, *budget.Budget) {
	t.Helper()
	cfg := chs(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxResultBytes, cfg.MaxResultRows = testMaxResult, 100_000
	ch, err := clickhouse.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	b := budget.New(limit)
	return NewService(ch, slog.New(slog.DiscardHandler), "test", WithResultBudget(b)), b
}

// TestResultsAreEncodedOnce: a query result is encoded once, as its rows
// arrive: the text content is the structured content's bytes, not a copy,
// and the call holds about one result's worth of the budget (its buffer
// doubles as it grows), then gives it all back.
func TestResultsAreEncodedOnce(t *testing.T) {
	t.Parallel()
	s, b := budgetService(t, 100*testMaxResult)
	res, ok := s.CallResult(context.Background(), "execute_query", json.RawMessage(bigQuery))
	if !ok || res.IsError {
		t.Fatalf("call failed: %+v", res)
	}
	structured := res.StructuredContent.(json.RawMessage)
	text := res.Content[0].(*sdk.TextContent).Text
	if unsafe.StringData(text) != unsafe.SliceData(structured) || len(text) != len(structured) {
		t.Fatal("the text content is a copy of the structured content")
	}
	var out clickhouse.Result
	if err := json.Unmarshal(structured, &out); err != nil || !out.Truncated || out.TruncatedReason != clickhouse.ReasonMaxBytes {
		t.Fatalf("want a result cut at max_result_bytes: %v %+v", err, out)
	}
	st := b.Stats()
	if st.InUse != 0 {
		t.Fatalf("%d bytes still held after the call", st.InUse)
	}
	if st.Peak < int64(len(structured)) || st.Peak > 2*testMaxResult+8<<10 {
		t.Fatalf("the call held %d bytes at its peak for a %d-byte result (cap %d): want between one and two caps",
			st.Peak, len(structured), testMaxResult)
	}
}

// TestBusyWhenTheBudgetIsFull: a call that finds the budget full fails at
// once with "server busy", before or while it reads its rows, and gives
// back what it held; the budget serves again once others release theirs.
func TestBusyWhenTheBudgetIsFull(t *testing.T) {
	t.Parallel()
	const limit = 4 * testMaxResult
	s, b := budgetService(t, limit)
	other, releaseOther := budget.With(context.Background(), b) // another call in flight
	for _, c := range []struct {
		name string
		held int64 // by the other call
	}{
		{"full before the query", limit},
		{"full while the rows arrive", limit - testMaxResult/2},
	} {
		t.Run(c.name, func(t *testing.T) {
			releaseOther()
			if err := budget.From(other).Reserve(c.held); err != nil {
				t.Fatal(err)
			}
			refused := b.Stats().Refused
			res, ok := s.CallResult(context.Background(), "execute_query", json.RawMessage(bigQuery))
			if !ok || !res.IsError {
				t.Fatalf("want a tool error: %+v", res)
			}
			if text := resultText(res); !strings.HasPrefix(text, "server busy") || !strings.Contains(text, "server.max_inflight_result_bytes") {
				t.Fatalf("error text %q", text)
			}
			if kind := res.Meta[MetaError].(map[string]any)["kind"]; kind != KindBusy {
				t.Fatalf("kind %v, want %s", kind, KindBusy)
			}
			if st := b.Stats(); st.InUse != c.held || st.Refused != refused+1 {
				t.Fatalf("after the refusal: %+v, want %d in use (the other call's) and one more refusal", st, c.held)
			}
		})
	}
	releaseOther()
	if res, _ := s.CallResult(context.Background(), "execute_query", json.RawMessage(bigQuery)); res.IsError {
		t.Fatalf("after the release: %s", resultText(res))
	}
}

// TestTransportHoldsUntilWritten: under HoldResults the result stays
// accounted after Call returns, until the transport has written it.
func TestTransportHoldsUntilWritten(t *testing.T) {
	t.Parallel()
	s, b := budgetService(t, 100*testMaxResult)
	ctx, release := s.HoldResults(context.Background())
	res, _ := s.CallResult(ctx, "execute_query", json.RawMessage(bigQuery))
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if held := b.Stats().InUse; held < int64(len(res.StructuredContent.(json.RawMessage))) {
		t.Fatalf("%d bytes held while the result waits to be written", held)
	}
	release()
	if held := b.Stats().InUse; held != 0 {
		t.Fatalf("%d bytes held after the release", held)
	}
}
