package clickhouse

import (
	"strconv"
	"strings"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
)

// kind says how values of a ClickHouse type are written to JSON where
// that differs from what their Go value would give (see docs/results.md).
type kind uint8

const (
	kindPlain      kind = iota // as the Go value encodes: small integers, floats, Bool, String, Enum, UUID, IPv4, ...
	kindBigInt                 // Int64, UInt64 and wider: a JSON string, as output_format_json_quote_64bit_integers=1 writes them
	kindDecimal                // Decimal(P, S) with P <= 15: a JSON number, exact in a float64
	kindBigDecimal             // Decimal(P, S) with P > 15: a JSON string
	kindDate                   // Date, Date32: "2025-06-01"
	kindDateTime               // DateTime, DateTime64(p): "2025-06-01 12:34:56[.fff]", in the column's time zone
	kindTime                   // Time, Time64(p): "[-]12:34:56[.fff]"
	kindIPv6                   // IPv6: IPv4-mapped addresses keep their ::ffff: prefix
	kindArray                  // Array(T), Nested(...) (an array of named tuples)
	kindMap                    // Map(K, V): an object
	kindTuple                  // Tuple(...): an array, or an object when the elements are named
	kindDynamic                // Variant(...), Dynamic: each value as its own type
	kindJSON                   // JSON: an object, its values as their own types
)

// maxExactDecimal is the most significant digits a float64 (and so a
// JavaScript number) carries exactly.
const maxExactDecimal = 15

// chType is a parsed ClickHouse type, as much of it as the encoding needs.
type chType struct {
	kind   kind
	digits int       // fraction digits of DateTime64 and Time64
	elems  []*chType // Array: element; Map: key, value; Tuple: elements
	names  []string  // Tuple: element names, when named
}

var plainType = &chType{kind: kindPlain}

// parseType parses a type name as ClickHouse reports it for a result
// column (DatabaseTypeName). Anything it does not know is plain.
func parseType(s string) *chType {
	name, args, ok := chsql.SplitType(strings.TrimSpace(s))
	if !ok {
		return plainType
	}
	switch name {
	case "Nullable", "LowCardinality", "SimpleAggregateFunction":
		if len(args) > 0 {
			return parseType(args[len(args)-1])
		}
	case "Int64", "UInt64", "Int128", "UInt128", "Int256", "UInt256":
		return &chType{kind: kindBigInt}
	case "Decimal32":
		return &chType{kind: kindDecimal}
	case "Decimal64", "Decimal128", "Decimal256":
		return &chType{kind: kindBigDecimal}
	case "Decimal":
		if p, err := strconv.Atoi(first(args)); err == nil && p <= maxExactDecimal {
			return &chType{kind: kindDecimal}
		}
		return &chType{kind: kindBigDecimal}
	case "Date", "Date32":
		return &chType{kind: kindDate}
	case "DateTime":
		return &chType{kind: kindDateTime}
	case "DateTime64":
		return &chType{kind: kindDateTime, digits: fractionDigits(first(args))}
	case "Time":
		return &chType{kind: kindTime}
	case "Time64":
		return &chType{kind: kindTime, digits: fractionDigits(first(args))}
	case "IPv6":
		return &chType{kind: kindIPv6}
	case "Array":
		if len(args) == 1 {
			return &chType{kind: kindArray, elems: []*chType{parseType(args[0])}}
		}
	case "Nested":
		return &chType{kind: kindArray, elems: []*chType{parseTuple(args)}}
	case "Map":
		if len(args) == 2 {
			return &chType{kind: kindMap, elems: []*chType{parseType(args[0]), parseType(args[1])}}
		}
	case "Tuple":
		return parseTuple(args)
	case "Variant", "Dynamic":
		return &chType{kind: kindDynamic}
	case "JSON", "Object":
		return &chType{kind: kindJSON}
	}
	return plainType
}

// parseTuple parses the elements of Tuple(...) or Nested(...): "T" or
// "name T" each. ClickHouse names all of them or none.
func parseTuple(args []string) *chType {
	t := &chType{kind: kindTuple, elems: make([]*chType, len(args))}
	named := len(args) > 0
	names := make([]string, len(args))
	for i, a := range args {
		name, typ, ok := splitElement(a)
		if !ok {
			named, typ = false, a
		}
		names[i], t.elems[i] = name, parseType(typ)
	}
	if named {
		t.names = names
	}
	return t
}

// splitElement splits "name Type" (the name possibly `quoted`) of a named
// tuple element; a bare type such as "DateTime('UTC')" is not one.
func splitElement(s string) (name, typ string, ok bool) {
	if strings.HasPrefix(s, "`") {
		if end := strings.Index(s[1:], "`"); end >= 0 {
			return s[1 : end+1], strings.TrimSpace(s[end+2:]), true
		}
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 || strings.ContainsAny(s[:i], "(',") {
		return "", "", false
	}
	return s[:i], strings.TrimSpace(s[i+1:]), true
}

func first(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// fractionDigits reads the precision of DateTime64(p) or Time64(p).
func fractionDigits(s string) int {
	p, err := strconv.Atoi(s)
	if err != nil {
		return 3 // ClickHouse's default precision
	}
	return min(max(p, 0), 9)
}
