package clickhouse

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// typeCase is one ClickHouse type's value in a result. When asClickHouse,
// want is also what ClickHouse itself writes (JSONCompact with 64-bit
// integers and NaN quoted, and decimals quoted when quoteDecimals); the
// others differ on purpose (docs/results.md).
type typeCase struct {
	typ, expr, want string
	asClickHouse    bool
	quoteDecimals   bool
}

var typeCases = []typeCase{
	{"Int8", "toInt8(-1)", `-1`, true, false},
	{"UInt32", "toUInt32(4294967295)", `4294967295`, true, false},
	{"Int64", "toInt64(-9223372036854775808)", `"-9223372036854775808"`, true, false},
	{"UInt64", "toUInt64(18446744073709551615)", `"18446744073709551615"`, true, false},
	{"UInt64", "cityHash64('x')", `"5748889492429595544"`, true, false},
	{"Int128", "toInt128('-170141183460469231731687303715884105728')", `"-170141183460469231731687303715884105728"`, true, false},
	{"UInt256", "toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')", `"115792089237316195423570985008687907853269984665640564039457584007913129639935"`, true, false},
	{"Float32", "toFloat32(0.1)", `0.1`, true, false},
	{"Float64", "toFloat64(2.5)", `2.5`, true, false},
	{"Float64", "nan", `"nan"`, true, false},
	{"Float64", "-inf", `"-inf"`, true, false},
	{"Decimal(9, 2)", "toDecimal32(1.5, 2)", `1.5`, true, false},
	{"Decimal(15, 3)", "toDecimal64('123456789012.345', 3)::Decimal(15, 3)", `123456789012.345`, true, false},
	{"Decimal(18, 9)", "toDecimal64('123456789.123456789', 9)", `"123456789.123456789"`, true, true},
	{"Decimal(38, 2)", "toDecimal128('123456789012345678901234567890.12', 2)", `"123456789012345678901234567890.12"`, true, true},
	{"Bool", "true", `true`, true, false},
	{"String", `'a"b<&>'`, `"a\"b\u003c\u0026\u003e"`, false, false}, // HTML escaped, as encoding/json writes
	{"FixedString(4)", "toFixedString('ab', 4)", `"ab\u0000\u0000"`, true, false},
	{"Date", "toDate('2025-06-01')", `"2025-06-01"`, true, false},
	{"Date32", "toDate32('1900-01-01')", `"1900-01-01"`, true, false},
	{"DateTime", "toDateTime('2025-06-01 12:34:56')", `"2025-06-01 12:34:56"`, true, false},
	{"DateTime('Asia/Tokyo')", "toDateTime('2025-06-01 12:34:56', 'Asia/Tokyo')", `"2025-06-01 12:34:56"`, true, false},
	{"DateTime64(3)", "toDateTime64('2025-06-01 12:34:56.780', 3)", `"2025-06-01 12:34:56.780"`, true, false},
	{"DateTime64(9, 'America/New_York')", "toDateTime64('2025-06-01 12:34:56.123456789', 9, 'America/New_York')", `"2025-06-01 12:34:56.123456789"`, true, false},
	{"Time", "toTime('12:34:56')", `"12:34:56"`, true, false},
	{"Time64(3)", "toTime64('-1:02:03.5', 3)", `"-01:02:03.500"`, true, false},
	{"Time", "toTime('100:02:03')", `"100:02:03"`, true, false},
	{"UUID", "toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0')", `"61f0c404-5cb3-11e7-907b-a6006ad3dba0"`, true, false},
	{"IPv4", "toIPv4('1.2.3.4')", `"1.2.3.4"`, true, false},
	{"IPv6", "toIPv6('2001:db8::1')", `"2001:db8::1"`, true, false},
	{"IPv6", "toIPv6('::ffff:1.2.3.4')", `"::ffff:1.2.3.4"`, true, false},
	{"Enum8('a' = 1, 'b' = 2)", "CAST('b', 'Enum8(\\'a\\' = 1, \\'b\\' = 2)')", `"b"`, true, false},
	{"LowCardinality(String)", "toLowCardinality('lc')", `"lc"`, true, false},
	{"Nullable(Int64)", "CAST(NULL, 'Nullable(Int64)')", `null`, true, false},
	{"Nullable(UInt64)", "CAST(5, 'Nullable(UInt64)')", `"5"`, true, false},
	{"Array(UInt64)", "[toUInt64(1), 2]", `["1","2"]`, true, false},
	{"Array(Nullable(String))", "[NULL, 'x']", `[null,"x"]`, true, false},
	{"Array(Array(UInt8))", "[[toUInt8(3)], []]", `[[3],[]]`, true, false},
	{"Map(String, UInt64)", "map('k', toUInt64(1))", `{"k":"1"}`, true, false},
	{"Map(Date, Array(DateTime('UTC')))", "map(toDate('2025-06-01'), [toDateTime('2025-06-01 01:02:03', 'UTC')])", `{"2025-06-01":["2025-06-01 01:02:03"]}`, true, false},
	{"Tuple(UInt8, String)", "tuple(1, 'a')", `[1,"a"]`, true, false},
	{"Tuple(y UInt64, x DateTime64(3, 'UTC'))", "CAST((5, '2025-06-01 01:02:03.5'), 'Tuple(y UInt64, x DateTime64(3, \\'UTC\\'))')", `{"y":"5","x":"2025-06-01 01:02:03.500"}`, true, false},
	{"Point", "CAST((1.5, 2.5), 'Point')", `[1.5,2.5]`, true, false},
	{"Variant(String, UInt64)", "CAST(toUInt64(42), 'Variant(UInt64, String)')", `"42"`, true, false},
	{"Variant(String, UInt64)", "CAST('s', 'Variant(UInt64, String)')", `"s"`, true, false},
	{"Dynamic", "CAST(toDate('2025-06-01'), 'Dynamic')", `"2025-06-01"`, true, false},
	{"Dynamic", "CAST(toInt64(7), 'Dynamic')", `"7"`, true, false},
	{"JSON", `CAST('{"a":{"b":1},"c":"x","d":[1,2],"e":1.5,"t":"2020-01-02"}', 'JSON')`, `{"a":{"b":"1"},"c":"x","d":["1","2"],"e":1.5,"t":"2020-01-02"}`, true, false},
	{"IntervalDay", "toIntervalDay(3)", `"3 Days"`, false, false}, // ClickHouse writes 3; the unit says more
}

