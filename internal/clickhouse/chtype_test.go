package clickhouse

import (
	"reflect"
	"testing"
)

func TestParseType(t *testing.T) {
	big, dt3 := &chType{kind: kindBigInt}, &chType{kind: kindDateTime, digits: 3}
	for _, tc := range []struct {
		in   string
		want *chType
	}{
		{"UInt32", plainType},
		{"Nullable(UInt64)", big},
		{"LowCardinality(Nullable(String))", plainType},
		{"Decimal(15, 2)", &chType{kind: kindDecimal}},
		{"Decimal(16, 2)", &chType{kind: kindBigDecimal}},
		{"DateTime64(3, 'Europe/Paris')", dt3},
		{"DateTime64(9)", &chType{kind: kindDateTime, digits: 9}},
		{"Time64(6)", &chType{kind: kindTime, digits: 6}},
		{"Array(Array(Int128))", &chType{kind: kindArray, elems: []*chType{{kind: kindArray, elems: []*chType{big}}}}},
		{"Map(LowCardinality(String), Array(DateTime64(3, 'UTC')))", &chType{kind: kindMap, elems: []*chType{plainType, {kind: kindArray, elems: []*chType{dt3}}}}},
		{"Tuple(UInt64, DateTime64(3, 'a,b'))", &chType{kind: kindTuple, elems: []*chType{big, dt3}}},
		{"Tuple(a UInt64, `b c` DateTime64(3, 'UTC'))", &chType{kind: kindTuple, elems: []*chType{big, dt3}, names: []string{"a", "b c"}}},
		{"Nested(id UInt64, s String)", &chType{kind: kindArray, elems: []*chType{{kind: kindTuple, elems: []*chType{big, plainType}, names: []string{"id", "s"}}}}},
		{"Enum8('a, b' = 1, 'c)' = 2)", plainType},
		{"Variant(String, UInt64)", &chType{kind: kindDynamic}},
		{"JSON(max_dynamic_paths=10, a.b UInt64)", &chType{kind: kindJSON}},
	} {
		if got := parseType(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseType(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
