package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

func TestSchema(t *testing.T) {
	exec(t, "CREATE DATABASE IF NOT EXISTS schema_t")
	for i := 0; i < 5; i++ {
		exec(t, fmt.Sprintf("CREATE TABLE IF NOT EXISTS schema_t.t%d (id UInt64 COMMENT 'the id', v String DEFAULT 'x', d Date) ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY id COMMENT 'table %d'", i, i))
	}
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()

	dbs, err := c.ListDatabases(ctx, anyone)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range dbs {
		found = found || d.Name == "schema_t"
	}
	if !found {
		t.Fatalf("schema_t missing from %+v", dbs)
	}

	// Paginate 2 at a time: t0 t1 | t2 t3 | t4.
	var names []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := c.ListTables(ctx, anyone, "schema_t", "t%", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range page.Tables {
			names = append(names, tb.Name)
		}
		if page.NextCursor == "" {
			if pages != 2 {
				t.Fatalf("want 3 pages, got %d", pages+1)
			}
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(names) != "[t0 t1 t2 t3 t4]" { // "odd..." does not match t%
		t.Fatalf("tables = %v", names)
	}
	// A cursor from another listing is refused.
	page, _ := c.ListTables(ctx, anyone, "schema_t", "", "", 2)
	if _, err := c.ListTables(ctx, anyone, "system", "", page.NextCursor, 2); err == nil {
		t.Fatal("cursor reused across databases was accepted")
	}
	if _, err := c.ListTables(ctx, anyone, "schema_t", "", "garbage!", 2); err == nil {
		t.Fatal("garbage cursor accepted")
	}
	var nf *NotFoundError
	if _, err := c.ListTables(ctx, anyone, "no_such_db", "", "", 2); !errors.As(err, &nf) {
		t.Fatalf("unknown database: want NotFoundError, got %v", err)
	}

	// Names with a backslash or a tab reach ClickHouse unchanged (query
	// parameters are unescaped by the server). The SQL spells the name
	// with escapes; Go holds it raw: odd\name<TAB>2.
	exec(t, "CREATE TABLE IF NOT EXISTS schema_t.`odd\\\\name\\t2` (a UInt8) ENGINE = Memory")
	const odd = "odd\\name\t2"
	if info, err := c.DescribeTable(ctx, anyone, "schema_t", odd); err != nil || info.Engine != "Memory" {
		t.Fatalf("table with a backslash and a tab in its name: %+v %v", info, err)
	}
	if page, err := c.ListTables(ctx, anyone, "schema_t", `odd\\%`, "", 10); err != nil || len(page.Tables) != 1 {
		t.Fatalf("LIKE with an escaped backslash: %+v %v", page, err)
	}

	info, err := c.DescribeTable(ctx, anyone, "schema_t", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if info.Engine != "MergeTree" || info.SortingKey != "id" || info.PartitionKey != "toYYYYMM(d)" || info.Comment != "table 1" {
		t.Fatalf("table info = %+v", info)
	}
	if len(info.Columns) != 3 || info.Columns[0].Comment != "the id" || !info.Columns[0].InSortingKey ||
		info.Columns[1].DefaultKind != "DEFAULT" || info.Columns[1].DefaultExpression != "'x'" || !info.Columns[2].InPartitionKey {
		t.Fatalf("columns = %+v", info.Columns)
	}
	if _, err := c.DescribeTable(ctx, anyone, "schema_t", "nope"); !errors.As(err, &nf) {
		t.Fatalf("unknown table: want NotFoundError, got %v", err)
	}

	ov, err := c.SchemaOverview(ctx, anyone, "")
	if err != nil {
		t.Fatal(err)
	}
	found = false
	for _, d := range ov.Databases {
		if d.Name == "schema_t" {
			found = true
			if len(d.Tables) != 6 { // t0..t4 and the odd name
				t.Fatalf("overview schema_t has %d tables", len(d.Tables))
			}
		}
		if slices.Contains(systemDatabases, d.Name) {
			t.Errorf("the overview lists the system database %s", d.Name)
		}
	}
	if !found {
		t.Fatalf("schema_t missing from the overview (truncated=%v)", ov.Truncated)
	}
	if fmt.Sprint(ov.Omitted) != "[INFORMATION_SCHEMA information_schema system]" {
		t.Errorf("omitted_databases = %v", ov.Omitted)
	}
	// Asked for by name, a system database is there.
	ov, err = c.SchemaOverview(ctx, anyone, "system")
	if err != nil || len(ov.Databases) != 1 || ov.Databases[0].Name != "system" || len(ov.Databases[0].Tables) < 10 || ov.Omitted != nil {
		t.Fatalf("overview of system: %+v %v", ov, err)
	}
	if _, err := c.SchemaOverview(ctx, anyone, "no_such_db"); !errors.As(err, &nf) {
		t.Fatalf("overview of an unknown database: want NotFoundError, got %v", err)
	}
	exec(t, "CREATE DATABASE IF NOT EXISTS schema_empty")
	if ov, err := c.SchemaOverview(ctx, anyone, "schema_empty"); err != nil || len(ov.Databases) != 1 || len(ov.Databases[0].Tables) != 0 {
		t.Fatalf("overview of an empty database: %+v %v", ov, err)
	}
}
