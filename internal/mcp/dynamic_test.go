package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

func sql(t *testing.T, stmts ...string) string {
	t.Helper()
	var out string
	for _, s := range stmts {
		var err error
		if out, err = chs(t).Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return strings.TrimSpace(out)
}

// setupDyn creates the objects the generated tools come from.
func setupDyn(t *testing.T) {
	t.Helper()
	sql(t,
		"DROP DATABASE IF EXISTS dyn", "DROP DATABASE IF EXISTS secret_db",
		"CREATE DATABASE dyn", "CREATE DATABASE secret_db",
		"CREATE TABLE dyn.orders (id UInt64, status LowCardinality(String), qty UInt32 DEFAULT 1, note Nullable(String) COMMENT 'Free text', "+
			"created DateTime DEFAULT now(), doubled UInt64 MATERIALIZED qty * 2) ENGINE = MergeTree ORDER BY id COMMENT 'Customer orders'",
		"INSERT INTO dyn.orders (id, status, qty) VALUES (1, 'open', 5), (2, 'open', 1), (3, 'closed', 9)",
		`CREATE VIEW dyn.orders_by_status AS SELECT id, qty FROM dyn.orders WHERE status = {status:String} AND qty >= {min_qty:UInt32} ORDER BY id `+
			`COMMENT '{"title": "Orders by status", "description": "Orders in a status with at least min_qty items.", "params": {"status": "open or closed"}}'`,
		"CREATE VIEW dyn.open_orders AS SELECT id FROM dyn.orders WHERE status = 'open' ORDER BY id COMMENT 'Open orders, plain text comment'",
		"CREATE VIEW dyn.all_types AS SELECT {u8:UInt8} AS u8, {i64:Int64} AS i64, {u64:UInt64} AS u64, toString({i128:Int128}) AS i128, "+
			"{f:Float64} AS f, {d:Decimal(10, 2)} AS d, {b:Bool} AS b, {s:String} AS s, {fs:FixedString(40)} AS fs, "+
			"{dt:Date} AS dt, {d32:Date32} AS d32, {ts:DateTime} AS ts, {ts64:DateTime64(3)} AS ts64, {uid:UUID} AS uid, "+
			"{e:Enum8('a' = 1, 'b' = 2)} AS e, {ip4:IPv4} AS ip4, {ip6:IPv6} AS ip6, {ns:Nullable(String)} AS ns, "+
			"{arr:Array(String)} AS arr, {arrn:Array(Nullable(UInt8))} AS arrn, {lc:LowCardinality(String)} AS lc, {m:Map(String, UInt8)} AS m",
		"CREATE VIEW secret_db.salaries AS SELECT 1 AS amount",
	)
}

var dynRules = []config.ToolRule{
	{Type: config.ToolRead, ViewRegexp: `^(dyn|secret_db)\.`, Prefix: "q_"},
	{Type: config.ToolWrite, TableRegexp: `^dyn\.orders$`, Mode: config.ModeInsert, Prefix: "add_"},
}

type dynOpts struct {
	writable bool // default: clickhouse.read_only
	secret   bool // interserver secret: queries run as the identity's user
	rules    []config.ToolRule
	ttl      time.Duration
}

func dynService(t *testing.T, o dynOpts) (*Service, *chtest.LogBuffer) {
	t.Helper()
	cfg := chs(t).ClickHouseConfig(config.ProtocolTCP)
	if o.secret {
		cfg = chs(t).SecretConfig("bob")
	}
	cfg.ReadOnly = !o.writable
	logs := &chtest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ch, err := clickhouse.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	if o.rules == nil {
		o.rules = dynRules
	}
	if o.ttl == 0 {
		o.ttl = time.Minute
	}
	return NewService(ch, log, "test", WithToolRules(o.rules, o.ttl)), logs
}

func as(user string) context.Context {
	return identity.With(context.Background(), identity.Identity{User: user, Source: identity.SourceSubject})
}

func toolNames(tools []Tool) map[string]*sdk.Tool {
	out := map[string]*sdk.Tool{}
	for _, t := range tools {
		out[t.Def.Name] = t.Def
	}
	return out
}

// callTool runs a tool through Service.Call (the OpenAPI path) and returns
// its result; rows are decoded when it succeeded.
func callTool(t *testing.T, ctx context.Context, s *Service, name string, args map[string]any) (*sdk.CallToolResult, *clickhouse.Result) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := s.CallResult(ctx, name, raw)
	if !ok {
		t.Fatalf("tool %s not found", name)
	}
	if res.IsError {
		return res, nil
	}
	var out clickhouse.Result
	if err := json.Unmarshal(res.StructuredContent.(json.RawMessage), &out); err != nil {
		t.Fatal(err)
	}
	return res, &out
}

