package clickhouse

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
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
	switch v := p.(type) {
	case *string:
		return appendString(buf, *v)
	case *uint8:
		return strconv.AppendUint(buf, uint64(*v), 10)
	case *uint16:
		return strconv.AppendUint(buf, uint64(*v), 10)
	case *uint32:
		return strconv.AppendUint(buf, uint64(*v), 10)
	case *uint64:
		return strconv.AppendUint(buf, *v, 10)
	case *int8:
		return strconv.AppendInt(buf, int64(*v), 10)
	case *int16:
		return strconv.AppendInt(buf, int64(*v), 10)
	case *int32:
		return strconv.AppendInt(buf, int64(*v), 10)
	case *int64:
		return strconv.AppendInt(buf, *v, 10)
	case *float32:
		return appendFloat(buf, float64(*v), 32)
	case *float64:
		return appendFloat(buf, *v, 64)
	case *bool:
		return strconv.AppendBool(buf, *v)
	case *time.Time:
		return appendString(buf, v.Format(time.RFC3339Nano))
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
		if fast := appendValueFast(buf, rv.Interface()); fast != nil {
			return fast
		}
		rv = rv.Elem()
	}
	v := rv.Interface()
	if b, err := json.Marshal(v); err == nil {
		return append(buf, b...)
	}
	return appendString(buf, fmt.Sprint(v))
}

// appendValueFast handles a non-nil pointer to a scalar, or returns nil.
func appendValueFast(buf []byte, p any) []byte {
	switch p.(type) {
	case *string, *uint8, *uint16, *uint32, *uint64, *int8, *int16, *int32, *int64, *float32, *float64, *bool, *time.Time:
		return appendValue(buf, p)
	}
	return nil
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

// appendString writes s as a JSON string, escaping as encoding/json does
// (HTML-safe escaping is not needed for data).
func appendString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // never fails for a string; invalid UTF-8 becomes U+FFFD
	return append(buf, b...)
}
