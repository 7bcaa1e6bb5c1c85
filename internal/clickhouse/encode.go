package clickhouse

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/chcol"
)

// rowEncoder writes rows as JSON arrays, each value as its column's
// ClickHouse type says (see docs/results.md): 64-bit and wider integers
// and long decimals as strings, so JavaScript clients keep every digit;
// dates and times as ClickHouse's JSON format writes them. Strings longer
// than maxCell bytes are cut, with a marker saying how much.
type rowEncoder struct {
	cols    []*chType
	maxCell int64
	cut     int                // cells cut so far
	rowCut  int                // of which in the last row
	dynamic map[string]*chType // parsed types of Variant and Dynamic values
}

func newRowEncoder(typeNames []string, maxCell int64) *rowEncoder {
	e := &rowEncoder{cols: make([]*chType, len(typeNames)), maxCell: maxCell}
	for i, name := range typeNames {
		e.cols[i] = parseType(name)
	}
	return e
}

// appendRow appends one row as a JSON array. dest holds pointers filled by
// Scan. Common scalar types take a fast path; anything else goes through
// reflection, and what JSON cannot express (NaN, maps with odd keys)
// falls back to its text form rather than failing the whole result.
func (e *rowEncoder) appendRow(buf []byte, dest []any) []byte {
	before := e.cut
	buf = append(buf, '[')
	for i, d := range dest {
		if i > 0 {
			buf = append(buf, ',')
		}
		t := plainType
		if i < len(e.cols) {
			t = e.cols[i]
		}
		buf = e.appendValue(buf, d, t)
	}
	e.rowCut = e.cut - before
	return append(buf, ']')
}

// dropRow forgets the last row's cut cells: the row was not kept.
func (e *rowEncoder) dropRow() { e.cut, e.rowCut = e.cut-e.rowCut, 0 }

// appendValue appends the value p points to (through any number of
// pointers and interfaces: Nullable columns scan into **T).
func (e *rowEncoder) appendValue(buf []byte, p any, t *chType) []byte {
	if out, ok := e.appendScalar(buf, p, t); ok {
		return out
	}
	rv := reflect.ValueOf(p)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return append(buf, "null"...)
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return append(buf, "null"...)
	}
	return e.appendReflect(buf, rv, t)
}

// appendReflect appends rv, which is neither a pointer nor an interface.
func (e *rowEncoder) appendReflect(buf []byte, rv reflect.Value, t *chType) []byte {
	p := addressOf(rv)
	if out, ok := e.appendScalar(buf, p, t); ok {
		return out
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if t.kind == kindTuple {
			return e.appendTuple(buf, rv, t)
		}
		if _, text := p.(encoding.TextMarshaler); !text {
			// Element by element: Array(UInt8) is a []byte to Go, which
			// encoding/json would turn into base64.
			return e.appendList(buf, rv, elem(t, 0))
		}
	case reflect.Map:
		if t.kind == kindTuple && t.names != nil && rv.Type().Key().Kind() == reflect.String {
			return e.appendNamedTuple(buf, rv, t)
		}
		return e.appendMap(buf, rv, t)
	}
	if s, ok := p.(fmt.Stringer); ok && (t.kind == kindDecimal || t.kind == kindBigDecimal) {
		if t.kind == kindDecimal {
			return append(buf, s.String()...)
		}
		return appendString(buf, s.String())
	}
	// Through the pointer: big.Int and decimals have pointer-receiver
	// marshalers; their values would print as {}.
	if b, err := json.Marshal(p); err == nil {
		return append(buf, b...)
	}
	var text any = p
	if _, ok := p.(fmt.Stringer); !ok {
		text = rv.Interface()
	}
	return appendString(buf, fmt.Sprint(text))
}

// elem returns element i of a composite type, or plain when unknown.
func elem(t *chType, i int) *chType {
	if i < len(t.elems) {
		return t.elems[i]
	}
	return plainType
}

func (e *rowEncoder) appendList(buf []byte, list reflect.Value, t *chType) []byte {
	if list.Kind() == reflect.Slice && list.IsNil() {
		return append(buf, "[]"...)
	}
	buf = append(buf, '[')
	for i := range list.Len() {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = e.appendValue(buf, addressOf(list.Index(i)), t)
	}
	return append(buf, ']')
}

