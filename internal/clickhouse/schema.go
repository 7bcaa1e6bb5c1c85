package clickhouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
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

// NotFoundError: the object does not exist or the user cannot see it.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string {
	return e.What + " does not exist or you are not allowed to see it"
}

// each runs a read-only metadata query as id and calls scan for every row.
func (c *Client) each(ctx context.Context, id identity.Identity, sql string, params map[string]string, scan func(driver.Rows) error) error {
	id = c.bound(id)
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

// notInner leaves out the storage tables materialized views own
// (.inner.<view> and .inner_id.<uuid>): describe_table of the view names
// its target, and they stay reachable by name.
const notInner = "NOT startsWith(name, '.inner')"

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
	params := map[string]string{"db": chsql.StringParam(database), "after": chsql.StringParam(after), "limit": fmt.Sprint(pageSize + 1)}
	sql := "SELECT name, engine, total_rows, total_bytes, comment FROM system.tables WHERE database = {db:String} AND name > {after:String} AND " + notInner
	if like != "" {
		sql += " AND name LIKE {like:String}"
		params["like"] = chsql.StringParam(like)
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
	err := c.each(ctx, id, "SELECT 1 FROM system.databases WHERE name = {db:String}", map[string]string{"db": chsql.StringParam(database)}, func(driver.Rows) error {
		found = true
		return nil
	})
	return found, err
}

func encodeCursor(c tableCursor) string { return encodeOpaque(c) }

func decodeCursor(s string) (tableCursor, error) {
	var c tableCursor
	err := decodeOpaque(s, &c)
	return c, err
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
	// Omitted are the system databases left out of the overview of every
	// database (their tables are ClickHouse's own, hundreds of them).
	Omitted []string `json:"omitted_databases,omitempty"`
}

// overviewLimit bounds the schema resource on servers with huge catalogs.
const overviewLimit = 5000

// systemDatabases hold ClickHouse's own tables; the overview and
// search_schema leave them out unless asked for by name.
var systemDatabases = []string{"INFORMATION_SCHEMA", "information_schema", "system"}

// SchemaOverview lists the tables id can see, grouped by database: those
// of database, or of every database but the system ones when it is "".
func (c *Client) SchemaOverview(ctx context.Context, id identity.Identity, database string) (*SchemaOverview, error) {
	out := &SchemaOverview{Databases: []SchemaDatabase{}}
	params := map[string]string{"limit": fmt.Sprint(overviewLimit + 1), "sys": chsql.StringArrayParam(systemDatabases)}
	where := "NOT has({sys:Array(String)}, database)"
	if database != "" {
		where, params["db"] = "database = {db:String}", chsql.StringParam(database)
	}
	n := 0
	err := c.each(ctx, id, "SELECT database, name, engine, total_rows, total_bytes, comment FROM system.tables "+
		"WHERE "+where+" AND NOT is_temporary AND "+notInner+" ORDER BY database, name LIMIT {limit:UInt32}",
		params, func(r driver.Rows) error {
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
	if database != "" {
		if len(out.Databases) == 0 {
			if ok, err := c.databaseExists(ctx, id, database); err != nil {
				return nil, err
			} else if !ok {
				return nil, &NotFoundError{What: fmt.Sprintf("database %q", database)}
			}
			out.Databases = append(out.Databases, SchemaDatabase{Name: database, Tables: []Table{}})
		}
		return out, nil
	}
	err = c.each(ctx, id, "SELECT name FROM system.databases WHERE has({sys:Array(String)}, name) ORDER BY name",
		map[string]string{"sys": params["sys"]}, func(r driver.Rows) error {
			var name string
			err := r.Scan(&name)
			out.Omitted = append(out.Omitted, name)
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
