package clickhouse

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

func TestViewParamsFromSQL(t *testing.T) {
	sql := "SELECT {a:UInt32} AS a, '{fake:Int8}' AS s, `{also:fake}` AS i, {b : Array(Nullable(String))} AS b -- {c:Int8}\n" +
		"/* {d:Int8} */ WHERE x = {a:UInt32} AND e = {e:Enum8('x}' = 1, 'y' = 2)} AND f = {f:DateTime64(3, 'UTC')} AND g = {not a param}"
	want := []ViewParam{
		{"a", "UInt32"}, {"b", "Array(Nullable(String))"}, {"e", "Enum8('x}' = 1, 'y' = 2)"}, {"f", "DateTime64(3, 'UTC')"},
	}
	if got := viewParamsFromSQL(sql); !reflect.DeepEqual(got, want) {
		t.Fatalf("params %v, want %v", got, want)
	}
	for _, broken := range []string{"SELECT {a:", "SELECT {a:UInt8", "SELECT '{a:UInt8}", "SELECT {:UInt8}", "SELECT {a:(}"} {
		if got := viewParamsFromSQL(broken); len(got) != 0 {
			t.Errorf("%q: %v", broken, got)
		}
	}
}

func TestParamEncoding(t *testing.T) {
	if got := StringParam("a\\b\tc\nd'e"); got != `a\\b\tc\nd'e` {
		t.Errorf("StringParam: %q", got)
	}
	if got := StringArrayParam([]string{"a'b", `c\d`}); got != `['a\'b','c\\d']` {
		t.Errorf("StringArrayParam: %q", got)
	}
	if got := QuoteIdent("a`b"); got != "`a\\`b`" {
		t.Errorf("QuoteIdent: %q", got)
	}
}

// TestStringParamRoundTrip: values with every character ClickHouse's
// escaped format treats specially arrive unchanged.
func TestStringParamRoundTrip(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	values := []string{"it's", `back\slash`, "tab\tnew\nline\r", `\N`, "' OR 1=1 --", "nul\x00byte", "ü"}
	for _, v := range values {
		res, err := c.Query(context.Background(), identity.Identity{}, "SELECT {s:String} = {raw:String}, {arr:Array(String)}",
			QueryOptions{Params: map[string]string{"s": StringParam(v), "raw": StringParam(v), "arr": StringArrayParam([]string{v})}})
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if !strings.HasPrefix(string(res.Row(0)), "[true,") && !strings.HasPrefix(string(res.Row(0)), "[1,") {
			t.Errorf("%q: %s", v, res.Row(0))
		}
	}
	res, err := c.Query(context.Background(), identity.Identity{}, "SELECT {s:String}", QueryOptions{Params: map[string]string{"s": StringParam("a'\\\t\nb")}})
	if err != nil || string(res.Row(0)) != `["a'\\\t\nb"]` {
		t.Fatalf("round trip: %v %v", res, err)
	}
}

func TestDiscover(t *testing.T) {
	exec(t, "DROP DATABASE IF EXISTS disc")
	exec(t, "CREATE DATABASE disc")
	exec(t, "CREATE VIEW disc.by_id AS SELECT number AS id FROM numbers(10) WHERE id = {id:UInt32} AND toString(id) != {s:String} COMMENT 'One row'")
	exec(t, "CREATE VIEW disc.plain AS SELECT 1 AS one")
	exec(t, "CREATE VIEW disc.ignored AS SELECT 1 AS one")
	exec(t, "CREATE TABLE disc.events (id UInt64, name String COMMENT 'Who', ts DateTime DEFAULT now(), "+
		"twice UInt64 MATERIALIZED id * 2, alias_name String ALIAS upper(name), raw String EPHEMERAL) ENGINE = Memory COMMENT 'Events'")
	exec(t, "CREATE TABLE disc.other (x UInt8) ENGINE = Memory")

	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	keep := func(names ...string) func(string, string) bool {
		return func(db, name string) bool {
			for _, n := range names {
				if db == "disc" && name == n {
					return true
				}
			}
			return false
		}
	}
	cat, err := c.Discover(context.Background(), identity.Identity{}, keep("by_id", "plain"), keep("events"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(cat.Timezone, "UTC") { // the harness runs in UTC
		t.Errorf("timezone %q", cat.Timezone)
	}
	wantViews := []View{
		{Database: "disc", Name: "by_id", Comment: "One row", Params: []ViewParam{{"id", "UInt32"}, {"s", "String"}}},
		{Database: "disc", Name: "plain", Params: []ViewParam{}},
	}
	if !reflect.DeepEqual(cat.Views, wantViews) {
		t.Errorf("views %+v", cat.Views)
	}
	wantTables := []InsertTable{{Database: "disc", Name: "events", Comment: "Events", Columns: []InsertColumn{
		{Name: "id", Type: "UInt64"}, {Name: "name", Type: "String", Comment: "Who"},
		{Name: "ts", Type: "DateTime", DefaultKind: "DEFAULT"}, {Name: "raw", Type: "String", DefaultKind: "EPHEMERAL"},
	}}}
	if !reflect.DeepEqual(cat.Tables, wantTables) {
		t.Errorf("tables %+v", cat.Tables)
	}
	if cat, err := c.Discover(context.Background(), identity.Identity{}, nil, nil); err != nil || len(cat.Views)+len(cat.Tables) != 0 {
		t.Errorf("no rules: %+v %v", cat, err)
	}
}
