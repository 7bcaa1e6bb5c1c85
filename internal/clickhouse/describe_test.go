package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/config"
)

// setupDescribe creates a table with every engine-clause feature, the
// views over it, and a table whose columns are named ttl and settings.
func setupDescribe(t *testing.T) {
	t.Helper()
	for _, q := range []string{
		"DROP DATABASE IF EXISTS describe_t",
		"CREATE DATABASE describe_t",
		"CREATE TABLE describe_t.events (id UInt64, ver UInt32, ts DateTime, msg String COMMENT 'the message' CODEC(ZSTD(3)), " +
			"INDEX idx_msg msg TYPE bloom_filter(0.01) GRANULARITY 4, PROJECTION by_ts (SELECT id, ts ORDER BY ts)) " +
			"ENGINE = ReplacingMergeTree(ver) PARTITION BY toYYYYMM(ts) ORDER BY (id, intHash32(id)) SAMPLE BY intHash32(id) " +
			"TTL ts + INTERVAL 30 DAY SETTINGS index_granularity = 4096, deduplicate_merge_projection_mode = 'drop'",
		"CREATE MATERIALIZED VIEW describe_t.counts ENGINE = SummingMergeTree ORDER BY id AS SELECT id, count() AS c FROM describe_t.events GROUP BY id",
		"CREATE TABLE describe_t.totals (id UInt64, c UInt64) ENGINE = MergeTree ORDER BY id",
		"CREATE MATERIALIZED VIEW describe_t.to_totals TO describe_t.totals AS SELECT id, count() AS c FROM describe_t.events GROUP BY id",
		"CREATE VIEW describe_t.recent AS SELECT id FROM describe_t.events WHERE ts > now() - INTERVAL 1 DAY",
		"CREATE TABLE describe_t.kw (ttl DateTime, settings UInt8) ENGINE = MergeTree ORDER BY (ttl, settings) " +
			"TTL ttl + INTERVAL 1 DAY DELETE WHERE settings = 1 SETTINGS index_granularity = 128",
	} {
		exec(t, q)
	}
}

func TestDescribeTable(t *testing.T) {
	setupDescribe(t)
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()

	info, err := c.DescribeTable(ctx, anyone, "describe_t", "events")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"engine":      "ReplacingMergeTree",
		"engine_full": "ReplacingMergeTree(ver) PARTITION BY toYYYYMM(ts) ORDER BY (id, intHash32(id)) SAMPLE BY intHash32(id) TTL ts + toIntervalDay(30) SETTINGS index_granularity = 4096, deduplicate_merge_projection_mode = 'drop'",
		"sampling":    "intHash32(id)",
		"ttl":         "ts + toIntervalDay(30)",
	}
	got := map[string]string{"engine": info.Engine, "engine_full": info.EngineFull, "sampling": info.SamplingKey, "ttl": info.TTL}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(info.SkipIndexes) != 1 || info.SkipIndexes[0] != (SkipIndex{Name: "idx_msg", Type: "bloom_filter(0.01)", Expression: "msg", Granularity: 4}) {
		t.Errorf("skip indexes = %+v", info.SkipIndexes)
	}
	if len(info.Projections) != 1 || info.Projections[0].Name != "by_ts" || info.Projections[0].Query != "SELECT id, ts ORDER BY ts" {
		t.Errorf("projections = %+v", info.Projections)
	}
	msg := info.Columns[3]
	if msg.Name != "msg" || msg.Codec != "CODEC(ZSTD(3))" || msg.Comment != "the message" || !info.Columns[0].InSamplingKey || msg.InSamplingKey {
		t.Errorf("columns = %+v", info.Columns)
	}
	views := map[string]bool{}
	for _, v := range info.DependentViews {
		views[v.Database+"."+v.Table] = true
	}
	if len(views) != 2 || !views["describe_t.counts"] || !views["describe_t.to_totals"] {
		t.Errorf("dependent views = %+v", info.DependentViews)
	}

	// A materialized view: its SELECT and where it writes.
	mv, err := c.DescribeTable(ctx, anyone, "describe_t", "to_totals")
	if err != nil {
		t.Fatal(err)
	}
	if mv.AsSelect != "SELECT id, count() AS c FROM describe_t.events GROUP BY id" || mv.Target == nil || *mv.Target != (TableRef{"describe_t", "totals"}) {
		t.Errorf("materialized view with TO: as_select %q, target %+v", mv.AsSelect, mv.Target)
	}
	inner, err := c.DescribeTable(ctx, anyone, "describe_t", "counts")
	if err != nil {
		t.Fatal(err)
	}
	if inner.Target == nil || inner.Target.Database != "describe_t" || !strings.HasPrefix(inner.Target.Table, ".inner_id.") {
		t.Fatalf("materialized view without TO: target %+v", inner.Target)
	}
	// Its storage table is hidden from listings but can be described.
	if st, err := c.DescribeTable(ctx, anyone, "describe_t", inner.Target.Table); err != nil || st.Engine != "SummingMergeTree" {
		t.Errorf("describe the inner table: %+v %v", st, err)
	}
	view, err := c.DescribeTable(ctx, anyone, "describe_t", "recent")
	if err != nil || view.Engine != "View" || !strings.HasPrefix(view.AsSelect, "SELECT id FROM describe_t.events WHERE ts > ") || view.Target != nil {
		t.Errorf("view: %+v %v", view, err)
	}

	// Columns named like the clause keywords do not confuse the TTL.
	kw, err := c.DescribeTable(ctx, anyone, "describe_t", "kw")
	if err != nil || kw.TTL != "ttl + toIntervalDay(1) WHERE settings = 1" {
		t.Errorf("TTL of a table with columns ttl and settings: %q (engine_full %q) %v", kw.TTL, kw.EngineFull, err)
	}
	// A plain table: no empty lists or objects in the JSON.
	plain, err := c.DescribeTable(ctx, anyone, "describe_t", "totals")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(plain)
	for _, key := range []string{"ttl", "skip_indexes", "projections", "target", "as_select", "sampling_key", "dependent_views"} {
		if strings.Contains(string(b), `"`+key+`"`) {
			t.Errorf("%s present for a plain table: %s", key, b)
		}
	}
}