func resultText(res *sdk.CallToolResult) string { return res.Content[0].(*sdk.TextContent).Text }

// row0 maps column names to the first row's JSON values.
func row0(t *testing.T, r *clickhouse.Result) map[string]string {
	t.Helper()
	if r.Row(0) == nil {
		t.Fatal("no rows")
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(r.Row(0), &vals); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, c := range r.Columns {
		out[c.Name] = string(vals[i])
	}
	return out
}

func TestDynamicReadTool(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{})
	tools := toolNames(s.ToolsFor(context.Background()))
	for _, want := range []string{"execute_query", "q_orders_by_status", "q_open_orders", "q_all_types", "q_salaries"} {
		if tools[want] == nil {
			t.Fatalf("tool %s missing; have %v", want, slices.Sorted(maps.Keys(tools)))
		}
	}
	if tools["add_orders"] != nil {
		t.Fatal("write tool offered on a read-only server")
	}
	def := tools["q_orders_by_status"]
	if def.Title != "Orders by status" || !strings.HasPrefix(def.Description, "Orders in a status with at least min_qty items.") {
		t.Errorf("title/description from the JSON comment: %q / %q", def.Title, def.Description)
	}
	a := def.Annotations
	if !a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint || !a.IdempotentHint || a.OpenWorldHint == nil || *a.OpenWorldHint {
		t.Errorf("read tool annotations: %+v", a)
	}
	var schema struct {
		Properties           map[string]map[string]any `json:"properties"`
		Required             []string                  `json:"required"`
		AdditionalProperties bool                      `json:"additionalProperties"`
	}
	if err := json.Unmarshal(def.InputSchema.(json.RawMessage), &schema); err != nil {
		t.Fatal(err)
	}
	if len(schema.Required) != 2 || schema.AdditionalProperties || schema.Properties["min_qty"]["type"] != "integer" ||
		!strings.HasPrefix(schema.Properties["status"]["description"].(string), "open or closed (ClickHouse type String)") {
		t.Errorf("input schema: %+v", schema)
	}
	if !strings.HasPrefix(tools["q_open_orders"].Description, "Open orders, plain text comment") {
		t.Errorf("plain comment: %q", tools["q_open_orders"].Description)
	}

	_, r := callTool(t, context.Background(), s, "q_orders_by_status", map[string]any{"status": "open", "min_qty": 2})
	if r == nil || r.RowCount != 1 || string(r.Row(0)) != `["1",5]` {
		t.Fatalf("orders_by_status: %+v", r)
	}
	if _, r := callTool(t, context.Background(), s, "q_open_orders", nil); r == nil || r.RowCount != 2 {
		t.Fatalf("open_orders: %+v", r)
	}
	for args, want := range map[string]string{
		`{"status": "open"}`:                                   `"min_qty" is required`,
		`{"status": "open", "min_qty": 1, "limit": 3}`:         `unknown parameter(s) "limit"`,
		`{"status": "open", "min_qty": "2"}`:                   `"min_qty" must be an integer`,
		`{"status": "open", "min_qty": -1}`:                    `"min_qty" must be between 0 and 4294967295`,
		`{"status": ["open"], "min_qty": 1}`:                   `"status" must be a string`,
		`["open", 1]`:                                          `arguments must be a JSON object`,
		`{"status": "open", "min_qty": 1, "status2": "x; --"}`: `unknown parameter(s) "status2"`,
	} {
		res, ok := s.CallResult(context.Background(), "q_orders_by_status", json.RawMessage(args))
		if !ok || !res.IsError || !strings.Contains(resultText(res), "invalid arguments: "+want) {
			t.Errorf("%s: %v", args, resultText(res))
		}
	}
}

