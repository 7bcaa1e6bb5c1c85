package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/identity"
)

// SchemaMatch is one database, table or column whose name or comment
// contains the search text.
type SchemaMatch struct {
	Kind     string `json:"kind" jsonschema:"database, table or column"`
	Database string `json:"database"`
	Table    string `json:"table,omitempty"`
	Column   string `json:"column,omitempty"`
	// Type is a column's type, Engine a database's or table's engine.
	Type    string `json:"type,omitempty"`
	Engine  string `json:"engine,omitempty"`
	Comment string `json:"comment,omitempty"`
	// MatchedOn says where the text was found: "name" (checked first) or "comment".
	MatchedOn string `json:"matched_on" jsonschema:"name or comment"`
}

// SearchPage is a page of search_schema; NextCursor is empty on the last page.
type SearchPage struct {
	Matches    []SchemaMatch `json:"matches"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// SchemaSearch is what search_schema looks for.
type SchemaSearch struct {
	// Text is matched as a case-insensitive substring (UTF-8): no wildcards,
	// % and _ are themselves.
	Text string
	// Databases limits the search; empty means every database but the
	// system ones.
	Databases []string
	Cursor    string
	Limit     int
}

// searchCursor is the decoded form of an opaque search_schema cursor: the
// sort key of the last match of the page, bound to the search it came from.
type searchCursor struct {
	Search   string `json:"s"`
	Rank     uint8  `json:"r"`
	Database string `json:"d"`
	Table    string `json:"t"`
	Name     string `json:"n"`
}

// Kinds of SchemaMatch, in the order results come in (their rank).
var matchKinds = []string{"database", "table", "column"}

// The three sources of matches, each giving rank, database, table, name
// (the sort key; name is the database's, table's or column's own), then
// type, engine, comment. The text only ever reaches ClickHouse as the
// query parameter {text:String}.
const searchSQL = `SELECT rank, database, table, name, type, engine, comment,
	if(positionCaseInsensitiveUTF8(name, {text:String}) > 0, 'name', 'comment') AS matched_on
FROM (
	SELECT toUInt8(0) AS rank, name AS database, '' AS table, name, '' AS type, engine, comment
	FROM system.databases WHERE %[1]s
	UNION ALL
	SELECT toUInt8(1), database, '' AS table, name, '', engine, comment
	FROM system.tables WHERE %[2]s AND NOT is_temporary AND ` + notInner + `
	UNION ALL
	SELECT toUInt8(2), database, table, name, type, '', comment
	FROM system.columns WHERE %[2]s AND NOT startsWith(table, '.inner')
)
WHERE (rank, database, table, name) > ({r:UInt8}, {d:String}, {t:String}, {n:String})
ORDER BY rank, database, table, name
LIMIT {limit:UInt32}`

// textMatch is the match condition on a source's name and comment.
const textMatch = "(positionCaseInsensitiveUTF8(name, {text:String}) > 0 OR positionCaseInsensitiveUTF8(comment, {text:String}) > 0)"

// SearchSchema finds the databases, tables and columns id can see whose
// name or comment contains s.Text, s.Limit at a time. ClickHouse filters
// system.databases, system.tables and system.columns by the caller's SHOW
// grants, so nothing the caller cannot see is ever matched.
func (c *Client) SearchSchema(ctx context.Context, id identity.Identity, s SchemaSearch) (*SearchPage, error) {
	key := searchKey(s)
	var after searchCursor
	if s.Cursor != "" {
		if err := decodeOpaque(s.Cursor, &after); err != nil || after.Search != key {
			return nil, &GuardError{Reason: "invalid cursor: pass next_cursor from the previous search_schema call with the same text and databases"}
		}
	}
	params := map[string]string{
		"text": chsql.StringParam(s.Text), "limit": fmt.Sprint(s.Limit + 1),
		"r": fmt.Sprint(after.Rank), "d": chsql.StringParam(after.Database), "t": chsql.StringParam(after.Table), "n": chsql.StringParam(after.Name),
	}
	var dbName, db string
	if len(s.Databases) > 0 {
		params["dbs"] = chsql.StringArrayParam(s.Databases)
		dbName, db = "has({dbs:Array(String)}, name)", "has({dbs:Array(String)}, database)"
	} else {
		params["sys"] = chsql.StringArrayParam(systemDatabases)
		dbName, db = "NOT has({sys:Array(String)}, name)", "NOT has({sys:Array(String)}, database)"
	}
	sql := fmt.Sprintf(searchSQL, dbName+" AND "+textMatch, db+" AND "+textMatch)
	page := &SearchPage{Matches: []SchemaMatch{}}
	var last searchCursor
	err := c.each(ctx, id, sql, params, func(r driver.Rows) error {
		var m SchemaMatch
		var rank uint8
		var table, name string
		if err := r.Scan(&rank, &m.Database, &table, &name, &m.Type, &m.Engine, &m.Comment, &m.MatchedOn); err != nil {
			return err
		}
		if len(page.Matches) == s.Limit {
			page.NextCursor = encodeOpaque(last)
			return nil
		}
		m.Kind = matchKinds[min(int(rank), len(matchKinds)-1)]
		switch rank {
		case 1:
			m.Table = name
		case 2:
			m.Table, m.Column = table, name
		}
		page.Matches = append(page.Matches, m)
		last = searchCursor{Search: key, Rank: rank, Database: m.Database, Table: table, Name: name}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// searchKey identifies a search (text and databases) without carrying it
// in every cursor.
func searchKey(s SchemaSearch) string {
	h := sha256.New()
	b, _ := json.Marshal([]any{s.Text, s.Databases})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func encodeOpaque(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeOpaque(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
