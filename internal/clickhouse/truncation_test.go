package clickhouse

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestLongCellsCut: a string longer than max_cell_bytes is cut at a
// character boundary, ends in a marker saying how much is missing, and the
// result counts and explains it; shorter ones are untouched.
func TestLongCellsCut(t *testing.T) {
	for _, proto := range []string{config.ProtocolTCP, config.ProtocolHTTP} {
		cfg := srv(t).ClickHouseConfig(proto)
		cfg.MaxCellBytes = 9
		c := newTestClient(t, cfg)
		// 'é' is two bytes: byte 9 falls inside the fifth one.
		res, err := c.Query(context.Background(), anyone,
			"SELECT repeat('é', 8) AS long, 'short' AS s, [repeat('x', 12)] AS arr, map('k', repeat('y', 11)) AS m", QueryOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var row []any
		if err := json.Unmarshal(res.Row(0), &row); err != nil {
			t.Fatal(err)
		}
		if want := "éééé…[cut: 8 of 16 bytes not shown]"; row[0] != want {
			t.Errorf("%s: long = %q, want %q", proto, row[0], want)
		}
		if row[1] != "short" {
			t.Errorf("%s: short = %q", proto, row[1])
		}
		if got := row[2].([]any)[0]; got != "xxxxxxxxx…[cut: 3 of 12 bytes not shown]" {
			t.Errorf("%s: array element = %q", proto, got)
		}
		if got := row[3].(map[string]any)["k"]; got != "yyyyyyyyy…[cut: 2 of 11 bytes not shown]" {
			t.Errorf("%s: map value = %q", proto, got)
		}
		if res.CellsCut != 3 || res.Truncated || !strings.Contains(res.Note, "3 long values were cut to 9 bytes (clickhouse.max_cell_bytes)") {
			t.Errorf("%s: cells_cut %d, truncated %v, note %q", proto, res.CellsCut, res.Truncated, res.Note)
		}
	}
}

// TestCellsCutCountsKeptRows: cells_cut counts the cut values of the rows
// returned, not those of the row the byte cap left out.
func TestCellsCutCountsKeptRows(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxCellBytes, cfg.MaxResultBytes = 10, 200
	res, err := newTestClient(t, cfg).Query(context.Background(), anyone, "SELECT repeat('x', 100) FROM numbers(100)", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || res.RowCount == 0 || res.CellsCut != res.RowCount {
		t.Fatalf("truncated %v, %d rows, cells_cut %d", res.Truncated, res.RowCount, res.CellsCut)
	}
}

// TestTruncationExplained: a cut result says how many rows it shows,
// which cap cut it, how many rows the query would produce when ClickHouse
// says (rows_before_limit_at_least, native protocol only) and what to do;
// over HTTP that count is "unknown", not guessed.
func TestTruncationExplained(t *testing.T) {
	for _, tc := range []struct {
		proto, sql  string
		rows, bytes int64
		reason      string
		atLeast     int64 // rows_before_limit_at_least at least this, 0 when unknown
		note        []string
	}{
		{config.ProtocolTCP, "SELECT number FROM numbers(1000000) WHERE number % 3 = 0 LIMIT 5000", 10, 1 << 20, ReasonMaxRows, 5000,
			[]string{"Showing the first 10 rows", "more than 10 rows (chmcp's cap, clickhouse.max_result_rows)", "before the query's LIMIT", "add LIMIT"}},
		{config.ProtocolHTTP, "SELECT number FROM numbers(1000000) WHERE number % 3 = 0 LIMIT 5000", 10, 1 << 20, ReasonMaxRows, 0,
			[]string{"Showing the first 10 rows", "is unknown"}},
		{config.ProtocolTCP, "SELECT number, repeat('x', 100) FROM numbers(1000)", 1000, 1 << 10, ReasonMaxBytes, 0,
			[]string{"past 1 KiB of JSON (chmcp's cap, clickhouse.max_result_bytes)", "is unknown", "select fewer columns"}},
	} {
		cfg := srv(t).ClickHouseConfig(tc.proto)
		cfg.MaxResultRows, cfg.MaxResultBytes = int(tc.rows), tc.bytes
		res, err := newTestClient(t, cfg).Query(context.Background(), anyone, tc.sql, QueryOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		body, err := res.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Truncated bool   `json:"truncated"`
			Reason    string `json:"truncated_reason"`
			RowCount  int    `json:"row_count"`
			AtLeast   int64  `json:"rows_before_limit_at_least"`
			Note      string `json:"note"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Truncated || got.Reason != tc.reason || (got.AtLeast == 0) != (tc.atLeast == 0) || got.AtLeast < tc.atLeast {
			t.Errorf("%s %s: truncated %v, reason %q, rows_before_limit_at_least %d; want true, %q, >= %d", tc.proto, tc.sql,
				got.Truncated, got.Reason, got.AtLeast, tc.reason, tc.atLeast)
		}
		for _, want := range append(tc.note, "Showing the first "+strconv.Itoa(got.RowCount)+" rows") {
			if !strings.Contains(got.Note, want) {
				t.Errorf("%s %s: note %q lacks %q", tc.proto, tc.sql, got.Note, want)
			}
		}
	}
	// A whole result has no note; rows_before_limit_at_least still tells
	// what LIMIT left out.
	res, err := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP)).Query(context.Background(), anyone,
		"SELECT number FROM numbers(100) WHERE number % 2 = 0 LIMIT 3", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Truncated || res.Note != "" || res.RowsBeforeLimitAtLeast == nil || *res.RowsBeforeLimitAtLeast < 3 {
		t.Errorf("whole result: truncated %v, note %q, rows_before_limit_at_least %v", res.Truncated, res.Note, res.RowsBeforeLimitAtLeast)
	}
}
