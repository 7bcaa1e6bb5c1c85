package chsql

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // date-time arguments are converted to the column's zone on any host
)

// typeKind is what a generated tool's argument of some ClickHouse type
// accepts as JSON and how it is written as a ClickHouse query parameter.
type typeKind int

const (
	kindRaw         typeKind = iota // any other type: its ClickHouse text form, as a JSON string
	kindInt                         // (U)Int8..64: JSON integer, range-checked
	kindBigInt                      // (U)Int128/256: decimal digits in a JSON string (or an integer)
	kindFloat                       // Float32/64, BFloat16: JSON number
	kindDecimal                     // Decimal(P, S): JSON number, exact, at most S decimals
	kindBool                        // Bool: JSON boolean
	kindString                      // String
	kindFixedString                 // FixedString(N): at most N bytes
	kindDate                        // Date, Date32: "YYYY-MM-DD"
	kindDateTime                    // DateTime, DateTime64(P)
	kindUUID                        // UUID
	kindEnum                        // Enum8/16: one of the names
	kindIPv4                        // IPv4
	kindIPv6                        // IPv6
	kindNullable                    // Nullable(T): T or null
	kindArray                       // Array(T): JSON array of T
)

// Type is a ClickHouse type parsed as far as generated tools need it: the
// JSON an argument of the type accepts (Schema, Hint) and how that JSON is
// written as a query-parameter value (Encode).
type Type struct {
	kind typeKind
	raw  string // as ClickHouse spells it
	elem *Type  // Nullable, Array

	bits      int // kindInt, kindBigInt
	signed    bool
	precision int // kindDecimal digits; kindDateTime sub-second digits (0 for DateTime)
	scale     int // kindDecimal
	length    int // kindFixedString
	names     []string
	date32    bool           // kindDate: Date32's wider range
	loc       *time.Location // kindDateTime: the zone a value with an offset is converted to
	zone      string         // kindDateTime: that zone's name, for messages
}

// ParseType parses a type as system tables report it. tz is the session
// time zone, used by DateTime types that do not name their own. Anything
// not understood becomes kindRaw, never an error.
func ParseType(raw, tz string) *Type {
	raw = strings.TrimSpace(raw)
	t := &Type{kind: kindRaw, raw: raw}
	name, args, ok := SplitType(raw)
	if !ok {
		return t
	}
	switch name {
	case "LowCardinality", "SimpleAggregateFunction":
		if len(args) == 0 {
			return t
		}
		inner := ParseType(args[len(args)-1], tz)
		inner.raw = raw
		return inner
	case "Nullable", "Array":
		if len(args) != 1 {
			return t
		}
		elem := ParseType(args[0], tz)
		if elem.kind == kindRaw {
			return t // an array of something untyped is passed whole, as text
		}
		t.elem = elem
		t.kind = map[string]typeKind{"Nullable": kindNullable, "Array": kindArray}[name]
	case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64":
		t.kind, t.signed = kindInt, name[0] == 'I'
		t.bits, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(name, "U"), "Int"))
	case "Int128", "Int256", "UInt128", "UInt256":
		t.kind, t.signed = kindBigInt, name[0] == 'I'
		t.bits, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(name, "U"), "Int"))
	case "Float32", "Float64", "BFloat16":
		t.kind, t.bits = kindFloat, 64
		if name != "Float64" {
			t.bits = 32
		}
	case "Decimal", "Decimal32", "Decimal64", "Decimal128", "Decimal256":
		return parseDecimal(t, name, args)
	case "Bool":
		t.kind = kindBool
	case "String":
		t.kind = kindString
	case "FixedString":
		if n, err := strconv.Atoi(strings.TrimSpace(first(args))); err == nil && n > 0 {
			t.kind, t.length = kindFixedString, n
		}
	case "Date", "Date32":
		t.kind, t.date32 = kindDate, name == "Date32"
	case "DateTime", "DateTime64":
		return parseDateTime(t, name, args, tz)
	case "UUID":
		t.kind = kindUUID
	case "IPv4":
		t.kind = kindIPv4
	case "IPv6":
		t.kind = kindIPv6
	case "Enum8", "Enum16", "Enum":
		for _, a := range args {
			n, ok := unquote(strings.TrimSpace(a))
			if !ok {
				return t
			}
			t.names = append(t.names, n)
		}
		if len(t.names) > 0 {
			t.kind = kindEnum
		}
	}
	return t
}

