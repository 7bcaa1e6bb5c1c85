package clickhouse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/identity"
)

// Database is one entry of list_databases.
type Database struct {
	Name    string `json:"name"`
	Engine  string `json:"engine"`
	Comment string `json:"comment,omitempty"`
}

// Table is one entry of list_tables.
type Table struct {
	Name       string  `json:"name"`
	Engine     string  `json:"engine"`
	TotalRows  *uint64 `json:"total_rows,omitempty"`
	TotalBytes *uint64 `json:"total_bytes,omitempty"`
	Comment    string  `json:"comment,omitempty"`
}

// TablePage is a page of tables; NextCursor is empty on the last page.
type TablePage struct {
	Database   string  `json:"database"`
	Tables     []Table `json:"tables"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// ColumnInfo describes one column for describe_table.
type ColumnInfo struct {
	Name              string `json:"name"`
	Type              string `json:"type"`
	DefaultKind       string `json:"default_kind,omitempty"`
	DefaultExpression string `json:"default_expression,omitempty"`
	Comment           string `json:"comment,omitempty"`
	InSortingKey      bool   `json:"in_sorting_key"`
	InPrimaryKey      bool   `json:"in_primary_key"`
	InPartitionKey    bool   `json:"in_partition_key"`
}

// TableInfo is the describe_table result.
type TableInfo struct {
	Database     string       `json:"database"`
	Name         string       `json:"name"`
	Engine       string       `json:"engine"`
	SortingKey   string       `json:"sorting_key,omitempty"`
	PrimaryKey   string       `json:"primary_key,omitempty"`
	PartitionKey string       `json:"partition_key,omitempty"`
	TotalRows    *uint64      `json:"total_rows,omitempty"`
	TotalBytes   *uint64      `json:"total_bytes,omitempty"`
	Comment      string       `json:"comment,omitempty"`
	Columns      []ColumnInfo `json:"columns"`
}

// NotFoundError: the object does not exist or the user cannot see it.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string {
	return e.What + " does not exist or you are not allowed to see it"
}

// each runs a read-only metadata query as id and calls scan for every row.
func (c *Client) each(ctx context.Context, id identity.Identity, sql string, params map[string]string, scan func(driver.Rows) error) error {
	if err := c.authorize(id); err != nil {
		return err
	}
	lim, err := c.limits(ctx, id, nil)
	if err != nil {
		return err
	}
	qctx, queryID := c.statement(ctx, id, c.uncapped.with(QueryOptions{ReadOnly: true}, lim.settings), params)
	fail := func(err error) error { return lim.blame(c.failed(ctx, id, queryID, err)) }
	rows, err := c.conn.Query(qctx, sql)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fail(err)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return nil
}

// ListDatabases lists the databases id can see.
func (c *Client) ListDatabases(ctx context.Context, id identity.Identity) ([]Database, error) {
	out := []Database{}
	err := c.each(ctx, id, "SELECT name, engine, comment FROM system.databases ORDER BY name", nil, func(r driver.Rows) error {
		var d Database
		if err := r.Scan(&d.Name, &d.Engine, &d.Comment); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// tableCursor is the decoded form of an opaque list_tables cursor. It is
// bound to the listing it came from so it cannot be replayed elsewhere.
type tableCursor struct {
	Database string `json:"d"`
	Like     string `json:"l,omitempty"`
	After    string `json:"a"`
}

// ListTables lists tables in database, optionally filtered by a LIKE
// pattern, pageSize at a time, resuming after cursor.
func (c *Client) ListTables(ctx context.Context, id identity.Identity, database, like, cursor string, pageSize int) (*TablePage, error) {
	after := ""
	if cursor != "" {
		cur, err := decodeCursor(cursor)
		if err != nil || cur.Database != database || cur.Like != like {
			return nil, &GuardError{Reason: "invalid cursor: pass next_cursor from the previous list_tables call with the same database and like"}
		}
		after = cur.After
	}
	params := map[string]string{"db": StringParam(database), "after": StringParam(after), "limit": fmt.Sprint(pageSize + 1)}
	sql := "SELECT name, engine, total_rows, total_bytes, comment FROM system.tables WHERE database = {db:String} AND name > {after:String}"
	if like != "" {
		sql += " AND name LIKE {like:String}"
		params["like"] = StringParam(like)
	}
	sql += " ORDER BY name LIMIT {limit:UInt32}"
	page := &TablePage{Database: database, Tables: []Table{}}
	err := c.each(ctx, id, sql, params, func(r driver.Rows) error {
		var t Table
		if err := r.Scan(&t.Name, &t.Engine, &t.TotalRows, &t.TotalBytes, &t.Comment); err != nil {
			return err
		}
		page.Tables = append(page.Tables, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Tables) > pageSize {
		page.Tables = page.Tables[:pageSize]
		page.NextCursor = encodeCursor(tableCursor{Database: database, Like: like, After: page.Tables[pageSize-1].Name})
	}
	if len(page.Tables) == 0 && cursor == "" {
		if ok, err := c.databaseExists(ctx, id, database); err != nil {
			return nil, err
		} else if !ok {
			return nil, &NotFoundError{What: fmt.Sprintf("database %q", database)}
		}
	}
	return page, nil
}

func (c *Client) databaseExists(ctx context.Context, id identity.Identity, database string) (bool, error) {
	found := false
	err := c.each(ctx, id, "SELECT 1 FROM system.databases WHERE name = {db:String}", map[string]string{"db": StringParam(database)}, func(driver.Rows) error {
		found = true
		return nil
	})
	return found, err
}

func encodeCursor(c tableCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (tableCursor, error) {
	var c tableCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}

// DescribeTable returns columns, keys, engine and size of one table.
func (c *Client) DescribeTable(ctx context.Context, id identity.Identity, database, table string) (*TableInfo, error) {
	params := map[string]string{"db": StringParam(database), "t": StringParam(table)}
	info := &TableInfo{Database: database, Name: table, Columns: []ColumnInfo{}}
	found := false
	err := c.each(ctx, id, "SELECT engine, sorting_key, primary_key, partition_key, total_rows, total_bytes, comment "+
		"FROM system.tables WHERE database = {db:String} AND name = {t:String}", params, func(r driver.Rows) error {
		found = true
		return r.Scan(&info.Engine, &info.SortingKey, &info.PrimaryKey, &info.PartitionKey, &info.TotalRows, &info.TotalBytes, &info.Comment)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &NotFoundError{What: fmt.Sprintf("table %s.%s", QuoteIdent(database), QuoteIdent(table))}
	}
	err = c.each(ctx, id, "SELECT name, type, default_kind, default_expression, comment, is_in_sorting_key, is_in_primary_key, is_in_partition_key "+
		"FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position", params, func(r driver.Rows) error {
		var col ColumnInfo
		var sorting, primary, partition uint8
		if err := r.Scan(&col.Name, &col.Type, &col.DefaultKind, &col.DefaultExpression, &col.Comment, &sorting, &primary, &partition); err != nil {
			return err
		}
		col.InSortingKey, col.InPrimaryKey, col.InPartitionKey = sorting == 1, primary == 1, partition == 1
		info.Columns = append(info.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// QuoteIdent backquotes a ClickHouse identifier for messages and SQL text.
func QuoteIdent(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '`')
	for i := 0; i < len(s); i++ {
		if s[i] == '`' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '`'))
}

