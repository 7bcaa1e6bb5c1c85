package clickhouse

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/chmcp/chmcp/internal/jsonstr"
)

// JSON returns r as encoding/json marshals it. For a result from Query it
// is the buffer the rows were streamed into, not a copy: shared and
// read-only (appending to it reallocates).
func (r *Result) JSON() ([]byte, error) {
	if r.encoded != nil {
		return slices.Clip(r.encoded), nil
	}
	return r.AppendJSON(nil)
}

// MarshalJSON: encoding/json writes a result as JSON does.
func (r *Result) MarshalJSON() ([]byte, error) { return r.JSON() }

// AllRows returns the rows: Rows for a result built by hand, else decoded
// from its JSON (a result from Query). Meant for tests and small results.
func (r *Result) AllRows() []json.RawMessage {
	if r.encoded == nil {
		return r.Rows
	}
	var whole struct {
		Rows []json.RawMessage `json:"rows"`
	}
	if json.Unmarshal(r.encoded, &whole) != nil {
		return nil
	}
	return whole.Rows
}

// Row returns row i (from 0) of the result, or nil when there is none.
func (r *Result) Row(i int) json.RawMessage {
	rows := r.AllRows()
	if i < 0 || i >= len(rows) {
		return nil
	}
	return rows[i]
}

// AppendJSON appends r exactly as encoding/json marshals it, without
// scanning the rows again: appendRow wrote them compact and escaped as
// encoding/json does, and re-validating a RawMessage is all encoding/json
// would add (about 9 ms per MiB of rows on a 2-core machine).
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	if r.encoded != nil {
		return append(b, r.encoded...), nil
	}
	size := 256 + len(r.Columns)*32
	for _, row := range r.Rows {
		size += len(row) + 1
	}
	b, err := r.appendHead(slices.Grow(b, size))
	if err != nil {
		return nil, err
	}
	if r.Rows == nil {
		return r.appendTail(append(b, "null"...))
	}
	b = append(b, '[')
	for i, row := range r.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case row == nil:
			b = append(b, "null"...) // as encoding/json writes a nil RawMessage
		case len(row) == 0:
			return nil, errEmptyRow // encoding/json refuses an empty one
		default:
			b = append(b, row...)
		}
	}
	return r.appendTail(append(b, ']'))
}

// appendHead appends what comes before the rows array. (By hand, as
// encoding/json writes it: json.Marshal's reflection was most of chmcp's
// own CPU in a small result.)
func (r *Result) appendHead(b []byte) ([]byte, error) {
	b = append(b, `{"columns":`...)
	if r.Columns == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range r.Columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(append(b, `{"name":`...), c.Name)
			b = append(jsonstr.Append(append(b, `,"type":`...), c.Type), '}')
		}
		b = append(b, ']')
	}
	return append(b, `,"rows":`...), nil
}

// appendTail appends what comes after the rows array.
func (r *Result) appendTail(b []byte) ([]byte, error) {
	var err error
	b = append(b, `,"row_count":`...)
	b = strconv.AppendInt(b, int64(r.RowCount), 10)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, r.Truncated)
	if r.TruncatedReason != "" {
		b = jsonstr.Append(append(b, `,"truncated_reason":`...), r.TruncatedReason)
	}
	b = jsonstr.Append(append(b, `,"query_id":`...), r.QueryID)
	if b, err = appendJSONFloat(append(b, `,"elapsed_ms":`...), r.ElapsedMs); err != nil {
		return nil, err
	}
	if r.User != "" {
		b = jsonstr.Append(append(b, `,"user":`...), r.User)
	}
	if r.RowsBeforeLimitAtLeast != nil {
		b = append(b, `,"rows_before_limit_at_least":`...)
		b = strconv.AppendUint(b, *r.RowsBeforeLimitAtLeast, 10)
	}
	if r.CellsCut != 0 {
		b = append(b, `,"cells_cut":`...)
		b = strconv.AppendInt(b, int64(r.CellsCut), 10)
	}
	if r.Note != "" {
		b = jsonstr.Append(append(b, `,"note":`...), r.Note)
	}
	return append(b, '}'), nil
}

var (
	errEmptyRow   = errors.New("clickhouse: an empty row is not JSON")
	errNotANumber = errors.New("clickhouse: NaN or an infinity is not JSON")
)

// appendJSONFloat appends f as encoding/json writes a float64 (its floatEncoder:
// the shortest form, exponent notation below 1e-6 and from 1e21, "e-07" as
// "e-7"), and refuses what encoding/json refuses.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errNotANumber
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
}
