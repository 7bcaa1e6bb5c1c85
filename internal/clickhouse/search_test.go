package clickhouse

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

func matchKeys(ms []SchemaMatch) string {
	var out []string
	for _, m := range ms {
		k := m.Kind + ":" + m.Database
		if m.Table != "" {
			k += "." + m.Table
		}
		if m.Column != "" {
			k += "." + m.Column
		}
		out = append(out, k+"/"+m.MatchedOn)
	}
	return strings.Join(out, " ")
}

func TestSearchSchema(t *testing.T) {
	for _, q := range []string{
		"DROP DATABASE IF EXISTS search_t", "DROP DATABASE IF EXISTS search_orders",
		"CREATE DATABASE search_t", "CREATE DATABASE search_orders COMMENT 'shop data'",
		"CREATE TABLE search_t.Orders (id UInt64, customer_id UInt64 COMMENT 'who placed the ORDER', amount Decimal(10, 2)) ENGINE = MergeTree ORDER BY id",
		"CREATE TABLE search_t.customers (id UInt64, name String, `100%_done` UInt8) ENGINE = MergeTree ORDER BY id COMMENT 'people who order things'",
		"CREATE TABLE search_t.events (id UInt64, ts DateTime) ENGINE = MergeTree ORDER BY id",
		"CREATE MATERIALIZED VIEW search_t.order_counts ENGINE = SummingMergeTree ORDER BY id AS SELECT id, count() AS c FROM search_t.Orders GROUP BY id",
		"CREATE TABLE search_orders.items (order_id UInt64, `ünïcödé_ORDER` String) ENGINE = Memory",
	} {
		exec(t, q)
	}
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	search := func(s SchemaSearch) *SearchPage {
		t.Helper()
		if s.Limit == 0 {
			s.Limit = 100
		}
		page, err := c.SearchSchema(ctx, anyone, s)
		if err != nil {
			t.Fatal(err)
		}
		return page
	}

	// Case-insensitive substring of names and comments, databases first,
	// then tables, then columns; a view's storage table is not matched.
	all := search(SchemaSearch{Text: "oRdEr", Databases: []string{"search_t", "search_orders"}})
	got := matchKeys(all.Matches)
	want := "database:search_orders/name " +
		"table:search_t.Orders/name table:search_t.customers/comment table:search_t.order_counts/name " +
		"column:search_orders.items.order_id/name column:search_orders.items.ünïcödé_ORDER/name column:search_t.Orders.customer_id/comment"
	if got != want || all.NextCursor != "" {
		t.Fatalf("search order:\n got %s\nwant %s (next %q)", got, want, all.NextCursor)
	}
	if m := all.Matches[1]; m.Engine != "MergeTree" || m.Kind != "table" {
		t.Errorf("table match: %+v", m)
	}
	if m := all.Matches[len(all.Matches)-1]; m.Type != "UInt64" || m.Comment != "who placed the ORDER" {
		t.Errorf("column match: %+v", m)
	}
	// Pages of 2 give the same matches, in order.
	var paged []SchemaMatch
	cursor := ""
	for pages := 0; ; pages++ {
		page := search(SchemaSearch{Text: "oRdEr", Databases: []string{"search_t", "search_orders"}, Cursor: cursor, Limit: 2})
		paged = append(paged, page.Matches...)
		if page.NextCursor == "" {
			if pages != 3 {
				t.Errorf("%d pages, want 4", pages+1)
			}
			break
		}
		cursor = page.NextCursor
	}
	if matchKeys(paged) != want {
		t.Fatalf("paged:\n got %s\nwant %s", matchKeys(paged), want)
	}
	// A cursor belongs to its search.
	first := search(SchemaSearch{Text: "order", Databases: []string{"search_t"}, Limit: 1})
	var ge *GuardError
	for _, s := range []SchemaSearch{
		{Text: "orders", Databases: []string{"search_t"}, Cursor: first.NextCursor, Limit: 1},
		{Text: "order", Cursor: first.NextCursor, Limit: 1},
		{Text: "order", Databases: []string{"search_t"}, Cursor: "not a cursor", Limit: 1},
	} {
		if _, err := c.SearchSchema(ctx, anyone, s); !errors.As(err, &ge) || !strings.Contains(err.Error(), "invalid cursor") {
			t.Errorf("%+v: %v", s, err)
		}
	}

	// No wildcards: % and _ are themselves; quotes and backslashes are text.
	if got := matchKeys(search(SchemaSearch{Text: "0%_d", Databases: []string{"search_t"}}).Matches); got != "column:search_t.customers.100%_done/name" {
		t.Errorf("%%_ search: %s", got)
	}
	for _, text := range []string{"' OR 1 = 1 --", `\`, "{text:String}"} {
		if ms := search(SchemaSearch{Text: text, Databases: []string{"search_t"}}).Matches; len(ms) != 0 {
			t.Errorf("%q matched %s", text, matchKeys(ms))
		}
	}
	if ms := search(SchemaSearch{Text: "%", Databases: []string{"search_t"}}).Matches; matchKeys(ms) != "column:search_t.customers.100%_done/name" {
		t.Errorf("%% matched %s", matchKeys(ms))
	}

	// Without databases, the system ones are left out; named, they are searched.
	for _, m := range search(SchemaSearch{Text: "query_log", Limit: 500}).Matches {
		if m.Database == "system" || strings.EqualFold(m.Database, "information_schema") {
			t.Fatalf("system database searched by default: %+v", m)
		}
	}
	if ms := search(SchemaSearch{Text: "query_log", Databases: []string{"system"}}).Matches; len(ms) == 0 || ms[0].Table != "query_log" {
		t.Errorf("system.query_log not found when asked for: %s", matchKeys(ms))
	}
	// Databases that do not exist are simply not matched.
	if ms := search(SchemaSearch{Text: "order", Databases: []string{"no_such_db"}}).Matches; len(ms) != 0 {
		t.Errorf("matches in a missing database: %s", matchKeys(ms))
	}
}
