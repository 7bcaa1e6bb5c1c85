package clickhouse

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/chmcp/chmcp/internal/jsonstr"
)

// appendRow appends one row as a JSON array. dest holds pointers filled by
// Scan. Common scalar types take a fast path; anything else goes through
// encoding/json, and what JSON cannot express (NaN, maps with odd keys)
// falls back to its text form rather than failing the whole result.
func appendRow(buf []byte, dest []any) []byte {
	buf = append(buf, '[')
	for i, d := range dest {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendValue(buf, d)
	}
	return append(buf, ']')
}

func appendValue(buf []byte, p any) []byte {
	if out, ok := appendScalar(buf, p); ok {
		return out
	}
	// Nullable columns scan into **T; dereference to the value or null.
	rv := reflect.ValueOf(p)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return append(buf, "null"...)
		}
		if rv.Elem().Kind() != reflect.Pointer {
			break
		}
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Pointer {
		if out, ok := appendScalar(buf, rv.Interface()); ok {
			return out
		}
		switch _, marshals := rv.Interface().(json.Marshaler); {
		case marshals || implementsText(rv):
			// UUID ([16]byte), IPs, decimals: their own text form.
		case rv.Elem().Kind() == reflect.Slice, rv.Elem().Kind() == reflect.Array:
			// Element by element: Array(UInt8) is a []byte to Go, which
			// encoding/json would turn into base64; NaN and big integers
			// inside arrays need the same care as top-level values.
			return appendList(buf, rv.Elem())
		case rv.Elem().Kind() == reflect.Map:
			return appendMap(buf, rv.Elem())
		}
	}
	// Marshal through the pointer: big.Int (Int128/256) and decimals have
	// pointer-receiver marshalers; their values would print as {}.
	v := rv.Interface()
	if b, err := json.Marshal(v); err == nil {
		return append(buf, b...)
	}
	if _, ok := v.(fmt.Stringer); !ok && rv.Kind() == reflect.Pointer {
		v = rv.Elem().Interface()
	}
	return appendString(buf, fmt.Sprint(v))
}

func implementsText(rv reflect.Value) bool {
	_, ok := rv.Interface().(encoding.TextMarshaler)
	return ok
}

func appendList(buf []byte, list reflect.Value) []byte {
	if list.Kind() == reflect.Slice && list.IsNil() {
		return append(buf, "[]"...)
	}
	buf = append(buf, '[')
	for i := range list.Len() {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendValue(buf, addressOf(list.Index(i)))
	}
	return append(buf, ']')
}

// appendMap writes a Map column as an object; keys in sorted order, as
// encoding/json does, non-string keys in their text form.
func appendMap(buf []byte, m reflect.Value) []byte {
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		entries = append(entries, entry{fmt.Sprint(it.Key().Interface()), it.Value()})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	buf = append(buf, '{')
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, e.key)
		buf = append(buf, ':')
		buf = appendValue(buf, addressOf(e.val))
	}
	return append(buf, '}')
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

// appendScalar appends the value p points to when it is one of the common
// scalar types, and reports whether it was.
func appendScalar(buf []byte, p any) ([]byte, bool) {
	switch v := p.(type) {
	case *string:
		return appendString(buf, *v), true
	case *uint8:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint16:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint32:
		return strconv.AppendUint(buf, uint64(*v), 10), true
	case *uint64:
		return strconv.AppendUint(buf, *v, 10), true
	case *int8:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int16:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int32:
		return strconv.AppendInt(buf, int64(*v), 10), true
	case *int64:
		return strconv.AppendInt(buf, *v, 10), true
	case *float32:
		return appendFloat(buf, float64(*v), 32), true
	case *float64:
		return appendFloat(buf, *v, 64), true
	case *bool:
		return strconv.AppendBool(buf, *v), true
	case *time.Time:
		// RFC 3339 text needs no JSON escaping.
		buf = append(buf, '"')
		return append(v.AppendFormat(buf, time.RFC3339Nano), '"'), true
	}
	return buf, false
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

// appendString appends s as a JSON string, as encoding/json writes it.
func appendString(buf []byte, s string) []byte { return jsonstr.Append(buf, s) }
