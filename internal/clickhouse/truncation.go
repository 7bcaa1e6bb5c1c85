package clickhouse

import (
	"strconv"
	"strings"
	"sync"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/config"
)

// profileInfo keeps what ClickHouse's ProfileInfo packet says about rows
// before LIMIT. Only the native protocol sends it; over HTTP clickhouse-go
// reads Native format, whose stream has no such footer.
type profileInfo struct {
	mu    sync.Mutex
	rows  uint64
	known bool
}

func (p *profileInfo) set(info *ch.ProfileInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if info.AppliedLimit && info.CalculatedRowsBeforeLimit {
		p.rows, p.known = info.RowsBeforeLimit, true
	}
}

// rowsBeforeLimit is ClickHouse's rows_before_limit_at_least, or nil when
// ClickHouse did not say (no LIMIT in the query, or the HTTP protocol).
func (p *profileInfo) rowsBeforeLimit() *uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known {
		return nil
	}
	n := p.rows
	return &n
}

// explain records what the caps cut and, when anything was, says in Note
// what, by which cap, and what to do next: the reader of a result is often
// an assistant that will write the next query.
func (r *Result) explain(rowsBeforeLimit *uint64, cellsCut int, cfg config.ClickHouseConfig) {
	r.RowsBeforeLimitAtLeast, r.CellsCut = rowsBeforeLimit, cellsCut
	if !r.Truncated && cellsCut == 0 {
		r.Note = ""
		return
	}
	var b strings.Builder
	if r.Truncated {
		b.WriteString("Showing the first " + strconv.Itoa(r.RowCount) + " rows: ")
		switch r.TruncatedReason {
		case ReasonMaxRows:
			b.WriteString("the result has more than " + strconv.Itoa(cfg.MaxResultRows) + " rows (chmcp's cap, clickhouse.max_result_rows). ")
		case ReasonMaxBytes:
			b.WriteString("the next row would take the result past " + byteSize(cfg.MaxResultBytes) + " of JSON (chmcp's cap, clickhouse.max_result_bytes). ")
		}
		if rowsBeforeLimit != nil {
			b.WriteString("ClickHouse counted at least " + strconv.FormatUint(*rowsBeforeLimit, 10) +
				" rows before the query's LIMIT (rows_before_limit_at_least). ")
		} else {
			b.WriteString("How many rows the query would produce is unknown (count() tells). ")
		}
		b.WriteString("To see what matters: aggregate (GROUP BY, count(), sum(), uniq()), filter with WHERE, add LIMIT, or select fewer columns.")
	}
	if cellsCut > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(cellsCut) + " long values were cut to " + byteSize(cfg.MaxCellBytes) +
			" (clickhouse.max_cell_bytes), each ending in a \"…[cut: N of M bytes not shown]\" marker: " +
			"select length(col) or substring(col, 1, n) instead, or filter to the rows whose full value you need.")
	}
	r.Note = b.String()
}

// byteSize writes n bytes the way people read sizes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