func parseDecimal(t *Type, name string, args []string) *Type {
	nums := make([]int, len(args))
	for i, a := range args {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return t
		}
		nums[i] = n
	}
	switch {
	case name == "Decimal" && len(nums) == 1:
		t.precision = nums[0]
	case name == "Decimal" && len(nums) == 2:
		t.precision, t.scale = nums[0], nums[1]
	case name != "Decimal" && len(nums) == 1:
		t.precision = map[string]int{"Decimal32": 9, "Decimal64": 18, "Decimal128": 38, "Decimal256": 76}[name]
		t.scale = nums[0]
	default:
		return t
	}
	if t.precision < 1 || t.scale < 0 || t.scale > t.precision {
		return t
	}
	t.kind = kindDecimal
	return t
}

func parseDateTime(t *Type, name string, args []string, tz string) *Type {
	zoneArg := ""
	if name == "DateTime64" {
		p, err := strconv.Atoi(strings.TrimSpace(first(args)))
		if err != nil || p < 0 || p > 9 {
			return t
		}
		t.precision = p
		if len(args) > 1 {
			zoneArg = args[1]
		}
	} else if len(args) > 0 {
		zoneArg = args[0]
	}
	t.kind, t.zone = kindDateTime, tz
	if zoneArg != "" {
		z, ok := unquote(strings.TrimSpace(zoneArg))
		if !ok {
			return &Type{kind: kindRaw, raw: t.raw}
		}
		t.zone = z
	}
	if loc, err := time.LoadLocation(t.zone); err == nil && t.zone != "" {
		t.loc = loc
	}
	return t
}

// String is the type as ClickHouse spells it.
func (t *Type) String() string { return t.raw }

// Schema is the JSON Schema of an argument of this type.
func (t *Type) Schema() map[string]any {
	switch t.kind {
	case kindInt:
		lo, hi := t.intRange()
		return map[string]any{"type": "integer", "minimum": json.Number(lo.String()), "maximum": json.Number(hi.String())}
	case kindBigInt:
		pattern := "^-?[0-9]+$"
		if !t.signed {
			pattern = "^[0-9]+$"
		}
		return map[string]any{"type": "string", "pattern": pattern}
	case kindFloat, kindDecimal:
		return map[string]any{"type": "number"}
	case kindBool:
		return map[string]any{"type": "boolean"}
	case kindFixedString:
		return map[string]any{"type": "string", "maxLength": t.length}
	case kindDate:
		return map[string]any{"type": "string", "format": "date"}
	case kindDateTime:
		return map[string]any{"type": "string", "format": "date-time"}
	case kindUUID:
		return map[string]any{"type": "string", "format": "uuid"}
	case kindIPv4:
		return map[string]any{"type": "string", "format": "ipv4"}
	case kindIPv6:
		return map[string]any{"type": "string", "format": "ipv6"}
	case kindEnum:
		names := make([]any, len(t.names))
		for i, n := range t.names {
			names[i] = n
		}
		return map[string]any{"type": "string", "enum": names}
	case kindNullable:
		s := t.elem.Schema()
		s["type"] = []any{s["type"], "null"}
		if enum, ok := s["enum"].([]any); ok {
			s["enum"] = append(enum, nil)
		}
		return s
	case kindArray:
		return map[string]any{"type": "array", "items": t.elem.Schema()}
	}
	return map[string]any{"type": "string"}
}

// Hint tells a model how to write a value of this type.
func (t *Type) Hint() string { return "ClickHouse type " + t.raw + t.detail() }

func (t *Type) detail() string {
	switch t.kind {
	case kindRaw:
		return ", written in ClickHouse's text format"
	case kindBigInt:
		return ", as a string of decimal digits"
	case kindDecimal:
		return fmt.Sprintf(", at most %d decimal places", t.scale)
	case kindDateTime:
		return `: RFC 3339 ("2024-01-02T03:04:05Z"), or "2024-01-02 03:04:05" read in time zone ` + t.zone
	case kindNullable, kindArray:
		return t.elem.detail()
	}
	return ""
}
