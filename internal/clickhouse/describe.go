package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/sqlguard"
)

// ColumnInfo describes one column for describe_table.
type ColumnInfo struct {
	Name              string `json:"name"`
	Type              string `json:"type"`
	DefaultKind       string `json:"default_kind,omitempty"`
	DefaultExpression string `json:"default_expression,omitempty"`
	Codec             string `json:"codec,omitempty"`
	Comment           string `json:"comment,omitempty"`
	InSortingKey      bool   `json:"in_sorting_key"`
	InPrimaryKey      bool   `json:"in_primary_key"`
	InPartitionKey    bool   `json:"in_partition_key"`
	InSamplingKey     bool   `json:"in_sampling_key"`
}

// SkipIndex is a data skipping index of a MergeTree table.
type SkipIndex struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // with its arguments: bloom_filter(0.01), set(100), ...
	Expression  string `json:"expression"`
	Granularity uint64 `json:"granularity"`
}

// Projection is a projection of a MergeTree table.
type Projection struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// TableRef names a table.
type TableRef struct {
	Database string `json:"database"`
	Table    string `json:"table"`
}

// TableInfo is the describe_table result. The engine clause, TTL and
// indexes tell an assistant how to query a table well (FINAL for a
// ReplacingMergeTree, the sorting key in WHERE, SAMPLE); a view's
// definition and a materialized view's target tell it where data lives.
type TableInfo struct {
	Database     string `json:"database"`
	Name         string `json:"name"`
	Engine       string `json:"engine"`
	EngineFull   string `json:"engine_full,omitempty"`
	SortingKey   string `json:"sorting_key,omitempty"`
	PrimaryKey   string `json:"primary_key,omitempty"`
	PartitionKey string `json:"partition_key,omitempty"`
	SamplingKey  string `json:"sampling_key,omitempty"`
	TTL          string `json:"ttl,omitempty"`
	// AsSelect is the SELECT of a view or materialized view.
	AsSelect string `json:"as_select,omitempty"`
	// Target is where a materialized view writes (its TO table, or the
	// hidden .inner_id. table it owns).
	Target *TableRef `json:"target,omitempty"`
	// DependentViews are the materialized views fed by inserts into this table.
	DependentViews []TableRef   `json:"dependent_views,omitempty"`
	TotalRows      *uint64      `json:"total_rows,omitempty"`
	TotalBytes     *uint64      `json:"total_bytes,omitempty"`
	Comment        string       `json:"comment,omitempty"`
	Columns        []ColumnInfo `json:"columns"`
	SkipIndexes    []SkipIndex  `json:"skip_indexes,omitempty"`
	Projections    []Projection `json:"projections,omitempty"`
}

