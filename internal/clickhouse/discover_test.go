package clickhouse

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// TestStringParamRoundTrip: values with every character ClickHouse's
// escaped format treats specially arrive unchanged.
func TestStringParamRoundTrip(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	values := []string{"it's", `back\slash`, "tab\tnew\nline\r", `\N`, "' OR 1=1 --", "nul\x00byte", "ü"}
	for _, v := range values {
		res, err := c.Query(context.Background(), identity.Identity{}, "SELECT {s:String} = {raw:String}, {arr:Array(String)}",
			QueryOptions{Params: map[string]string{"s": chsql.StringParam(v), "raw": chsql.StringParam(v), "arr": chsql.StringArrayParam([]string{v})}})
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if !strings.HasPrefix(string(res.Row(0)), "[true,") && !strings.HasPrefix(string(res.Row(0)), "[1,") {
			t.Errorf("%q: %s", v, res.Row(0))
		}
	}
	res, err := c.Query(context.Background(), identity.Identity{}, "SELECT {s:String}", QueryOptions{Params: map[string]string{"s": chsql.StringParam("a'\\\t\nb")}})
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
		{Database: "disc", Name: "by_id", Comment: "One row", Params: []ViewParam{{Name: "id", Type: "UInt32"}, {Name: "s", Type: "String"}}},
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
