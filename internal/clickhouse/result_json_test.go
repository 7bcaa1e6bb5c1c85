package clickhouse

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestResultAppendJSON: the JSON Query streams a result into, and what
// AppendJSON writes for a result built by hand, are exactly what
// encoding/json writes for the struct, for real results (every kind of
// value appendRow encodes, truncated or not) and for the edges of the
// struct.
func TestResultAppendJSON(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	var results []*Result
	for _, q := range []struct {
		sql  string
		opts QueryOptions
	}{
		{"SELECT toInt128(-5) AS `a<b>&c`, toUInt256(7), toDecimal64(1.5, 2), CAST(NULL AS Nullable(Int128)), " +
			"toUUID('00000000-0000-0000-0000-000000000001'), [1, 2], map('k', 1), toDate('2026-01-02'), nan, -inf, " +
			"[[toUInt8(3)], []], [nan, 1.5], map(2, [toInt128(9)]), CAST([NULL, 'x'] AS Array(Nullable(String))), " +
			"'<script>&\u2028\u2029\"\\\\\x01', '\xff\xfe', 1e-7, 1e21, 0.1, toFloat32(0.1), now64(6), true", QueryOptions{}},
		{"SELECT number, toString(number) FROM numbers(50)", QueryOptions{}},
		{"SELECT 1 WHERE 0", QueryOptions{}},
	} {
		q.opts.ReadOnly = true
		res, err := c.Query(context.Background(), anyone, q.sql, q.opts)
		if err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
		results = append(results, res)
	}
	truncated, err := newTestClient(t, func() config.ClickHouseConfig {
		cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
		cfg.MaxResultRows = 3
		return cfg
	}()).Query(context.Background(), anyone, "SELECT number FROM numbers(10)", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !truncated.Truncated {
		t.Fatal("not truncated")
	}
	results = append(results, truncated,
		&Result{},
		&Result{Rows: []json.RawMessage{nil, json.RawMessage("[1]")}, User: "<alice>", TruncatedReason: ReasonMaxBytes, ElapsedMs: 1e21},
		&Result{Columns: []Column{{Name: "é\u2028", Type: "String"}}, Rows: []json.RawMessage{}, QueryID: "q&1", ElapsedMs: 1e-7},
		&Result{RowsBeforeLimitAtLeast: new(uint64), CellsCut: -1, Note: "<cut> \u2028 & \"more\""},
		&Result{RowsBeforeLimitAtLeast: ptr(uint64(math.MaxUint64)), CellsCut: 3, Truncated: true, TruncatedReason: ReasonMaxRows},
		&Result{Columns: []Column{}, ElapsedMs: 1e-6},
		&Result{Columns: []Column{{"a", "UInt8"}, {"\xff\xfe", "<T>"}}, ElapsedMs: 9.999999e-7},
		&Result{ElapsedMs: 123.456, User: "\x01\u2029"},
		&Result{ElapsedMs: 1.5e-300},
		&Result{ElapsedMs: 9.99e20},
		&Result{ElapsedMs: math.Copysign(0, -1)},
	)
	for i, r := range results {
		want, err := marshalPlain(r)
		if err != nil {
			t.Fatal(err)
		}
		if whole, err := r.JSON(); err != nil || !bytes.Equal(whole, want) {
			t.Errorf("result %d:\nJSON         %s (%v)\njson.Marshal %s", i, whole, err, want)
		}
		prefix := []byte("keep:")
		got, err := r.AppendJSON(prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
			t.Errorf("result %d:\nAppendJSON  %s\njson.Marshal %s", i, got, want)
		}
	}
	// What encoding/json refuses, AppendJSON refuses too.
	for _, r := range []*Result{{ElapsedMs: math.NaN()}, {ElapsedMs: math.Inf(-1)}, {Rows: []json.RawMessage{{}}}} {
		if _, err := marshalPlain(r); err == nil {
			t.Fatalf("json.Marshal accepts %+v", r)
		}
		if _, err := r.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON accepts %+v", r)
		}
	}
}

// plainResult is Result without its methods: what encoding/json makes of
// the struct's fields.
type plainResult Result

// marshalPlain is encoding/json's output for r, its rows taken from
// r.Rows or, for a result from Query, decoded from its JSON.
func marshalPlain(r *Result) ([]byte, error) {
	p := plainResult(*r)
	if r.encoded != nil {
		var whole struct {
			Rows []json.RawMessage `json:"rows"`
		}
		if err := json.Unmarshal(r.encoded, &whole); err != nil {
			return nil, err
		}
		p.Rows = whole.Rows
	}
	return json.Marshal(&p)
}
