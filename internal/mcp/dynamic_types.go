package mcp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // date-time arguments are converted to the column's zone on any host

	"github.com/chmcp/chmcp/internal/clickhouse"
)

// typeKind is what a dynamic tool parameter of some ClickHouse type
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

// chType is a ClickHouse type parsed as far as dynamic tools need it.
type chType struct {
	kind typeKind
	raw  string  // as ClickHouse spells it
	elem *chType // Nullable, Array

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

// parseType parses a type as system tables report it. tz is the session
// time zone, used by DateTime types that do not name their own. Anything
// not understood becomes kindRaw, never an error.
func parseType(raw, tz string) *chType {
	raw = strings.TrimSpace(raw)
	t := &chType{kind: kindRaw, raw: raw}
	name, args, ok := splitType(raw)
	if !ok {
		return t
	}
	switch name {
	case "LowCardinality", "SimpleAggregateFunction":
		if len(args) == 0 {
			return t
		}
		inner := parseType(args[len(args)-1], tz)
		inner.raw = raw
		return inner
	case "Nullable", "Array":
		if len(args) != 1 {
			return t
		}
		elem := parseType(args[0], tz)
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

func parseDecimal(t *chType, name string, args []string) *chType {
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

func parseDateTime(t *chType, name string, args []string, tz string) *chType {
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
			return &chType{kind: kindRaw, raw: t.raw}
		}
		t.zone = z
	}
	if loc, err := time.LoadLocation(t.zone); err == nil && t.zone != "" {
		t.loc = loc
	}
	return t
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// splitType splits "Name(a, b)" into its name and top-level arguments;
// ok is false when quotes or parentheses do not balance or braces appear
// outside quotes (a type that cannot sit safely inside {p:Type}).
func splitType(s string) (name string, args []string, ok bool) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, isTypeName(s)
	}
	if !strings.HasSuffix(s, ")") || !isTypeName(s[:open]) {
		return "", nil, false
	}
	depth, start := 0, open+1
	body := s[:len(s)-1]
	for i := open + 1; i < len(body); i++ {
		switch body[i] {
		case '\'', '"', '`':
			end, closed := clickhouse.QuoteEnd(body, i)
			if !closed {
				return "", nil, false
			}
			i = end
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return "", nil, false
			}
		case ',':
			if depth == 0 {
				args = append(args, body[start:i])
				start = i + 1
			}
		case '{', '}', ';':
			return "", nil, false
		}
	}
	if depth != 0 {
		return "", nil, false
	}
	if rest := strings.TrimSpace(body[start:]); rest != "" || len(args) > 0 {
		args = append(args, body[start:])
	}
	return s[:open], args, true
}

// safeTypeText reports whether a type (from system tables) can be put in
// a {p:Type} placeholder as is: quotes and parentheses balance, and no
// brace, semicolon or comment appears outside a quoted string.
func safeTypeText(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '"' || c == '`':
			end, ok := clickhouse.QuoteEnd(s, i)
			if !ok {
				return false
			}
			i = end
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth < 0 {
				return false
			}
		case c == '{' || c == '}' || c == ';' || c < ' ',
			strings.HasPrefix(s[i:], "--"), strings.HasPrefix(s[i:], "/*"):
			return false
		}
	}
	return depth == 0 && s != ""
}

func isTypeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// unquote reads a single-quoted ClickHouse string (an enum name, a time
// zone), ignoring an " = value" suffix.
func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	end, ok := clickhouse.QuoteEnd(s, 0)
	if !ok {
		return "", false
	}
	if rest := strings.TrimSpace(s[end+1:]); rest != "" && !strings.HasPrefix(rest, "=") {
		return "", false
	}
	var b strings.Builder
	body := s[1:end]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\'' && i+1 < len(body) && body[i+1] == '\'' { // a doubled quote
			b.WriteByte(c)
			i++
			continue
		}
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String(), true
}

// schema is the JSON Schema of a parameter of this type.
func (t *chType) schema() map[string]any {
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
		s := t.elem.schema()
		s["type"] = []any{s["type"], "null"}
		if enum, ok := s["enum"].([]any); ok {
			s["enum"] = append(enum, nil)
		}
		return s
	case kindArray:
		return map[string]any{"type": "array", "items": t.elem.schema()}
	}
	return map[string]any{"type": "string"}
}

// hint tells a model how to write a value of this type.
func (t *chType) hint() string { return "ClickHouse type " + t.raw + t.detail() }

func (t *chType) detail() string {
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
