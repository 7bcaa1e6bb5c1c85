package clickhouse

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/config"
)

// harness is the ClickHouse of this package's integration tests (with the
// fixture users capped and dave), started by the first test that asks.
var harness = chtest.NewShared(chtest.FixtureOptions())

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func srv(t testing.TB) *chtest.Server { return harness.Server(t) }

func newTestClient(t testing.TB, cfg config.ClickHouseConfig) *Client {
	t.Helper()
	c, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec(t testing.TB, sql string) string {
	t.Helper()
	out, err := srv(t).Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