// TestDynamicInjection: every parameter type gets quote, comment,
// semicolon and escape payloads. String-typed parameters must return them
// as data, unchanged; the others must refuse them as invalid arguments
// before anything reaches ClickHouse. The tables are intact afterwards.
func TestDynamicInjection(t *testing.T) {
	t.Parallel()
	setupDyn(t)
	t.Run("configured user", func(t *testing.T) {
		s, _ := dynService(t, dynOpts{writable: true})
		checkInjection(t, context.Background(), s)
	})
	// With the interserver secret every query is a secondary one.
	t.Run("secret", func(t *testing.T) {
		s, _ := dynService(t, dynOpts{writable: true, secret: true})
		checkInjection(t, as("carol"), s)
	})
}

func checkInjection(t *testing.T, ctx context.Context, s *Service) {
	base := map[string]any{
		"u8": 1, "i64": -2, "u64": json.Number("18446744073709551615"), "i128": "-170141183460469231731687303715884105728",
		"f": 1.5, "d": 12.34, "b": true, "s": "x", "fs": "y", "dt": "2024-01-02", "d32": "1900-01-01",
		"ts": "2024-01-02T03:04:05Z", "ts64": "2024-01-02T03:04:05.123+01:00", "uid": "123e4567-e89b-12d3-a456-426614174000",
		"e": "b", "ip4": "10.0.0.1", "ip6": "::1", "arr": []any{"a", "b"}, "arrn": []any{1, nil}, "lc": "z", "m": "{'k':1}",
	}
	_, r := callTool(t, ctx, s, "q_all_types", base)
	if r == nil {
		t.Fatal("valid arguments refused")
	}
	got := row0(t, r)
	for col, want := range map[string]string{
		"u8": "1", "i64": `"-2"`, "u64": `"18446744073709551615"`, "i128": `"-170141183460469231731687303715884105728"`,
		"f": "1.5", "b": "true", "s": `"x"`, "dt": `"2024-01-02"`, "ts": `"2024-01-02 03:04:05"`,
		"ts64": `"2024-01-02 02:04:05.123"`, "uid": `"123e4567-e89b-12d3-a456-426614174000"`, "e": `"b"`,
		"ns": "null", "arr": `["a","b"]`, "arrn": "[1,null]", "lc": `"z"`, "m": `{"k":1}`,
	} {
		if got[col] != want {
			t.Errorf("%s = %s, want %s", col, got[col], want)
		}
	}

	before := sql(t, "SELECT count() FROM dyn.orders")
	payloads := []any{
		"' OR 1=1 --", "1; DROP TABLE dyn.orders", "/* */", "x'); DROP TABLE dyn.orders; --", `\'`, `\`, `a\`, `\\N`, `\N`,
		`"`, "`", "{s:String}", "}", "\t\n\r", "\x00", "ü'", "0x1F", "1 OR 1=1", "2024-01-02' OR '1'='1",
		[]any{"a", "'); DROP TABLE dyn.orders; --"}, []any{1, "2); DROP TABLE dyn.orders; --"}, []any{"]", "[", `\`},
		map[string]any{"$": "1; DROP"}, json.Number("1e400"), json.Number("1e999999999"),
	}
	stringTyped := map[string]bool{"s": true, "fs": true, "ns": true, "lc": true}
	for param := range base {
		for _, p := range payloads {
			args := maps.Clone(base)
			args[param] = p
			res, r := callTool(t, ctx, s, "q_all_types", args)
			str, isString := p.(string)
			arr, isArray := p.([]any)
			switch {
			case stringTyped[param] && isString:
				if r == nil {
					t.Errorf("%s = %q refused: %s", param, p, resultText(res))
					continue
				}
				want, _ := json.Marshal(str)
				g := row0(t, r)[param]
				if param == "fs" { // FixedString pads with NUL bytes
					for strings.HasSuffix(g, `\u0000"`) {
						g = strings.TrimSuffix(g, `\u0000"`) + `"`
					}
				}
				if g != string(want) && !(param == "fs" && strings.ContainsRune(str, 0)) {
					t.Errorf("%s = %q came back as %s", param, p, g)
				}
			case param == "arr" && isArray && allStrings(arr):
				want, _ := json.Marshal(arr)
				if r == nil || row0(t, r)[param] != string(want) {
					t.Errorf("arr = %q: %v", p, res.Content)
				}
			case param == "m" && isString:
				// Map is passed in ClickHouse's text form, which
				// ClickHouse's Map parser (not the SQL parser) rejects.
				if r != nil && strings.Contains(row0(t, r)["m"], "DROP") {
					t.Errorf("m = %q: %s", p, row0(t, r)["m"])
				}
			default:
				if r != nil || !strings.Contains(resultText(res), "invalid arguments") {
					t.Errorf("%s = %v accepted or not refused as invalid arguments: %v", param, p, res.Content)
				}
			}
		}
	}
	if after := sql(t, "SELECT count() FROM dyn.orders"); after != before {
		t.Fatalf("dyn.orders changed: %s rows, was %s", after, before)
	}
	if n := sql(t, "SELECT count() FROM system.tables WHERE database = 'dyn'"); n != "4" {
		t.Fatalf("dyn has %s tables, want 4", n)
	}
}

