package chsql

// The statements of generated tools: a parameterized view read and a
// one-row insert, every argument passed as a typed query parameter.

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Arg is one argument of a generated statement: a view parameter or a
// column of the inserted row.
type Arg struct {
	Name     string // the view parameter or column (and the tool's JSON property)
	Type     *Type
	Required bool   // must be given
	Nullable bool   // JSON null is NULL
	key      string // its query parameter: p0, p1, ... by position
}

// NewArg parses the argument's type; it fails when the type's text cannot
// sit safely inside a {p:Type} placeholder.
func NewArg(name, typ, tz string) (Arg, error) {
	t := ParseType(typ, tz)
	if !SafeTypeText(t.raw) {
		return Arg{}, fmt.Errorf("has a type chmcp cannot pass safely: %s", t.raw)
	}
	return Arg{Name: name, Type: t, Nullable: IsNullable(typ)}, nil
}

// IsNullable: Nullable(T), also under LowCardinality.
func IsNullable(typ string) bool {
	return strings.HasPrefix(strings.TrimPrefix(strings.TrimSpace(typ), "LowCardinality("), "Nullable(")
}

// placeholder is the argument's {pN:Type} in SQL.
func (a *Arg) placeholder() string { return "{" + a.key + ":" + a.Type.raw + "}" }

// Statement is what a generated tool runs.
type Statement struct {
	Database, Object string
	Insert           bool
	args             []Arg
	index            map[string]int // args by name
	sql              string         // a view read: fixed; an insert is built per call from the columns given
}

// ViewRead is SELECT * FROM database.view(name = {p0:Type}, ...).
func ViewRead(database, view string, args []Arg) *Statement {
	s := newStatement(database, view, args)
	s.sql = "SELECT * FROM " + Qualified(database, view)
	if len(s.args) > 0 {
		list := make([]string, len(s.args))
		for i := range s.args {
			list[i] = QuoteIdent(s.args[i].Name) + " = " + s.args[i].placeholder()
		}
		s.sql += "(" + strings.Join(list, ", ") + ")"
	}
	return s
}

// RowInsert inserts one row into database.table, setting the columns given.
func RowInsert(database, table string, columns []Arg) *Statement {
	s := newStatement(database, table, columns)
	s.Insert = true
	return s
}

func newStatement(database, object string, args []Arg) *Statement {
	s := &Statement{Database: database, Object: object, args: make([]Arg, len(args)), index: make(map[string]int, len(args))}
	for i, a := range args {
		a.key = "p" + strconv.Itoa(i)
		s.args[i], s.index[a.Name] = a, i
	}
	return s
}

// Args are the statement's arguments, in order.
func (s *Statement) Args() []Arg { return s.args }

// Key identifies what the statement runs, whatever the tool around it
// says: its object and, for a view read, its SQL.
func (s *Statement) Key() string { return strings.Join([]string{s.Database, s.Object, s.sql}, "\x00") }

// Bound is a statement ready to run.
type Bound struct {
	SQL      string
	Params   map[string]string // query parameters, encoded
	Settings map[string]any
}

// viewSettings: ClickHouse's old query analyzer passes a parameterized
// view's arguments on as text, losing their type (a Decimal arrives as
// '5.25', a Date as a day number, a string is unescaped twice). Servers
// before 24.3, and profiles that turn the analyzer off, default to it.
var viewSettings = map[string]any{"enable_analyzer": 1}

// Bind checks arguments (JSON values decoded with UseNumber) against the
// statement's and encodes them as query parameters. Its errors say which
// argument is wrong and why, for the caller.
func (s *Statement) Bind(values map[string]any) (Bound, error) {
	var unknown []string
	for k := range values {
		if _, ok := s.index[k]; !ok {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Bound{}, errors.New("unknown parameter(s) " + strings.Join(unknown, ", "))
	}
	b := Bound{SQL: s.sql, Params: make(map[string]string, len(s.args))}
	var set []int
	for i, a := range s.args {
		v, given := values[a.Name]
		switch {
		case !given && a.Required:
			return Bound{}, fmt.Errorf("%q is required", a.Name)
		case !given && s.Insert:
			continue // the column takes its default
		case v == nil && a.Nullable:
			b.Params[a.key] = `\N`
		default:
			text, err := a.Type.Encode(v)
			if err != nil {
				return Bound{}, fmt.Errorf("%q %v", a.Name, err)
			}
			b.Params[a.key] = text
		}
		set = append(set, i)
	}
	if !s.Insert {
		if len(s.args) > 0 {
			b.Settings = viewSettings
		}
		return b, nil
	}
	if len(set) == 0 {
		return Bound{}, errors.New("give at least one column")
	}
	cols, row := make([]string, len(set)), make([]string, len(set))
	for j, i := range set {
		cols[j], row[j] = QuoteIdent(s.args[i].Name), s.args[i].placeholder()
	}
	// INSERT ... SELECT: the row is built from typed parameters, never
	// from VALUES text (whose parsing a user profile may change).
	b.SQL = "INSERT INTO " + Qualified(s.Database, s.Object) + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(row, ", ")
	return b, nil
}
