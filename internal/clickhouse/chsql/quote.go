// Package chsql is chmcp's knowledge of ClickHouse SQL text that needs no
// server: quoting, the grammar of type names, the parameter encoder that
// turns JSON arguments into query-parameter values, and the statements of
// generated tools. Package clickhouse runs what it builds; the MCP layer
// (internal/mcp) writes no SQL of its own.
package chsql

import "strings"

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

// Qualified is database.name, both quoted.
func Qualified(database, name string) string { return QuoteIdent(database) + "." + QuoteIdent(name) }

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

// isIdentifier reports whether s is a plain identifier: a letter or
// underscore, then letters, digits and underscores.
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