// appendTuple writes an unnamed tuple as an array, each element as its type.
func (e *rowEncoder) appendTuple(buf []byte, list reflect.Value, t *chType) []byte {
	buf = append(buf, '[')
	for i := range list.Len() {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = e.appendValue(buf, addressOf(list.Index(i)), elem(t, i))
	}
	return append(buf, ']')
}

// appendNamedTuple writes a named tuple as an object in the tuple's
// order, as ClickHouse does (output_format_json_named_tuples_as_objects).
func (e *rowEncoder) appendNamedTuple(buf []byte, m reflect.Value, t *chType) []byte {
	buf = append(buf, '{')
	for i, name := range t.names {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(appendString(buf, name), ':')
		v := m.MapIndex(reflect.ValueOf(name).Convert(m.Type().Key()))
		if !v.IsValid() {
			buf = append(buf, "null"...)
			continue
		}
		buf = e.appendValue(buf, addressOf(v), elem(t, i))
	}
	return append(buf, '}')
}

// appendMap writes a Map column as an object: keys in their JSON text form
// (as strings, as ClickHouse writes them), in sorted order (Go maps keep
// none).
func (e *rowEncoder) appendMap(buf []byte, m reflect.Value, t *chType) []byte {
	type entry struct {
		key string
		val reflect.Value
	}
	keyType, valType := elem(t, 0), elem(t, 1)
	entries := make([]entry, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		entries = append(entries, entry{e.keyText(it.Key(), keyType), it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	buf = append(buf, '{')
	for i, en := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(appendString(buf, en.key), ':')
		buf = e.appendValue(buf, addressOf(en.val), valType)
	}
	return append(buf, '}')
}

// keyText is a map key as text: its JSON form, unquoted when a string.
func (e *rowEncoder) keyText(k reflect.Value, t *chType) string {
	if s, ok := k.Interface().(string); ok {
		return s // never cut: a key is a name
	}
	var text string
	if b := e.appendValue(nil, addressOf(k), t); len(b) > 0 && b[0] == '"' {
		if json.Unmarshal(b, &text) == nil {
			return text
		}
	} else {
		text = string(b)
	}
	return text
}

// appendDynamic writes a Variant or Dynamic value as its own type.
func (e *rowEncoder) appendDynamic(buf []byte, v chcol.Variant) []byte {
	if v.Nil() {
		return append(buf, "null"...)
	}
	val := v.Any()
	if !v.HasType() {
		return e.appendValue(buf, &val, inferType(val))
	}
	name := v.Type()
	t := e.dynamic[name]
	if t == nil {
		if e.dynamic == nil {
			e.dynamic = map[string]*chType{}
		}
		t = parseType(name)
		e.dynamic[name] = t
	}
	return e.appendValue(buf, &val, t)
}

// inferType is the type of a value whose ClickHouse type is not known (a
// typed path of a JSON column), from its Go type.
func inferType(v any) *chType {
	switch v.(type) {
	case int64, uint64, *big.Int, big.Int:
		return &chType{kind: kindBigInt}
	case time.Time:
		return &chType{kind: kindDateTime, digits: -1}
	}
	return plainType
}

// appendObject writes a JSON column's value: paths nested, keys sorted,
// as ClickHouse writes them.
func (e *rowEncoder) appendObject(buf []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(appendString(buf, k), ':')
		switch v := m[k].(type) {
		case map[string]any:
			buf = e.appendObject(buf, v)
		case chcol.Variant:
			buf = e.appendDynamic(buf, v)
		default:
			buf = e.appendValue(buf, &v, inferType(v))
		}
	}
	return append(buf, '}')
}

func (e *rowEncoder) appendIP(buf []byte, ip net.IP, t *chType) []byte {
	if t.kind == kindIPv6 && len(ip) == net.IPv6len {
		if v4 := ip.To4(); v4 != nil {
			// Go prints ::ffff:1.2.3.4 as 1.2.3.4, which is an IPv4.
			return appendString(buf, "::ffff:"+v4.String())
		}
	}
	return appendString(buf, ip.String())
}

func (e *rowEncoder) appendBigInt(buf []byte, v *big.Int, t *chType) []byte {
	if t.kind == kindPlain {
		return v.Append(buf, 10)
	}
	buf = append(buf, '"')
	return append(v.Append(buf, 10), '"')
}

// addressOf returns a pointer to v, copying it when v is not addressable.
func addressOf(v reflect.Value) any {
	if v.CanAddr() {
		return v.Addr().Interface()
	}
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p.Interface()
}

// appendScalar appends the value p points to when it is one of the
// scalar types it knows, and reports whether it was.
func (e *rowEncoder) appendScalar(buf []byte, p any, t *chType) ([]byte, bool) {
	switch v := p.(type) {
	case *string:
		return e.appendText(buf, *v), true
	case *uint8:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint16:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint32:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint64:
		if t.kind == kindBigInt {
			return append(strconv.AppendUint(append(buf, '"'), *v, 10), '"'), true
		}
		return strconv.AppendUint(buf, *v, 10), true
	case *int8:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int16:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int32:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int64:
		if t.kind == kindBigInt {
			return append(strconv.AppendInt(append(buf, '"'), *v, 10), '"'), true
		}
		return strconv.AppendInt(buf, *v, 10), true
	case *float32:
		return appendFloat(buf, float64(*v), 32), true
	case *float64:
		return appendFloat(buf, *v, 64), true
	case *bool:
		return strconv.AppendBool(buf, *v), true
	case *time.Time:
		return appendTime(buf, *v, t), true
	case *time.Duration:
		if t.kind == kindTime {
			return appendClock(buf, *v, t.digits), true
		}
	case *big.Int:
		return e.appendBigInt(buf, v, t), true
	case *net.IP:
		return e.appendIP(buf, *v, t), true
	case *chcol.Variant: // also Dynamic
		return e.appendDynamic(buf, *v), true
	case *chcol.JSON:
		return e.appendObject(buf, v.NestedMap()), true
	}
	return buf, false
}

// appendTime writes a Date, DateTime or DateTime64 as ClickHouse's JSON
// format does, in the time zone the value carries (the column's).
func appendTime(buf []byte, v time.Time, t *chType) []byte {
	buf = append(buf, '"')
	switch t.kind {
	case kindDate:
		buf = v.AppendFormat(buf, time.DateOnly)
	case kindDateTime:
		buf = v.AppendFormat(buf, time.DateTime)
		buf = appendFraction(buf, v.Nanosecond(), t.digits)
	default:
		buf = v.AppendFormat(buf, time.RFC3339Nano) // needs no JSON escaping
	}
	return append(buf, '"')
}

// appendFraction appends ".ddd": digits fraction digits of nanos, or as
// many as needed when digits < 0.
func appendFraction(buf []byte, nanos, digits int) []byte {
	var d [9]byte // nanos, zero-padded
	for i := len(d) - 1; i >= 0; i-- {
		d[i], nanos = byte('0'+nanos%10), nanos/10
	}
	n := digits
	if digits < 0 {
		for n = len(d); n > 0 && d[n-1] == '0'; n-- {
		}
	}
	if n == 0 {
		return buf
	}
	return append(append(buf, '.'), d[:n]...)
}

// appendClock writes a Time or Time64 as ClickHouse does: [-]hh:mm:ss[.fff],
// hours past 24 as they are.
func appendClock(buf []byte, d time.Duration, digits int) []byte {
	buf = append(buf, '"')
	if d < 0 {
		buf, d = append(buf, '-'), -d
	}
	secs := int64(d / time.Second)
	h, m, s := secs/3600, secs/60%60, secs%60
	if h < 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, h, 10)
	buf = append(buf, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	buf = appendFraction(buf, int(d%time.Second), digits)
	return append(buf, '"')
}

func appendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `"nan"`...)
	case math.IsInf(f, 1):
		return append(buf, `"inf"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-inf"`...)
	}
	return strconv.AppendFloat(buf, f, 'g', -1, bits)
}

// appendText appends a string cell, cut to maxCell bytes (at a character
// boundary) with a marker saying how much is missing.
func (e *rowEncoder) appendText(buf []byte, s string) []byte {
	if e.maxCell <= 0 || int64(len(s)) <= e.maxCell {
		return appendString(buf, s)
	}
	e.cut++
	n := int(e.maxCell)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return appendString(buf, s[:n]+cutMarker(len(s)-n, len(s)))
}

// cutMarker ends a cut cell value.
func cutMarker(missing, total int) string {
	return "…[cut: " + strconv.Itoa(missing) + " of " + strconv.Itoa(total) + " bytes not shown]"
}

// appendString appends s as a JSON string, byte for byte as encoding/json
// writes it (HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD) but without allocating: string cells are most of a result.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0 // s[start:i] is still to be copied as is
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(append(buf, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(append(buf, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(buf, s[start:]...), '"')
}