func allStrings(a []any) bool {
	for _, v := range a {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

func TestDynamicInsertTool(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{writable: true})
	ctx := context.Background()
	def := toolNames(s.ToolsFor(ctx))["add_orders"]
	if def == nil {
		t.Fatal("no write tool on a writable server")
	}
	a := def.Annotations
	if a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint || a.IdempotentHint || *a.OpenWorldHint {
		t.Errorf("insert tool annotations: %+v", a)
	}
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	_ = json.Unmarshal(def.InputSchema.(json.RawMessage), &schema)
	if fmt.Sprint(schema.Required) != "[id status]" || schema.Properties["doubled"] != nil || len(schema.Properties) != 5 ||
		!strings.HasPrefix(schema.Properties["note"]["description"].(string), "Free text") {
		t.Errorf("insert schema: %+v", schema)
	}

	evil := "it's'); DROP TABLE dyn.orders; --\\"
	raw, _ := json.Marshal(map[string]any{"id": 42, "status": "new", "note": evil})
	res, ok := s.CallResult(ctx, "add_orders", raw)
	if !ok || res.IsError {
		t.Fatalf("insert: %v", res.Content)
	}
	var out insertOut
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if out.Rows != 1 || out.Table != "dyn.orders" || out.QueryID == "" {
		t.Errorf("insert result: %+v", out)
	}
	if got := sql(t, "SELECT count(), any(status), any(qty), any(note) = "+"'"+strings.ReplaceAll(strings.ReplaceAll(evil, `\`, `\\`), "'", `\'`)+"'"+
		", any(doubled) FROM dyn.orders WHERE id = 42 FORMAT TSV"); got != "1\tnew\t1\t1\t2" {
		t.Errorf("inserted row: %q", got)
	}
	if got := sql(t, "SELECT count() FROM dyn.orders"); got != "4" {
		t.Errorf("rows after one insert: %s", got)
	}
	for args, want := range map[string]string{
		`{"status": "x"}`:                        `"id" is required`,
		`{"id": 1, "status": "x", "qty": -1}`:    `"qty" must be between 0 and 4294967295`,
		`{"id": 1, "status": "x", "doubled": 2}`: `unknown parameter(s) "doubled"`,
	} {
		if res, _ := s.CallResult(ctx, "add_orders", json.RawMessage(args)); !res.IsError || !strings.Contains(resultText(res), want) {
			t.Errorf("%s: %s", args, resultText(res))
		}
	}
}

// TestDynamicPerIdentity: discovery runs as the caller, so carol (SELECT
// on dyn only) is not offered secret_db's view, alice is; each identity
// has its own server, cached.
func TestDynamicPerIdentity(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{secret: true})
	alice, carol := toolNames(s.ToolsFor(as("alice"))), toolNames(s.ToolsFor(as("carol")))
	if alice["q_salaries"] == nil || alice["q_orders_by_status"] == nil {
		t.Fatalf("alice's tools: %v", slices.Sorted(maps.Keys(alice)))
	}
	if carol["q_salaries"] != nil || carol["q_orders_by_status"] == nil {
		t.Fatalf("carol's tools: %v", slices.Sorted(maps.Keys(carol)))
	}
	if _, ok := s.CallResult(as("carol"), "q_salaries", nil); ok {
		t.Fatal("carol can call a tool discovered for alice")
	}
	aliceSrv, aliceSrvAgain := s.ServerFor(as("alice")), s.ServerFor(as("alice"))
	if aliceSrv == s.ServerFor(as("carol")) || aliceSrv != aliceSrvAgain {
		t.Fatal("servers are not per identity, or not cached")
	}
	res, r := callTool(t, as("carol"), s, "q_orders_by_status", map[string]any{"status": "closed", "min_qty": 0})
	if r == nil || r.User != "carol" || res.Meta["chmcp/user"] != "carol" || r.RowCount != 1 {
		t.Fatalf("carol's call: %+v %v", r, res.Content)
	}
}

// TestDynamicServerBound: the least recently used identity's server goes
// when the bound is reached; the next call as that identity builds anew.
func TestDynamicServerBound(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{secret: true})
	s.dyn.max = 2
	alice := s.ServerFor(as("alice"))
	carol := s.ServerFor(as("carol"))
	if s.ServerFor(as("alice")) != alice {
		t.Fatal("not cached")
	}
	s.ServerFor(as("bob")) // evicts carol, the least recently used
	if len(s.dyn.entries) != 2 || s.ServerFor(as("alice")) != alice {
		t.Fatal("alice's server was evicted")
	}
	if s.ServerFor(as("carol")) == carol {
		t.Fatal("carol's server survived the bound")
	}
}

func TestDynamicSkipsAndCollisions(t *testing.T) {
	sql(t, "DROP DATABASE IF EXISTS dyn2", "DROP DATABASE IF EXISTS dyn3", "CREATE DATABASE dyn2", "CREATE DATABASE dyn3",
		"CREATE VIEW dyn2.execute_query AS SELECT 1 AS x",
		"CREATE VIEW dyn2.same AS SELECT 2 AS x", "CREATE VIEW dyn3.same AS SELECT 3 AS x",
		"CREATE TABLE dyn2.`bad col` (`needed one` UInt8, ok UInt8) ENGINE = Memory",
		"CREATE TABLE dyn2.`fine` (`optional one` UInt8 DEFAULT 0, ok UInt8) ENGINE = Memory")
	s, logs := dynService(t, dynOpts{writable: true, rules: []config.ToolRule{
		{Type: config.ToolRead, ViewRegexp: `^dyn[23]\.`},
		{Type: config.ToolWrite, TableRegexp: `^dyn2\.`, Mode: config.ModeInsert, Prefix: "w."},
	}})
	tools := toolNames(s.ToolsFor(context.Background()))
	if tools["execute_query"].Description != s.tools[0].Def.Description {
		t.Error("a view replaced the built-in execute_query")
	}
	if _, r := callTool(t, context.Background(), s, "same", nil); r == nil || string(r.Row(0)) != "[2]" {
		t.Errorf("same: %+v (the first match in database order wins)", r)
	}
	if tools["w.bad_col"] != nil || tools["w.fine"] == nil || strings.Contains(string(tools["w.fine"].InputSchema.(json.RawMessage)), "optional one") {
		t.Errorf("write tools: %v", slices.Sorted(maps.Keys(tools)))
	}
	for _, want := range []string{
		`view dyn2.execute_query: tool name \"execute_query\" is taken by a built-in tool`,
		`view dyn3.same: tool name \"same\" is taken by view dyn2.same`,
		`table dyn2.bad col: required column \"needed one\" cannot be a tool argument`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// TestDynamicListChanged is the stdio path: NewServer serves the
// configuration identity; when a matching view appears or goes, the
// session hears notifications/tools/list_changed once the TTL passes,
// without asking.
func TestDynamicListChanged(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{ttl: 200 * time.Millisecond})
	srv := s.NewServer()
	changed := make(chan struct{}, 10)
	client := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, &sdk.ClientOptions{
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { changed <- struct{}{} },
	})
	st, ct := sdk.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if caps := cs.InitializeResult().Capabilities; caps.Tools == nil || !caps.Tools.ListChanged {
		t.Fatalf("tools capability: %+v", caps.Tools)
	}
	has := func(name string) bool {
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range res.Tools {
			if tool.Name == name {
				return true
			}
		}
		return false
	}
	if !has("q_orders_by_status") || has("q_fresh") {
		t.Fatal("initial tool list")
	}
	sql(t, "CREATE VIEW dyn.fresh AS SELECT 1 AS x")
	waitChanged(t, changed)
	if !has("q_fresh") {
		t.Fatal("q_fresh not listed after list_changed")
	}
	sql(t, "DROP VIEW dyn.fresh")
	waitChanged(t, changed)
	if has("q_fresh") {
		t.Fatal("q_fresh still listed after the view was dropped")
	}
}

func waitChanged(t *testing.T, changed chan struct{}) {
	t.Helper()
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/tools/list_changed")
	}
}