// SchemaDatabase is one database of the schema overview.
type SchemaDatabase struct {
	Name   string  `json:"name"`
	Tables []Table `json:"tables"`
}

// SchemaOverview is the clickhouse://schema resource.
type SchemaOverview struct {
	Databases []SchemaDatabase `json:"databases"`
	Truncated bool             `json:"truncated"`
}

// overviewLimit bounds the schema resource on servers with huge catalogs.
const overviewLimit = 5000

// SchemaOverview lists every table id can see, grouped by database.
func (c *Client) SchemaOverview(ctx context.Context, id identity.Identity) (*SchemaOverview, error) {
	out := &SchemaOverview{Databases: []SchemaDatabase{}}
	n := 0
	err := c.each(ctx, id, "SELECT database, name, engine, total_rows, total_bytes, comment FROM system.tables "+
		"WHERE NOT is_temporary ORDER BY database, name LIMIT {limit:UInt32}",
		map[string]string{"limit": fmt.Sprint(overviewLimit + 1)}, func(r driver.Rows) error {
			var db string
			var t Table
			if err := r.Scan(&db, &t.Name, &t.Engine, &t.TotalRows, &t.TotalBytes, &t.Comment); err != nil {
				return err
			}
			if n++; n > overviewLimit {
				out.Truncated = true
				return nil
			}
			if k := len(out.Databases); k == 0 || out.Databases[k-1].Name != db {
				out.Databases = append(out.Databases, SchemaDatabase{Name: db, Tables: []Table{}})
			}
			last := &out.Databases[len(out.Databases)-1]
			last.Tables = append(last.Tables, t)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
