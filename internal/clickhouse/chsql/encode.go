package chsql

// Encoding JSON arguments as ClickHouse query-parameter values.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Encode writes a JSON value (decoded with UseNumber) as the value of a
// query parameter of this type. The value is data for the type's parser,
// never SQL.
func (t *Type) Encode(v any) (string, error) { return t.encode(v, false) }

// encode: at the top level ClickHouse reads a parameter value in the
// escaped text format; inside an array (inArray) elements use the quoted
// format.
func (t *Type) encode(v any, inArray bool) (string, error) {
	if v == nil {
		if t.kind != kindNullable {
			return "", errors.New("must not be null")
		}
		if inArray {
			return "NULL", nil
		}
		return `\N`, nil
	}
	switch t.kind {
	case kindNullable:
		return t.elem.encode(v, inArray)
	case kindArray:
		items, ok := v.([]any)
		if !ok {
			return "", errors.New("must be an array")
		}
		parts := make([]string, len(items))
		for i, item := range items {
			s, err := t.elem.encode(item, true)
			if err != nil {
				return "", fmt.Errorf("element %d %w", i, err)
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ",") + "]", nil
	case kindInt, kindBigInt:
		return t.encodeInt(v)
	case kindFloat:
		return t.encodeFloat(v)
	case kindDecimal:
		return t.encodeDecimal(v)
	case kindBool:
		b, ok := v.(bool)
		if !ok {
			return "", errors.New("must be a boolean")
		}
		return strconv.FormatBool(b), nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errors.New("must be a string")
	}
	text, err := t.checkText(s)
	if err != nil {
		return "", err
	}
	switch {
	case t.kind == kindRaw:
		return text, nil
	case inArray:
		return QuoteString(text), nil
	}
	return StringParam(text), nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkText validates a string-typed value and returns its ClickHouse text.
func (t *Type) checkText(s string) (string, error) {
	switch t.kind {
	case kindFixedString:
		if len(s) > t.length {
			return "", fmt.Errorf("must be at most %d bytes, got %d", t.length, len(s))
		}
	case kindEnum:
		for _, n := range t.names {
			if s == n {
				return s, nil
			}
		}
		return "", fmt.Errorf("must be one of %s", quoteList(t.names))
	case kindUUID:
		if !uuidPattern.MatchString(s) {
			return "", errors.New("must be a UUID like 123e4567-e89b-12d3-a456-426614174000")
		}
	case kindIPv4, kindIPv6:
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" || (t.kind == kindIPv4 && !a.Is4()) {
			return "", fmt.Errorf("must be an %s address", map[typeKind]string{kindIPv4: "IPv4", kindIPv6: "IPv6"}[t.kind])
		}
		return a.String(), nil
	case kindDate:
		return t.checkDate(s)
	case kindDateTime:
		return t.checkDateTime(s)
	}
	return s, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func (t *Type) checkDate(s string) (string, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", errors.New(`must be a date like "2024-01-02"`)
	}
	lo, hi := "1970-01-01", "2149-06-06"
	if t.date32 {
		lo, hi = "1900-01-01", "2299-12-31"
	}
	if f := d.Format(time.DateOnly); f < lo || f > hi {
		return "", fmt.Errorf("must be between %s and %s", lo, hi)
	}
	return d.Format(time.DateOnly), nil
}

// Date-time layouts accepted without an offset: wall-clock time in the
// column's (or the session's) time zone, as ClickHouse reads it.
var localLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.DateOnly}

// checkDateTime accepts RFC 3339 (converted to the column's zone) or a
// local "YYYY-MM-DD hh:mm:ss[.fff]", and writes ClickHouse's basic format,
// which its parameter parser always reads (a Unix timestamp would be
// ambiguous for small values).
func (t *Type) checkDateTime(s string) (string, error) {
	var wall time.Time
	if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if at.Before(time.Unix(0, 0)) && t.precision == 0 || t.precision == 0 && at.After(time.Unix(math.MaxUint32, 0)) {
			return "", errors.New("must be between 1970-01-01T00:00:00Z and 2106-02-07T06:28:15Z")
		}
		if t.loc == nil {
			return "", fmt.Errorf("time zone %q is unknown here: write the local time without an offset", t.zone)
		}
		wall = at.In(t.loc)
	} else {
		ok := false
		for _, layout := range localLayouts {
			if w, err := time.Parse(layout, s); err == nil {
				wall, ok = w, true
				break
			}
		}
		if !ok {
			return "", errors.New(`must be a date-time like "2024-01-02T03:04:05Z" or "2024-01-02 03:04:05"`)
		}
	}
	lo, hi := 1970, 2106
	if t.precision > 0 {
		lo, hi = 1900, 2299
	}
	if y := wall.Year(); y < lo || y > hi {
		return "", fmt.Errorf("year must be between %d and %d", lo, hi)
	}
	out := wall.Format(time.DateTime)
	if t.precision > 0 {
		frac := fmt.Sprintf("%09d", wall.Nanosecond())[:t.precision]
		out += "." + frac
	}
	return out, nil
}

func (t *Type) intRange() (lo, hi *big.Int) {
	one := big.NewInt(1)
	if t.signed {
		hi = new(big.Int).Lsh(one, uint(t.bits-1))
		lo = new(big.Int).Neg(hi)
		return lo, hi.Sub(hi, one)
	}
	hi = new(big.Int).Lsh(one, uint(t.bits))
	return big.NewInt(0), hi.Sub(hi, one)
}

// numberText is a JSON number; for big integers a string of digits too.
var numberText = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE]([+-]?[0-9]{1,3}))?$`)

// number reads a JSON number (or, when allowString, a string holding one)
// exactly. Exponents are bounded: 1e999999999 would take forever as an
// exact rational.
func number(v any, allowString bool) (*big.Rat, bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = string(x)
	case string:
		if !allowString {
			return nil, false
		}
		text = x
	default:
		return nil, false
	}
	if len(text) > 200 || !numberText.MatchString(text) {
		return nil, false
	}
	return new(big.Rat).SetString(text)
}

func (t *Type) encodeInt(v any) (string, error) {
	lo, hi := t.intRange()
	r, ok := number(v, t.kind == kindBigInt)
	if !ok || !r.IsInt() {
		return "", errors.New("must be an integer")
	}
	n := r.Num()
	if n.Cmp(lo) < 0 || n.Cmp(hi) > 0 {
		return "", fmt.Errorf("must be between %s and %s", lo, hi)
	}
	return n.String(), nil
}

func (t *Type) encodeFloat(v any) (string, error) {
	num, ok := v.(json.Number)
	if !ok {
		return "", errors.New("must be a number")
	}
	f, err := strconv.ParseFloat(string(num), t.bits)
	if err != nil || math.IsInf(f, 0) {
		return "", fmt.Errorf("must be a finite %d-bit floating-point number", t.bits)
	}
	return strconv.FormatFloat(f, 'g', -1, t.bits), nil
}

func (t *Type) encodeDecimal(v any) (string, error) {
	r, ok := number(v, false)
	if !ok {
		return "", errors.New("must be a number")
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.scale)), nil)
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	if !scaled.IsInt() {
		return "", fmt.Errorf("must have at most %d decimal places", t.scale)
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.precision)), nil)
	if new(big.Int).Abs(scaled.Num()).Cmp(limit) >= 0 {
		return "", fmt.Errorf("must have at most %d digits before the decimal point", t.precision-t.scale)
	}
	return r.FloatString(t.scale), nil
}
