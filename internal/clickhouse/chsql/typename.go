package chsql

// The grammar of ClickHouse type names, shared by the parameter types of
// generated tools (ParseType) and the result types package clickhouse
// encodes as JSON.

import "strings"

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// SplitType splits "Name(a, b(c, d), 'e,f')" into its name and top-level
// arguments, each trimmed; ok is false when the name is not an identifier,
// quotes or parentheses do not balance, or braces appear outside quotes
// (a type that cannot sit safely inside {p:Type}).
func SplitType(s string) (name string, args []string, ok bool) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, isIdentifier(s)
	}
	if !strings.HasSuffix(s, ")") || !isIdentifier(s[:open]) {
		return "", nil, false
	}
	depth, start := 0, open+1
	body := s[:len(s)-1]
	for i := open + 1; i < len(body); i++ {
		switch body[i] {
		case '\'', '"', '`':
			end, closed := QuoteEnd(body, i)
			if !closed {
				return "", nil, false
			}
			i = end
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return "", nil, false
			}
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(body[start:i]))
				start = i + 1
			}
		case '{', '}', ';':
			return "", nil, false
		}
	}
	if depth != 0 {
		return "", nil, false
	}
	if rest := strings.TrimSpace(body[start:]); rest != "" || len(args) > 0 {
		args = append(args, rest)
	}
	return s[:open], args, true
}

// SafeTypeText reports whether a type (from system tables) can be put in
// a {p:Type} placeholder as is: quotes and parentheses balance, and no
// brace, semicolon or comment appears outside a quoted string.
func SafeTypeText(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '"' || c == '`':
			end, ok := QuoteEnd(s, i)
			if !ok {
				return false
			}
			i = end
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth < 0 {
				return false
			}
		case c == '{' || c == '}' || c == ';' || c < ' ',
			strings.HasPrefix(s[i:], "--"), strings.HasPrefix(s[i:], "/*"):
			return false
		}
	}
	return depth == 0 && s != ""
}

// unquote reads a single-quoted ClickHouse string (an enum name, a time
// zone), ignoring an " = value" suffix.
func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	end, ok := QuoteEnd(s, 0)
	if !ok {
		return "", false
	}
	if rest := strings.TrimSpace(s[end+1:]); rest != "" && !strings.HasPrefix(rest, "=") {
		return "", false
	}
	var b strings.Builder
	body := s[1:end]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\'' && i+1 < len(body) && body[i+1] == '\'' { // a doubled quote
			b.WriteByte(c)
			i++
			continue
		}
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String(), true
}