// TestTypesJSON: every ClickHouse type comes back as docs/results.md says,
// over both protocols, and as ClickHouse's own JSON output writes it
// (with output_format_json_quote_64bit_integers=1) unless documented.
func TestTypesJSON(t *testing.T) {
	const enable = " SETTINGS enable_time_time64_type = 1"
	for _, proto := range []string{config.ProtocolTCP, config.ProtocolHTTP} {
		c := newTestClient(t, srv(t).ClickHouseConfig(proto))
		for _, tc := range typeCases {
			res, err := c.Query(context.Background(), anyone, "SELECT "+tc.expr+" AS v"+enable, QueryOptions{ReadOnly: true})
			if err != nil {
				t.Errorf("%s %s: %v", proto, tc.expr, err)
				continue
			}
			if got := res.Columns[0].Type; got != tc.typ {
				t.Errorf("%s %s: type %s, want %s", proto, tc.expr, got, tc.typ)
			}
			if got := string(res.Row(0)); got != "["+tc.want+"]" {
				t.Errorf("%s %s (%s): chmcp writes %s, want [%s]", proto, tc.expr, tc.typ, got, tc.want)
			}
		}
	}
	for _, tc := range typeCases {
		if !tc.asClickHouse {
			continue
		}
		settings := enable + ", output_format_json_quote_64bit_integers = 1, output_format_json_quote_denormals = 1"
		if tc.quoteDecimals {
			settings += ", output_format_json_quote_decimals = 1"
		}
		out := exec(t, "SELECT "+tc.expr+" AS v FORMAT JSONCompactEachRow"+settings)
		var compact json.RawMessage
		if err := json.Unmarshal([]byte(out), &compact); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		var chRow []json.RawMessage
		if err := json.Unmarshal(compact, &chRow); err != nil || len(chRow) != 1 {
			t.Fatalf("%s: %v", out, err)
		}
		if got := strings.TrimSpace(string(chRow[0])); got != tc.want {
			t.Errorf("%s (%s): ClickHouse writes %s, chmcp %s", tc.expr, tc.typ, got, tc.want)
		}
	}
}

// TestNestedJSON: a Nested column comes back as ClickHouse writes it:
// one array per field (flatten_nested=1, the default), or an array of
// objects (flatten_nested=0).
func TestNestedJSON(t *testing.T) {
	exec(t, "DROP TABLE IF EXISTS default.types_nested")
	exec(t, "CREATE TABLE default.types_nested (n Nested(id UInt64, name String)) ENGINE = Memory")
	exec(t, "INSERT INTO default.types_nested VALUES ([1, 2], ['a', 'b'])")
	exec(t, "DROP TABLE IF EXISTS default.types_nested_tuples")
	exec(t, "CREATE TABLE default.types_nested_tuples (n Nested(id UInt64, name String)) ENGINE = Memory SETTINGS flatten_nested = 0")
	exec(t, "INSERT INTO default.types_nested_tuples SETTINGS flatten_nested = 0 VALUES ([(1, 'a'), (2, 'b')])")
	t.Cleanup(func() { exec(t, "DROP TABLE default.types_nested"); exec(t, "DROP TABLE default.types_nested_tuples") })
	for _, proto := range []string{config.ProtocolTCP, config.ProtocolHTTP} {
		c := newTestClient(t, srv(t).ClickHouseConfig(proto))
		for _, q := range []struct{ sql, types, want string }{
			{"SELECT * FROM default.types_nested", "Array(UInt64) Array(String)", `[["1","2"],["a","b"]]`},
			{"SELECT * FROM default.types_nested_tuples", "Array(Tuple(id UInt64, name String))", `[[{"id":"1","name":"a"},{"id":"2","name":"b"}]]`},
		} {
			res, err := c.Query(context.Background(), anyone, q.sql, QueryOptions{ReadOnly: true})
			if err != nil {
				t.Fatalf("%s %s: %v", proto, q.sql, err)
			}
			var types []string
			for _, col := range res.Columns {
				types = append(types, col.Type)
			}
			if got := strings.Join(types, " "); got != q.types {
				t.Errorf("%s %s: types %s, want %s", proto, q.sql, got, q.types)
			}
			if got := string(res.Row(0)); got != q.want {
				t.Errorf("%s %s: %s, want %s", proto, q.sql, got, q.want)
			}
			var ch bytes.Buffer
			if err := json.Compact(&ch, []byte(exec(t, q.sql+" FORMAT JSONCompactEachRow SETTINGS output_format_json_quote_64bit_integers = 1"))); err != nil {
				t.Fatal(err)
			}
			if got := ch.String(); got != q.want {
				t.Errorf("%s: ClickHouse writes %s, want %s", q.sql, got, q.want)
			}
		}
	}
}
