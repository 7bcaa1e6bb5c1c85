package clickhouse

import (
	"fmt"
	"regexp"
	"strings"

	chparser "github.com/AfterShip/clickhouse-sql-parser/parser"
)

// existsStmt matches EXISTS [TEMPORARY] [TABLE|DICTIONARY|DATABASE|VIEW] name,
// which the AST parser does not know. It admits identifiers only, so nothing
// can hide behind it; ClickHouse's readonly=1 is the second line anyway.
var existsStmt = regexp.MustCompile("(?is)^\\s*EXISTS\\s+(TEMPORARY\\s+)?((TABLE|DICTIONARY|DATABASE|VIEW)\\s+)?" +
	"(`[^`]+`|\"[^\"]+\"|[a-z_][a-z0-9_]*)(\\.(`[^`]+`|\"[^\"]+\"|[a-z_][a-z0-9_]*))?" +
	"(\\s+FORMAT\\s+[a-z0-9_]+)?\\s*;?\\s*$")

// CheckReadOnly accepts exactly one read-only statement: SELECT (including
// WITH and UNION), SHOW, DESCRIBE, EXISTS or EXPLAIN. It classifies by AST,
// never by regular expression on the whole text, so comments, string
// literals and casing cannot disguise a write.
func CheckReadOnly(sql string) error {
	if existsStmt.MatchString(sql) {
		return nil
	}
	stmts, err := chparser.NewParser(sql).ParseStmts()
	if err != nil {
		return parserGap(sql, err)
	}
	if len(stmts) == 0 {
		return &GuardError{Reason: "empty query"}
	}
	if len(stmts) > 1 {
		return &GuardError{Reason: fmt.Sprintf("only one statement per call is allowed, got %d", len(stmts))}
	}
	switch stmts[0].(type) {
	case *chparser.SelectQuery, *chparser.ShowStmt, *chparser.DescribeStmt, *chparser.ExplainStmt:
		return nil
	default:
		return &GuardError{Reason: fmt.Sprintf("%s is not a read-only statement; execute_query accepts SELECT, WITH, SHOW, DESCRIBE, EXISTS and EXPLAIN", statementKind(stmts[0]))}
	}
}

// statementKind names a statement for an error message: "InsertStmt" -> "INSERT".
func statementKind(e chparser.Expr) string {
	name := fmt.Sprintf("%T", e)
	name = name[strings.LastIndex(name, ".")+1:]
	for _, suffix := range []string{"Stmt", "Query", "Clause"} {
		name = strings.TrimSuffix(name, suffix)
	}
	return strings.ToUpper(name)
}

// GuardError is a request refused by chmcp before it reached ClickHouse.
type GuardError struct{ Reason string }

func (e *GuardError) Error() string { return e.Reason }

// parserGap handles read-only statement forms the AST parser does not know
// yet (SHOW TABLES FROM db, EXPLAIN without a kind, ...). Every SHOW form is
// read-only in ClickHouse; EXPLAIN is accepted when what it explains passes.
// Anything else is refused with the parser's own message.
func parserGap(sql string, perr error) error {
	refuse := &GuardError{Reason: "cannot parse query: " + perr.Error()}
	rest, ok := singleStatement(sql)
	if !ok {
		return refuse
	}
	word, after := leadingWord(rest)
	switch strings.ToUpper(word) {
	case "SHOW":
		return nil
	case "EXPLAIN":
		inner := explainKind.ReplaceAllString(after, "")
		if inner == after && !startsWithStatement(after) {
			return refuse
		}
		return CheckReadOnly(inner)
	}
	return refuse
}

// explainKind strips the EXPLAIN kind and its settings ("PLAN header = 1,").
var explainKind = regexp.MustCompile(`(?is)^\s*(AST|SYNTAX|QUERY\s+TREE|PLAN|PIPELINE|ESTIMATE|TABLE\s+OVERRIDE)?` +
	`(\s+[a-z_][a-z0-9_]*\s*=\s*[a-z0-9_'.]+\s*,?)*\s*`)

func startsWithStatement(s string) bool {
	w, _ := leadingWord(s)
	switch strings.ToUpper(w) {
	case "SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN":
		return true
	}
	return false
}

// leadingWord returns the first word of s (comments already removed) and the rest.
func leadingWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t\r\n")
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// singleStatement removes comments and one optional trailing ';' and reports
// whether what is left is one statement: no ';' outside quotes.
func singleStatement(sql string) (string, bool) {
	var out strings.Builder
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-', c == '#':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			out.WriteByte(' ')
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return "", false
			}
			i += end + 3
			out.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			j, ok := QuoteEnd(sql, i)
			if !ok {
				return "", false
			}
			out.WriteString(sql[i : j+1])
			i = j
		case c == ';':
			// Only comments and blanks may follow, all of them closed.
			if rest, ok := singleStatement(sql[i+1:]); !ok || strings.TrimSpace(rest) != "" {
				return "", false
			}
			return out.String(), true
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), true
}
