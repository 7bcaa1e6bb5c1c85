package chsql

import (
	"reflect"
	"testing"
)

func TestViewParams(t *testing.T) {
	sql := "SELECT {a:UInt32} AS a, '{fake:Int8}' AS s, `{also:fake}` AS i, {b : Array(Nullable(String))} AS b -- {c:Int8}\n" +
		"/* {d:Int8} */ WHERE x = {a:UInt32} AND e = {e:Enum8('x}' = 1, 'y' = 2)} AND f = {f:DateTime64(3, 'UTC')} AND g = {not a param}"
	want := []ViewParam{
		{"a", "UInt32"}, {"b", "Array(Nullable(String))"}, {"e", "Enum8('x}' = 1, 'y' = 2)"}, {"f", "DateTime64(3, 'UTC')"},
	}
	if got := ViewParams(sql); !reflect.DeepEqual(got, want) {
		t.Fatalf("params %v, want %v", got, want)
	}
	for _, broken := range []string{"SELECT {a:", "SELECT {a:UInt8", "SELECT '{a:UInt8}", "SELECT {:UInt8}", "SELECT {a:(}", "SELECT {a:UInt8)}", "SELECT {a::UInt8}"} {
		if got := ViewParams(broken); len(got) != 0 {
			t.Errorf("%q: %v", broken, got)
		}
	}
}

// TestViewParamsLexedAsClickHouse: text ClickHouse's lexer reads as a
// comment or a string holds no placeholder, though a scanner that only
// knows '...', -- and /* */ finds one there.
func TestViewParamsLexedAsClickHouse(t *testing.T) {
	for _, sql := range []string{
		"SELECT 1 /* outer /* nested */ {x:UInt8} */",
		"SELECT $$ {x:UInt8} $$",
		"SELECT $tag$ {x:UInt8} $tag$",
		"SELECT 1 # {x:UInt8}",
		"SELECT 1 // {x:UInt8}",
		"SELECT \u2018{x:UInt8}\u2019",
	} {
		if got := ViewParams(sql); len(got) != 0 {
			t.Errorf("%q: %v, want none", sql, got)
		}
	}
	if got := ViewParams("SELECT /* a */ {y /* b */ : UInt8} $$x$$"); !reflect.DeepEqual(got, []ViewParam{{"y", "UInt8"}}) {
		t.Errorf("comments between tokens: %v", got)
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
	if got := Qualified("d`b", "t"); got != "`d\\`b`.`t`" {
		t.Errorf("Qualified: %q", got)
	}
}
