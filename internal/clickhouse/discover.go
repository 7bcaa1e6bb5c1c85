package clickhouse

import (
	"context"
	"errors"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/identity"
)

// ViewParam is one {name:Type} placeholder of a parameterized view.
type ViewParam = chsql.ViewParam

// View is a view a read tool rule may offer. Params is empty for a plain
// (non-parameterized) view.
type View struct {
	Database string      `json:"database"`
	Name     string      `json:"name"`
	Comment  string      `json:"comment,omitempty"`
	Params   []ViewParam `json:"params"`
}

// InsertColumn is a column an INSERT may set: MATERIALIZED and ALIAS
// columns are left out, DefaultKind is "", DEFAULT or EPHEMERAL.
type InsertColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	DefaultKind string `json:"default_kind,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// InsertTable is a table a write tool rule may offer.
type InsertTable struct {
	Database string         `json:"database"`
	Name     string         `json:"name"`
	Comment  string         `json:"comment,omitempty"`
	Columns  []InsertColumn `json:"columns"`
}

// Catalog is what discovery found for one identity: only objects its
// grants let it see (system.tables is filtered by ClickHouse per user).
type Catalog struct {
	// Timezone is the session time zone of the identity (timezone()),
	// used to read date-times given with an offset.
	Timezone string        `json:"timezone"`
	Views    []View        `json:"views"`
	Tables   []InsertTable `json:"tables"`
}

// notInsertable are engines a write tool never targets.
const notInsertable = "('View', 'MaterializedView', 'LiveView', 'WindowView', 'Dictionary', 'Alias')"

// Discover lists, as id, the views for which keepView returns true and
// the insertable tables for which keepTable returns true (nil: none). It
// runs as the identity, so each user discovers what their grants allow.
func (c *Client) Discover(ctx context.Context, id identity.Identity, keepView, keepTable func(database, name string) bool) (*Catalog, error) {
	cat := &Catalog{Views: []View{}, Tables: []InsertTable{}}
	if err := c.each(ctx, id, "SELECT timezone()", nil, func(r driver.Rows) error { return r.Scan(&cat.Timezone) }); err != nil {
		return nil, err
	}
	if keepView != nil {
		views, err := c.discoverViews(ctx, id, keepView)
		if err != nil {
			return nil, err
		}
		cat.Views = views
	}
	if keepTable != nil {
		tables, err := c.discoverTables(ctx, id, keepTable)
		if err != nil {
			return nil, err
		}
		cat.Tables = tables
	}
	return cat, nil
}

func (c *Client) discoverViews(ctx context.Context, id identity.Identity, keep func(database, name string) bool) ([]View, error) {
	views := []View{}
	// parameterized_view_parameters is what ClickHouse itself parsed; older
	// servers lack it, and their view text is scanned instead.
	err := c.each(ctx, id, "SELECT database, name, comment, arrayMap(p -> tupleElement(p, 1), parameterized_view_parameters), "+
		"arrayMap(p -> tupleElement(p, 2), parameterized_view_parameters), as_select FROM system.tables "+
		"WHERE engine = 'View' AND NOT is_temporary ORDER BY database, name", nil, func(r driver.Rows) error {
		var v View
		var names, types []string
		var sql string
		if err := r.Scan(&v.Database, &v.Name, &v.Comment, &names, &types, &sql); err != nil {
			return err
		}
		if keep(v.Database, v.Name) && c.viewIsLocal(v, sql) {
			v.Params = make([]ViewParam, 0, len(names))
			for i := range names {
				v.Params = append(v.Params, ViewParam{Name: names[i], Type: types[i]})
			}
			views = append(views, v)
		}
		return nil
	})
	var qe *QueryError
	if err == nil || !errors.As(err, &qe) || qe.Code != codeUnknownIdentifier {
		return views, err
	}
	views = views[:0]
	err = c.each(ctx, id, "SELECT database, name, comment, as_select FROM system.tables "+
		"WHERE engine = 'View' AND NOT is_temporary ORDER BY database, name", nil, func(r driver.Rows) error {
		var v View
		var sql string
		if err := r.Scan(&v.Database, &v.Name, &v.Comment, &sql); err != nil {
			return err
		}
		if keep(v.Database, v.Name) && c.viewIsLocal(v, sql) {
			v.Params = chsql.ViewParams(sql)
			views = append(views, v)
		}
		return nil
	})
	return views, err
}

// viewIsLocal: a view whose query reaches files, the network or processes
// through functions the operator did not allow does not become a tool.
func (c *Client) viewIsLocal(v View, sql string) bool {
	if err := c.CheckIOText(sql); err != nil {
		c.log.Warn("view not offered as a tool", "view", v.Database+"."+v.Name, "reason", err)
		return false
	}
	return true
}

// codeUnknownIdentifier is ClickHouse's UNKNOWN_IDENTIFIER (a column this
// server version does not have).
const codeUnknownIdentifier = 47

func (c *Client) discoverTables(ctx context.Context, id identity.Identity, keep func(database, name string) bool) ([]InsertTable, error) {
	tables := []InsertTable{}
	index := map[[2]string]int{}
	var dbs, names []string
	err := c.each(ctx, id, "SELECT database, name, comment FROM system.tables WHERE NOT is_temporary AND engine NOT IN "+notInsertable+
		" AND database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY database, name", nil, func(r driver.Rows) error {
		var t InsertTable
		if err := r.Scan(&t.Database, &t.Name, &t.Comment); err != nil {
			return err
		}
		if keep(t.Database, t.Name) {
			index[[2]string{t.Database, t.Name}] = len(tables)
			t.Columns = []InsertColumn{}
			tables = append(tables, t)
			dbs, names = append(dbs, t.Database), append(names, t.Name)
		}
		return nil
	})
	if err != nil || len(tables) == 0 {
		return tables, err
	}
	params := map[string]string{"dbs": chsql.StringArrayParam(dbs), "tables": chsql.StringArrayParam(names)}
	err = c.each(ctx, id, "SELECT database, table, name, type, default_kind, comment FROM system.columns "+
		"WHERE has({dbs:Array(String)}, database) AND has({tables:Array(String)}, table) "+
		"AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY database, table, position", params, func(r driver.Rows) error {
		var db, table string
		var col InsertColumn
		if err := r.Scan(&db, &table, &col.Name, &col.Type, &col.DefaultKind, &col.Comment); err != nil {
			return err
		}
		if i, ok := index[[2]string{db, table}]; ok {
			tables[i].Columns = append(tables[i].Columns, col)
		}
		return nil
	})
	return tables, err
}
