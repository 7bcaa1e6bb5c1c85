package chsql

import (
	"reflect"
	"strings"
	"testing"
)

func mustArg(t *testing.T, name, typ string, required bool) Arg {
	t.Helper()
	a, err := NewArg(name, typ, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	a.Required = required
	return a
}

func decodeArgs(t *testing.T, s string) map[string]any {
	t.Helper()
	v, ok := decodeValue(t, s).(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", s)
	}
	return v
}

func TestViewRead(t *testing.T) {
	st := ViewRead("d`b", "by day", []Arg{mustArg(t, "day", "Date", true), mustArg(t, "n", "Nullable(UInt8)", false)})
	want := "SELECT * FROM `d\\`b`.`by day`(`day` = {p0:Date}, `n` = {p1:Nullable(UInt8)})"
	q, err := st.Bind(decodeArgs(t, `{"day": "2024-01-02", "n": null}`))
	if err != nil || q.SQL != want {
		t.Fatalf("SQL %q, %v; want %q", q.SQL, err, want)
	}
	if !reflect.DeepEqual(q.Params, map[string]string{"p0": "2024-01-02", "p1": `\N`}) {
		t.Errorf("params %v", q.Params)
	}
	if q.Settings["enable_analyzer"] != 1 {
		t.Errorf("a parameterized view runs with the analyzer: %v", q.Settings)
	}
	plain, err := ViewRead("db", "v", nil).Bind(nil)
	if err != nil || plain.SQL != "SELECT * FROM `db`.`v`" || plain.Settings != nil || len(plain.Params) != 0 {
		t.Errorf("plain view: %+v %v", plain, err)
	}
	if !strings.Contains(st.Key(), want) || st.Key() == ViewRead("db", "other", nil).Key() {
		t.Errorf("key %q", st.Key())
	}
}

func TestRowInsert(t *testing.T) {
	st := RowInsert("db", "t", []Arg{mustArg(t, "id", "UInt64", true), mustArg(t, "note", "Nullable(String)", false), mustArg(t, "at", "DateTime", false)})
	q, err := st.Bind(decodeArgs(t, `{"id": 7, "at": "2024-01-02T03:04:05Z"}`))
	want := "INSERT INTO `db`.`t` (`id`, `at`) SELECT {p0:UInt64}, {p2:DateTime}"
	if err != nil || q.SQL != want {
		t.Fatalf("SQL %q, %v; want %q", q.SQL, err, want)
	}
	if !reflect.DeepEqual(q.Params, map[string]string{"p0": "7", "p2": "2024-01-02 03:04:05"}) || q.Settings != nil {
		t.Errorf("bound %+v", q)
	}
	if q, err := st.Bind(decodeArgs(t, `{"id": 1, "note": null}`)); err != nil || q.Params["p1"] != `\N` || !strings.Contains(q.SQL, "`note`") {
		t.Errorf("null column: %+v %v", q, err)
	}
	if st.Key() != RowInsert("db", "t", nil).Key() {
		t.Error("an insert's key is its table")
	}
}

func TestBindErrors(t *testing.T) {
	view := ViewRead("db", "v", []Arg{mustArg(t, "a", "UInt8", true), mustArg(t, "b", "Nullable(String)", false)})
	insert := RowInsert("db", "t", []Arg{mustArg(t, "x", "UInt8", false)})
	for _, c := range []struct {
		st   *Statement
		args string
		want string
	}{
		{view, `{"a": 1, "zz": 2, "c": 3}`, `unknown parameter(s) "c", "zz"`},
		{view, `{"b": "x"}`, `"a" is required`},
		{view, `{"a": 256}`, `"a" must be between 0 and 255`},
		{view, `{"a": null}`, `"a" must not be null`},
		{insert, `{}`, "give at least one column"},
	} {
		if _, err := c.st.Bind(decodeArgs(t, c.args)); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestNewArg(t *testing.T) {
	if _, err := NewArg("a", "UInt8} UNION SELECT 1 --", "UTC"); err == nil || !strings.Contains(err.Error(), "cannot pass safely") {
		t.Errorf("unsafe type: %v", err)
	}
	for typ, nullable := range map[string]bool{"Nullable(String)": true, "LowCardinality(Nullable(String))": true, "Array(Nullable(String))": false, " Nullable(Map(String, UInt8))": true} {
		a, err := NewArg("a", typ, "UTC")
		if err != nil || a.Nullable != nullable {
			t.Errorf("%s: nullable %v, %v", typ, a.Nullable, err)
		}
	}
}