// TestNoRules: without (usable) rules nothing changes: one shared server.
func TestNoRules(t *testing.T) {
	cfg := config.Defaults().ClickHouse
	ch, err := clickhouse.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	s := NewService(ch, nil, "test", WithToolRules(nil, time.Minute))
	if s.dyn != nil || s.ServerFor(as("alice")) != s.NewServer() {
		t.Fatal("without rules every caller shares one server")
	}
	if len(s.ToolsFor(context.Background())) != len(s.Tools()) {
		t.Fatal("ToolsFor without rules")
	}
	writeOnly := []config.ToolRule{{Type: config.ToolWrite, TableRegexp: ".", Mode: config.ModeInsert}}
	if NewService(ch, nil, "test", WithToolRules(writeOnly, time.Minute)).dyn != nil {
		t.Fatal("write rules alone on a read-only server still turn generated tools on")
	}
}

// TestDynamicViewsWithIOAreNotTools: a view's body is invisible in the SQL
// a generated tool sends (SELECT * FROM db.view(...)), so a view that reads
// files or reaches the network through functions the operator did not allow
// does not become a tool at all.
func TestDynamicViewsWithIOAreNotTools(t *testing.T) {
	sql(t, "DROP DATABASE IF EXISTS dyn_io", "CREATE DATABASE dyn_io",
		"CREATE VIEW dyn_io.reads_file AS SELECT file('/etc/hostname') AS f",
		"CREATE VIEW dyn_io.fetches AS SELECT * FROM url('http://127.0.0.1:1/', CSV, 'a String')",
		"CREATE VIEW dyn_io.local AS SELECT 1 AS x")
	s, logs := dynService(t, dynOpts{rules: []config.ToolRule{{Type: config.ToolRead, ViewRegexp: `^dyn_io\.`}}})
	tools := toolNames(s.ToolsFor(context.Background()))
	if tools["reads_file"] != nil || tools["fetches"] != nil || tools["local"] == nil {
		t.Fatalf("tools: %v, want only local", slices.Sorted(maps.Keys(tools)))
	}
	for _, want := range []string{"dyn_io.reads_file", "file() reads files", "dyn_io.fetches", "url() connects to a URL"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
