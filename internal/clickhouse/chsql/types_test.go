package chsql

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decodeValue decodes one JSON value the way tool arguments are decoded.
func decodeValue(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestTypeSchemas(t *testing.T) {
	for typ, want := range map[string]string{
		"UInt8":                          `{"maximum":255,"minimum":0,"type":"integer"}`,
		"Int64":                          `{"maximum":9223372036854775807,"minimum":-9223372036854775808,"type":"integer"}`,
		"UInt64":                         `{"maximum":18446744073709551615,"minimum":0,"type":"integer"}`,
		"Int128":                         `{"pattern":"^-?[0-9]+$","type":"string"}`,
		"Float32":                        `{"type":"number"}`,
		"Decimal(10, 2)":                 `{"type":"number"}`,
		"Bool":                           `{"type":"boolean"}`,
		"String":                         `{"type":"string"}`,
		"FixedString(3)":                 `{"maxLength":3,"type":"string"}`,
		"LowCardinality(String)":         `{"type":"string"}`,
		"Date32":                         `{"format":"date","type":"string"}`,
		"DateTime64(3, 'UTC')":           `{"format":"date-time","type":"string"}`,
		"UUID":                           `{"format":"uuid","type":"string"}`,
		"IPv4":                           `{"format":"ipv4","type":"string"}`,
		"IPv6":                           `{"format":"ipv6","type":"string"}`,
		"Enum8('a' = 1, 'b\\'c' = 2)":    `{"enum":["a","b'c"],"type":"string"}`,
		"Nullable(Enum8('a' = 1))":       `{"enum":["a",null],"type":["string","null"]}`,
		"Nullable(UInt8)":                `{"maximum":255,"minimum":0,"type":["integer","null"]}`,
		"Array(Nullable(String))":        `{"items":{"type":["string","null"]},"type":"array"}`,
		"Array(Array(Date))":             `{"items":{"items":{"format":"date","type":"string"},"type":"array"},"type":"array"}`,
		"Map(String, UInt8)":             `{"type":"string"}`,
		"Array(Map(String, UInt8))":      `{"type":"string"}`,
		"Tuple(a UInt8, b String)":       `{"type":"string"}`,
		"LowCardinality(Nullable(Bool))": `{"type":["boolean","null"]}`,
	} {
		got, _ := json.Marshal(ParseType(typ, "UTC").Schema())
		if string(got) != want {
			t.Errorf("%s: schema %s, want %s", typ, got, want)
		}
	}
}

// TestEncode: what reaches ClickHouse for valid values, and which values
// are refused before anything is sent.
func TestEncode(t *testing.T) {
	type tc struct{ typ, in, want string }
	for _, c := range []tc{
		{"UInt8", `255`, "255"},
		{"UInt8", `3.0`, "3"},
		{"Int64", `-9223372036854775808`, "-9223372036854775808"},
		{"UInt64", `18446744073709551615`, "18446744073709551615"},
		{"UInt256", `"115792089237316195423570985008687907853269984665640564039457584007913129639935"`, "115792089237316195423570985008687907853269984665640564039457584007913129639935"},
		{"Float64", `1.5e3`, "1500"},
		{"Float32", `0.1`, "0.1"},
		{"Decimal(10, 2)", `12.5`, "12.50"},
		{"Decimal(10, 2)", `1e2`, "100.00"},
		{"Decimal32(2)", `-0.01`, "-0.01"},
		{"Bool", `true`, "true"},
		{"String", `"it's a \\ back\tslash\nnew"`, `it's a \\ back\tslash\nnew`},
		{"String", `"\\N"`, `\\N`},
		{"FixedString(3)", `"abc"`, "abc"},
		{"Date", `"2024-01-02"`, "2024-01-02"},
		{"Date32", `"1900-01-01"`, "1900-01-01"},
		{"DateTime", `"2024-01-02T03:04:05Z"`, "2024-01-02 03:04:05"},
		{"DateTime('Asia/Tokyo')", `"2024-01-02T03:04:05Z"`, "2024-01-02 12:04:05"},
		{"DateTime", `"2024-01-02 03:04:05"`, "2024-01-02 03:04:05"},
		{"DateTime", `"2024-01-02"`, "2024-01-02 00:00:00"},
		{"DateTime64(3)", `"2024-01-02T03:04:05.123456+01:00"`, "2024-01-02 02:04:05.123"},
		{"DateTime64(3)", `"1969-12-31 23:59:58.5"`, "1969-12-31 23:59:58.500"},
		{"UUID", `"123e4567-e89b-12d3-a456-426614174000"`, "123e4567-e89b-12d3-a456-426614174000"},
		{"IPv4", `"10.0.0.1"`, "10.0.0.1"},
		{"IPv6", `"2001:DB8::1"`, "2001:db8::1"},
		{"Enum8('a' = 1, 'b\\'c' = 2)", `"b'c"`, "b'c"},
		{"Nullable(String)", `null`, `\N`},
		{"Nullable(String)", `"NULL"`, `NULL`},
		{"Array(UInt8)", `[1, 2]`, "[1,2]"},
		{"Array(String)", `["a'b", "c\\d", ""]`, `['a\'b','c\\d','']`},
		{"Array(Nullable(String))", `[null, "NULL"]`, `[NULL,'NULL']`},
		{"Array(Array(Date))", `[["2024-01-02"], []]`, `[['2024-01-02'],[]]`},
		{"Array(DateTime64(3, 'UTC'))", `["2024-01-02T03:04:05.5Z"]`, `['2024-01-02 03:04:05.500']`},
		{"Array(Bool)", `[true]`, `[true]`},
		{"Map(String, UInt8)", `"{'a':1}"`, `{'a':1}`},
	} {
		got, err := ParseType(c.typ, "UTC").Encode(decodeValue(t, c.in))
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
	}
	for _, c := range []tc{
		{"UInt8", `256`, "between 0 and 255"},
		{"UInt8", `-1`, "between"},
		{"UInt8", `1.5`, "integer"},
		{"UInt8", `"1"`, "integer"},
		{"UInt32", `"1; DROP TABLE x"`, "integer"},
		{"Int64", `9223372036854775808`, "between"},
		{"Int128", `"1 OR 1=1"`, "integer"},
		{"Float64", `1e400`, "finite"},
		{"Float64", `"nan"`, "number"},
		{"Decimal(10, 2)", `1.234`, "at most 2 decimal places"},
		{"Decimal(4, 2)", `100`, "at most 2 digits"},
		{"Bool", `1`, "boolean"},
		{"String", `1`, "string"},
		{"String", `null`, "null"},
		{"FixedString(2)", `"abc"`, "at most 2 bytes"},
		{"Date", `"2024-02-30"`, "date like"},
		{"Date", `"1969-12-31"`, "between 1970-01-01"},
		{"Date", `"2024-01-02' OR '1'='1"`, "date like"},
		{"DateTime", `"1969-12-31T23:59:59Z"`, "between 1970"},
		{"DateTime", `"yesterday"`, "date-time like"},
		{"DateTime('No/Such_Zone')", `"2024-01-02T03:04:05Z"`, "unknown"},
		{"UUID", `"123e4567-e89b-12d3-a456-42661417400' --"`, "UUID"},
		{"IPv4", `"::1"`, "IPv4"},
		{"IPv6", `"fe80::1%eth0"`, "IPv6"},
		{"Enum8('a' = 1)", `"a' OR 1=1 --"`, `one of "a"`},
		{"Array(UInt8)", `"[1,2]"`, "array"},
		{"Array(UInt8)", `[1, "2); DROP TABLE x; --"]`, "element 1 must be an integer"},
		{"Array(String)", `["a", 1]`, "element 1 must be a string"},
		{"Array(String)", `[null]`, "must not be null"},
		{"Map(String, UInt8)", `{"a": 1}`, "string"},
	} {
		_, err := ParseType(c.typ, "UTC").Encode(decodeValue(t, c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want an error with %q", c.typ, c.in, err, c.want)
		}
	}
}

func TestParseTypeDetails(t *testing.T) {
	tz := ParseType("DateTime64(6, 'Europe/Berlin')", "UTC")
	if tz.kind != kindDateTime || tz.precision != 6 || tz.zone != "Europe/Berlin" || tz.loc == nil {
		t.Errorf("DateTime64: %+v", tz)
	}
	if d := ParseType("DateTime", "America/New_York"); d.zone != "America/New_York" || d.loc == nil {
		t.Errorf("DateTime takes the session zone: %+v", d)
	}
	if e := ParseType("Enum16('}' = 1, 'a,b' = 2, 'x\\\\y' = 3)", ""); !reflect.DeepEqual(e.names, []string{"}", "a,b", `x\y`}) {
		t.Errorf("enum names %q", e.names)
	}
	for _, raw := range []string{"", "Nullable(", "Array(UInt8))", "Enum8('a)", "Foo(1}"} {
		if ParseType(raw, "").kind != kindRaw {
			t.Errorf("%q parsed as a known type", raw)
		}
	}
	for raw, safe := range map[string]bool{
		"Enum8('}' = 1)":       true,
		"DateTime64(3, 'UTC')": true,
		"UInt8} UNION":         false,
		"String; DROP":         false,
		"String -- x":          false,
		"Array(String":         false,
		"Enum8('a)":            false,
		"String\n":             false,
	} {
		if SafeTypeText(raw) != safe {
			t.Errorf("SafeTypeText(%q) = %v", raw, !safe)
		}
	}
}
