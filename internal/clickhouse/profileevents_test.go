package clickhouse

import (
	"context"
	"sync/atomic"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/config"
)

// TestNoProfileEventsPackets: ClickHouse sends no ProfileEvents packet
// after a caller's query (send_profile_events = 0). chmcp reads none, and
// a block of counters per query cost CPU on both ends. The driver calls a
// context's WithProfileEvents callback for each such packet it reads; the
// test's own direct query shows the callback does fire when they come.
func TestNoProfileEventsPackets(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	var got atomic.Int64
	ctx := ch.Context(context.Background(), ch.WithProfileEvents(func([]ch.ProfileEvent) { got.Add(1) }))

	// The callback works: a query without the setting gets the packets.
	rows, err := c.conn.Query(ctx, "SELECT count() FROM numbers(10)")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	rows.Close()
	if got.Load() == 0 {
		t.Fatal("no ProfileEvents packet even without the setting: the test cannot tell")
	}

	got.Store(0)
	if _, err := c.Query(ctx, anyone, "SELECT count() FROM numbers(10)", QueryOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.QueryRead(ctx, anyone, "SELECT 1", QueryOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := got.Load(); n != 0 {
		t.Fatalf("%d ProfileEvents packets reached chmcp's caller queries", n)
	}
}