// TestInnerTablesHidden: list_tables and the overview leave out the
// storage tables of materialized views (issue 12).
func TestInnerTablesHidden(t *testing.T) {
	setupDescribe(t)
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	page, err := c.ListTables(ctx, anyone, "describe_t", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range page.Tables {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, ","); got != "counts,events,kw,recent,to_totals,totals" {
		t.Errorf("list_tables = %s", got)
	}
	ov, err := c.SchemaOverview(ctx, anyone, "describe_t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range ov.Databases[0].Tables {
		if strings.HasPrefix(tb.Name, ".inner") {
			t.Errorf("the overview lists %s", tb.Name)
		}
	}
	if len(ov.Databases[0].Tables) != 6 {
		t.Errorf("overview of describe_t: %+v", ov.Databases[0].Tables)
	}
}

// TestEachOptional: metadata an older ClickHouse lacks (an unknown system
// table or column) reads as nothing; other errors still fail.
func TestEachOptional(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	for _, q := range []string{"SELECT no_such_column FROM system.tables", "SELECT name FROM system.no_such_table"} {
		if err := c.eachOptional(ctx, anyone, q, nil, ignoreRows); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	var qe *QueryError
	if err := c.eachOptional(ctx, anyone, "SELECT throwIf(1)", nil, ignoreRows); !errors.As(err, &qe) {
		t.Errorf("another error was swallowed: %v", err)
	}
}

func ignoreRows(driver.Rows) error { return nil }

func TestTTLClause(t *testing.T) {
	for engineFull, want := range map[string]string{
		"MergeTree ORDER BY id SETTINGS index_granularity = 8192":                                                                   "",
		"MergeTree ORDER BY id TTL d + toIntervalDay(1)":                                                                            "d + toIntervalDay(1)",
		"MergeTree ORDER BY ttl TTL ttl + toIntervalDay(1) SETTINGS index_granularity = 8192":                                       "ttl + toIntervalDay(1)",
		"MergeTree ORDER BY TTL SETTINGS index_granularity = 8192":                                                                  "",
		"MergeTree ORDER BY (a, TTL) TTL d + toIntervalDay(1) TO VOLUME 'slow', d + toIntervalDay(2) SETTINGS storage_policy = 'x'": "d + toIntervalDay(1) TO VOLUME 'slow', d + toIntervalDay(2)",
		"MergeTree ORDER BY id TTL d + toIntervalDay(1) WHERE s = ' SETTINGS ' SETTINGS a = 1":                                      "d + toIntervalDay(1) WHERE s = ' SETTINGS '",
		"MergeTree ORDER BY id TTL d + toIntervalDay(1) GROUP BY id SET v = max(v)":                                                 "d + toIntervalDay(1) GROUP BY id SET v = max(v)",
		"":       "",
		"Memory": "",
	} {
		if got := ttlClause(engineFull); got != want {
			t.Errorf("ttlClause(%q) = %q, want %q", engineFull, got, want)
		}
	}
}