// DescribeTable returns columns, keys, engine clause, indexes, size and,
// for a view, the definition of one table.
func (c *Client) DescribeTable(ctx context.Context, id identity.Identity, database, table string) (*TableInfo, error) {
	params := map[string]string{"db": chsql.StringParam(database), "t": chsql.StringParam(table)}
	info := &TableInfo{Database: database, Name: table, Columns: []ColumnInfo{}}
	found := false
	err := c.each(ctx, id, "SELECT engine, engine_full, sorting_key, primary_key, partition_key, sampling_key, as_select, "+
		"dependencies_database, dependencies_table, total_rows, total_bytes, comment "+
		"FROM system.tables WHERE database = {db:String} AND name = {t:String}", params, func(r driver.Rows) error {
		found = true
		var depDBs, depTables []string
		err := r.Scan(&info.Engine, &info.EngineFull, &info.SortingKey, &info.PrimaryKey, &info.PartitionKey, &info.SamplingKey,
			&info.AsSelect, &depDBs, &depTables, &info.TotalRows, &info.TotalBytes, &info.Comment)
		for i := range min(len(depDBs), len(depTables)) {
			info.DependentViews = append(info.DependentViews, TableRef{Database: depDBs[i], Table: depTables[i]})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &NotFoundError{What: fmt.Sprintf("table %s.%s", chsql.QuoteIdent(database), chsql.QuoteIdent(table))}
	}
	info.TTL = ttlClause(info.EngineFull)
	err = c.each(ctx, id, "SELECT name, type, default_kind, default_expression, compression_codec, comment, "+
		"is_in_sorting_key, is_in_primary_key, is_in_partition_key, is_in_sampling_key "+
		"FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position", params, func(r driver.Rows) error {
		var col ColumnInfo
		var sorting, primary, partition, sampling uint8
		if err := r.Scan(&col.Name, &col.Type, &col.DefaultKind, &col.DefaultExpression, &col.Codec, &col.Comment,
			&sorting, &primary, &partition, &sampling); err != nil {
			return err
		}
		col.InSortingKey, col.InPrimaryKey, col.InPartitionKey, col.InSamplingKey = sorting == 1, primary == 1, partition == 1, sampling == 1
		info.Columns = append(info.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case info.Engine == "MaterializedView":
		err = c.describeTarget(ctx, id, params, info)
	case strings.HasSuffix(info.Engine, "MergeTree"):
		err = c.describeIndexes(ctx, id, params, info)
	}
	if err != nil {
		return nil, err
	}
	return info, nil
}

// describeTarget fills in where a materialized view writes.
func (c *Client) describeTarget(ctx context.Context, id identity.Identity, params map[string]string, info *TableInfo) error {
	return c.eachOptional(ctx, id, "SELECT target_database, target_table FROM system.tables "+
		"WHERE database = {db:String} AND name = {t:String} AND target_table != ''", params, func(r driver.Rows) error {
		var t TableRef
		err := r.Scan(&t.Database, &t.Table)
		info.Target = &t
		return err
	})
}

// describeIndexes fills in the skip indexes and projections of a MergeTree table.
func (c *Client) describeIndexes(ctx context.Context, id identity.Identity, params map[string]string, info *TableInfo) error {
	err := c.each(ctx, id, "SELECT name, type_full, expr, granularity FROM system.data_skipping_indices "+
		"WHERE database = {db:String} AND table = {t:String} ORDER BY name", params, func(r driver.Rows) error {
		var ix SkipIndex
		err := r.Scan(&ix.Name, &ix.Type, &ix.Expression, &ix.Granularity)
		info.SkipIndexes = append(info.SkipIndexes, ix)
		return err
	})
	if err != nil {
		return err
	}
	return c.eachOptional(ctx, id, "SELECT name, query FROM system.projections "+
		"WHERE database = {db:String} AND table = {t:String} ORDER BY name", params, func(r driver.Rows) error {
		var p Projection
		err := r.Scan(&p.Name, &p.Query)
		info.Projections = append(info.Projections, p)
		return err
	})
}

// codeUnknownTable is ClickHouse's UNKNOWN_TABLE: with codeUnknownIdentifier,
// what a server older than the one chmcp is tested on answers for a system
// table or column it does not have yet (system.projections,
// system.tables.target_table).
const codeUnknownTable = 60

// eachOptional is each for metadata an older ClickHouse does not have:
// then it reports nothing instead of failing the whole description.
func (c *Client) eachOptional(ctx context.Context, id identity.Identity, sql string, params map[string]string, scan func(driver.Rows) error) error {
	err := c.each(ctx, id, sql, params, scan)
	if qe, ok := errors.AsType[*QueryError](err); ok && (qe.Code == codeUnknownIdentifier || qe.Code == codeUnknownTable) {
		return nil
	}
	return err
}

// ttlClause is the TTL clause of a MergeTree engine_full, as ClickHouse
// formats it: "<engine> [PARTITION BY ..] [PRIMARY KEY ..] [ORDER BY ..]
// [SAMPLE BY ..] [TTL ..] [SETTINGS ..]". ClickHouse leaves identifiers
// named ttl or settings unquoted, so the clause keywords are told apart by
// ClickHouse's lexer, bracket depth, their upper case (ClickHouse writes
// keywords in upper case) and their position: a keyword follows the end of
// an expression, a column name follows BY, an operator, a comma or a bracket.
func ttlClause(engineFull string) string {
	tokens := sqlguard.Lex(engineFull)
	depth, start, end := 0, -1, len(engineFull)
	prev := sqlguard.Token{Kind: sqlguard.Whitespace}
	for _, t := range tokens {
		switch t.Kind {
		case sqlguard.Whitespace, sqlguard.Comment:
			continue
		case sqlguard.OpeningRoundBracket, sqlguard.OpeningSquareBracket, sqlguard.OpeningCurlyBrace:
			depth++
		case sqlguard.ClosingRoundBracket, sqlguard.ClosingSquareBracket, sqlguard.ClosingCurlyBrace:
			depth--
		case sqlguard.BareWord:
			word := engineFull[t.Begin:t.End]
			if depth == 0 && endsExpression(engineFull, prev) {
				switch {
				case word == "TTL" && start < 0:
					start = t.End
				case word == "SETTINGS" && start >= 0:
					end = t.Begin
				}
			}
		}
		prev = t
	}
	if start < 0 || end < start {
		return ""
	}
	return strings.TrimSpace(engineFull[start:end])
}

// endsExpression reports whether a clause keyword may follow token t.
func endsExpression(s string, t sqlguard.Token) bool {
	switch t.Kind {
	case sqlguard.BareWord:
		w := s[t.Begin:t.End] // keywords in upper case, as ClickHouse writes them
		return w != "BY" && w != "KEY" && w != "TTL" && w != "AND" && w != "OR" && w != "NOT" && w != "WHERE" && w != "INTERVAL"
	case sqlguard.Number, sqlguard.StringLiteral, sqlguard.QuotedIdentifier,
		sqlguard.ClosingRoundBracket, sqlguard.ClosingSquareBracket, sqlguard.ClosingCurlyBrace:
		return true
	}
	return false
}
