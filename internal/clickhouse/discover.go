package clickhouse

import (
	"context"
	"errors"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/identity"
)

// ViewParam is one {name:Type} placeholder of a parameterized view.
type ViewParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

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
			v.Params = viewParamsFromSQL(sql)
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
	params := map[string]string{"dbs": StringArrayParam(dbs), "tables": StringArrayParam(names)}
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

// viewParamsFromSQL finds the {name:Type} placeholders of a view's query,
// skipping string literals, quoted identifiers and comments. Each name is
// reported once, in order of first use.
func viewParamsFromSQL(sql string) []ViewParam {
	params := []ViewParam{}
	seen := map[string]bool{}
	for i := 0; i < len(sql); i++ {
		switch {
		case sql[i] == '\'' || sql[i] == '"' || sql[i] == '`':
			i = skipQuoted(sql, i)
		case strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(sql)
			}
		case strings.HasPrefix(sql[i:], "/*"):
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(sql)
			}
		case sql[i] == '{':
			p, end, ok := placeholder(sql, i)
			if !ok {
				continue
			}
			i = end
			if !seen[p.Name] {
				seen[p.Name] = true
				params = append(params, p)
			}
		}
	}
	return params
}

// placeholder parses "{name:Type}" at sql[start]; end is the index of "}".
func placeholder(sql string, start int) (ViewParam, int, bool) {
	body := sql[start+1:]
	colon := strings.IndexByte(body, ':')
	if colon < 0 {
		return ViewParam{}, 0, false
	}
	name := strings.TrimSpace(body[:colon])
	if !isIdentifier(name) {
		return ViewParam{}, 0, false
	}
	depth := 0
	for j := colon + 1; j < len(body); j++ {
		switch body[j] {
		case '\'', '"', '`':
			j = skipQuoted(body, j)
		case '(':
			depth++
		case ')':
			depth--
		case '}':
			if depth != 0 {
				return ViewParam{}, 0, false
			}
			typ := strings.TrimSpace(body[colon+1 : j])
			if typ == "" {
				return ViewParam{}, 0, false
			}
			return ViewParam{Name: name, Type: typ}, start + 1 + j, true
		}
	}
	return ViewParam{}, 0, false
}

// skipQuoted returns the index of the quote closing the literal that opens
// at s[i], or len(s)-1 when it is not closed.
func skipQuoted(s string, i int) int {
	if end, ok := QuoteEnd(s, i); ok {
		return end
	}
	return len(s) - 1
}

// QuoteEnd finds the quote closing the quoted string or identifier that
// opens at s[i] (backslash escapes, doubled quotes).
func QuoteEnd(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j, true
		}
	}
	return 0, false
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// StringParam encodes s as the value of a String query parameter.
// ClickHouse reads parameter values in its escaped (TabSeparated) text
// format, so a backslash, tab or newline in s must be escaped to arrive
// unchanged.
func StringParam(s string) string { return paramEscaper.Replace(s) }

var paramEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)

// QuoteString is s as a single-quoted ClickHouse string, the form a
// string takes inside a composite parameter value (Array(String) and the like).
func QuoteString(s string) string { return "'" + quoteEscaper.Replace(s) + "'" }

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)

// StringArrayParam encodes ss as the value of an Array(String) parameter.
func StringArrayParam(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(QuoteString(s))
	}
	b.WriteByte(']')
	return b.String()
}
