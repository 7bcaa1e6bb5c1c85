package chsql

import (
	"reflect"
	"testing"
)

// TestSplitType: the one grammar of type names, read by both the argument
// types here and the result types package clickhouse encodes.
func TestSplitType(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		args []string
		ok   bool
	}{
		{"UInt8", "UInt8", nil, true},
		{"Map(String,  Array(UInt8) )", "Map", []string{"String", "Array(UInt8)"}, true},
		{"Tuple(a UInt64, `b,c` DateTime64(3, 'a,b'))", "Tuple", []string{"a UInt64", "`b,c` DateTime64(3, 'a,b')"}, true},
		{"Enum8('it''s' = 1, 'x\\')' = 2)", "Enum8", []string{"'it''s' = 1", "'x\\')' = 2"}, true},
		{"Nothing()", "Nothing", nil, true},
		{"Array(UInt8))", "", nil, false},
		{"Array(UInt8", "", nil, false},
		{"Enum8('a)", "", nil, false},
		{"Array({x})", "", nil, false},
		{"1Type", "1Type", nil, false},
	} {
		name, args, ok := SplitType(c.in)
		if ok != c.ok || ok && (name != c.name || !reflect.DeepEqual(args, c.args)) {
			t.Errorf("SplitType(%q) = %q, %q, %v; want %q, %q, %v", c.in, name, args, ok, c.name, c.args, c.ok)
		}
	}
}
