package sqlguard

// This file is a port of ClickHouse's own lexer (src/Parsers/Lexer.cpp,
// 26.x): statement boundaries, comments (nested), quotes, escapes, heredocs
// and the Unicode quotes and spaces must be seen exactly as ClickHouse sees
// them, or a comment could hide a statement from the guard. Only what the
// guard needs is kept: token kinds and their extent, not values.

import (
	"sort"
	"strings"
)

// Kind is a token kind.
type Kind uint8

// Token kinds, named after ClickHouse's TokenType.
const (
	Whitespace Kind = iota
	Comment
	BareWord
	Number
	StringLiteral
	QuotedIdentifier
	HereDoc
	OpeningRoundBracket
	ClosingRoundBracket
	OpeningSquareBracket
	ClosingSquareBracket
	OpeningCurlyBrace
	ClosingCurlyBrace
	Comma
	Semicolon
	Dot
	Operator   // every other punctuation token: + - * / % = != < > ? : :: || @ -> <=> ^ $ ...
	ErrorToken // anything ClickHouse's lexer reports as an error token
)

// Token is one lexeme of the query, as a byte range.
type Token struct {
	Kind       Kind
	Begin, End int
}

func (k Kind) significant() bool { return k != Whitespace && k != Comment }

// Lex splits sql into ClickHouse's tokens. It always ends: every token is
// at least one byte long.
func Lex(sql string) []Token {
	l := newLexer(sql)
	var out []Token
	for !l.done() {
		out = append(out, l.token())
	}
	return out
}

func newLexer(sql string) *lexer { return &lexer{s: sql, prev: Whitespace} }

func (l *lexer) done() bool { return l.pos >= len(l.s) }

// token reads the next token.
func (l *lexer) token() Token {
	begin := l.pos
	k := l.next()
	if k.significant() {
		l.prev = k
	}
	return Token{Kind: k, Begin: begin, End: l.pos}
}

type lexer struct {
	s    string
	pos  int
	prev Kind             // the previous significant token (ClickHouse's prev_significant_token_type)
	tags map[string][]int // see tagPositions
}

func isWhitespaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isNumeric(c byte) bool  { return c >= '0' && c <= '9' }
func isWordChar(c byte) bool { return c == '_' || isNumeric(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }
func isHexDigit(c byte) bool { return isNumeric(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// isNumberSeparator: '_' between digits (1_000), as ClickHouse allows.
func (l *lexer) isNumberSeparator(startOfBlock, hex bool, p int) bool {
	s := l.s
	if s[p] != '_' || startOfBlock {
		return false
	}
	if p+1 < len(s) && !(hex && isHexDigit(s[p+1]) || !hex && isNumeric(s[p+1])) {
		return false
	}
	return p+1 != len(s)
}

func (l *lexer) next() Kind {
	s, begin := l.s, l.pos
	c := s[l.pos]
	switch {
	case isWhitespaceASCII(c):
		for l.pos < len(s) && isWhitespaceASCII(s[l.pos]) {
			l.pos++
		}
		return Whitespace
	case isNumeric(c):
		return l.number(begin)
	}
	switch c {
	case '\'':
		return l.quoted('\'', StringLiteral)
	case '"', '`':
		return l.quoted(c, QuotedIdentifier)
	case '(':
		l.pos++
		return OpeningRoundBracket
	case ')':
		l.pos++
		return ClosingRoundBracket
	case '[':
		l.pos++
		return OpeningSquareBracket
	case ']':
		l.pos++
		return ClosingSquareBracket
	case '{':
		l.pos++
		return OpeningCurlyBrace
	case '}':
		l.pos++
		return ClosingCurlyBrace
	case ',':
		l.pos++
		return Comma
	case ';':
		l.pos++
		return Semicolon
	case '.':
		return l.dot()
	case '-':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '-' {
			return l.lineComment()
		}
		if l.pos < len(s) && s[l.pos] == '>' {
			l.pos++
		}
		return Operator
	case '/':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '/' {
			return l.lineComment()
		}
		if l.pos < len(s) && s[l.pos] == '*' {
			return l.blockComment()
		}
		return Operator
	case '#':
		// A comment only when followed by a space or '!' (shebang).
		l.pos++
		if l.pos < len(s) && (s[l.pos] == ' ' || s[l.pos] == '!') {
			return l.lineComment()
		}
		return ErrorToken
	case '!':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '=' {
			l.pos++
			return Operator
		}
		return ErrorToken
	case '<':
		l.pos++
		switch {
		case l.pos+1 < len(s) && s[l.pos] == '=' && s[l.pos+1] == '>':
			l.pos += 2
		case l.pos < len(s) && (s[l.pos] == '=' || s[l.pos] == '>'):
			l.pos++
		}
		return Operator
	case '=', '>', ':', '|', '@':
		l.pos++
		if l.pos < len(s) && (c != '>' && s[l.pos] == c || c == '>' && s[l.pos] == '=') {
			l.pos++
		}
		return Operator
	case '+', '*', '%', '?', '^':
		l.pos++
		return Operator
	case '\\':
		l.pos++
		if l.pos < len(s) && s[l.pos] == 'G' {
			l.pos++
			return Operator
		}
		return ErrorToken
	}
	return l.other(begin)
}

// other: heredocs, $, x'..'/b'..' strings, bare words, Unicode quotes, minus
// sign and spaces, and errors.
func (l *lexer) other(begin int) Kind {
	s := l.s
	c := s[l.pos]
	if c == '$' {
		if k, ok := l.heredoc(); ok {
			return k
		}
		if l.pos+1 == len(s) || !isWordChar(s[l.pos+1]) {
			l.pos++
			return Operator // standalone dollar sign
		}
	}
	if l.pos+2 < len(s) && s[l.pos+1] == '\'' && (c|0x20 == 'x' || c|0x20 == 'b') {
		return l.hexOrBinString()
	}
	if isWordChar(c) || c == '$' {
		l.pos++
		for l.pos < len(s) && (isWordChar(s[l.pos]) || s[l.pos] == '$') {
			l.pos++
		}
		return BareWord
	}
	// U+2212 MINUS SIGN; U+2018..U+2019 and U+201C..U+201D quotes.
	switch {
	case hasAt(s, l.pos, "\u2212"):
		l.pos += len("\u2212")
		return Operator
	case hasAt(s, l.pos, "\u2018"):
		return l.unicodeQuoted("\u2018", "\u2019", StringLiteral)
	case hasAt(s, l.pos, "\u201C"):
		return l.unicodeQuoted("\u201C", "\u201D", QuotedIdentifier)
	}
	if p := skipWhitespacesUTF8(s, l.pos); p > begin {
		l.pos = p
		return Whitespace
	}
	// An unrecognised byte, with the rest of its UTF-8 sequence.
	l.pos++
	for l.pos < len(s) && s[l.pos]&0xC0 == 0x80 {
		l.pos++
	}
	return ErrorToken
}

func hasAt(s string, i int, sub string) bool {
	return len(s)-i >= len(sub) && s[i:i+len(sub)] == sub
}

// quoted reads a '...', "..." or `...` token: a doubled quote or a
// backslash escapes the next byte.
func (l *lexer) quoted(q byte, success Kind) Kind {
	s := l.s
	l.pos++
	for {
		for l.pos < len(s) && s[l.pos] != q && s[l.pos] != '\\' {
			l.pos++
		}
		if l.pos >= len(s) {
			return ErrorToken
		}
		if s[l.pos] == q {
			l.pos++
			if l.pos < len(s) && s[l.pos] == q {
				l.pos++
				continue
			}
			return success
		}
		l.pos++ // backslash
		if l.pos >= len(s) {
			return ErrorToken
		}
		l.pos++
	}
}

// unicodeQuoted reads ‘...’ or “...”: no escapes, the first closing mark ends it.
func (l *lexer) unicodeQuoted(open, close string, success Kind) Kind {
	l.pos += len(open)
	for i := l.pos; i+len(close) <= len(l.s); i++ {
		if l.s[i:i+len(close)] == close {
			l.pos = i + len(close)
			return success
		}
	}
	l.pos = len(l.s)
	return ErrorToken
}

func (l *lexer) hexOrBinString() Kind {
	s := l.s
	hex := s[l.pos]|0x20 == 'x'
	l.pos += 2
	for l.pos < len(s) && (hex && isHexDigit(s[l.pos]) || !hex && (s[l.pos] == '0' || s[l.pos] == '1')) {
		l.pos++
	}
	if l.pos >= len(s) || s[l.pos] != '\'' {
		l.pos = len(s)
		return ErrorToken
	}
	l.pos++
	return StringLiteral
}

// heredoc reads $tag$...$tag$; the tag is made of word characters only.
func (l *lexer) heredoc() (Kind, bool) {
	s := l.s
	end := -1
	for i := l.pos + 1; i < len(s); i++ {
		if s[i] == '$' {
			end = i
			break
		}
	}
	if end < 0 {
		return 0, false
	}
	for i := l.pos + 1; i < end; i++ {
		if !isWordChar(s[i]) {
			return 0, false
		}
	}
	// The closing tag is the first "$tag$" after the opening one, as
	// ClickHouse's string_view::find has it.
	tag := s[l.pos+1 : end]
	at := l.tagPositions()[tag]
	if i := sort.SearchInts(at, end+1); i < len(at) {
		l.pos = at[i] + len(tag) + 2
		return HereDoc, true
	}
	return 0, false
}

// tagPositions indexes where each "$tag$" starts in the query, built once
// per query: searching the rest of the query for every unclosed tag made
// the lexer quadratic (100 KB of "$a1$ $a2$ ..." took seconds). A tag is
// made of word characters, so the '$' at position p can start only one:
// the run of word characters after it, when a '$' follows the run.
func (l *lexer) tagPositions() map[string][]int {
	if l.tags != nil {
		return l.tags
	}
	l.tags = map[string][]int{}
	s := l.s
	for p := strings.IndexByte(s, '$'); p >= 0; {
		r := p + 1
		for r < len(s) && isWordChar(s[r]) {
			r++
		}
		if r < len(s) && s[r] == '$' {
			tag := s[p+1 : r]
			l.tags[tag] = append(l.tags[tag], p)
		}
		next := strings.IndexByte(s[p+1:], '$')
		if next < 0 {
			break
		}
		p += 1 + next
	}
	return l.tags
}

func (l *lexer) lineComment() Kind {
	for l.pos < len(l.s) && l.s[l.pos] != '\n' {
		l.pos++
	}
	return Comment
}

// blockComment reads /* ... */ with nesting, as the SQL standard and
// ClickHouse do: "/* /* */ SHOW */" is one comment.
func (l *lexer) blockComment() Kind {
	s := l.s
	l.pos++ // the '*'
	depth := 1
	for l.pos+2 <= len(s) {
		switch {
		case s[l.pos] == '/' && s[l.pos+1] == '*':
			l.pos += 2
			depth++
		case s[l.pos] == '*' && s[l.pos+1] == '/':
			l.pos += 2
			depth--
			if depth == 0 {
				return Comment
			}
		default:
			l.pos++
		}
	}
	l.pos = len(s)
	return ErrorToken
}

func (l *lexer) dot() Kind {
	s := l.s
	if l.pos > 0 && (!(l.pos+1 < len(s) && isNumeric(s[l.pos+1])) ||
		l.prev == ClosingRoundBracket || l.prev == ClosingSquareBracket ||
		l.prev == BareWord || l.prev == QuotedIdentifier || l.prev == Number) {
		l.pos++
		return Dot
	}
	l.pos++
	l.digits(true, false)
	l.exponent('e', 'E')
	return Number
}

// digits consumes digits (hex digits if hex) and '_' separators.
func (l *lexer) digits(startOfBlock, hex bool) {
	s := l.s
	for l.pos < len(s) && (hex && isHexDigit(s[l.pos]) || !hex && isNumeric(s[l.pos]) || l.isNumberSeparator(startOfBlock, hex, l.pos)) {
		l.pos++
		startOfBlock = false
	}
}

func (l *lexer) exponent(lower, upper byte) {
	s := l.s
	if l.pos+1 < len(s) && (s[l.pos] == lower || s[l.pos] == upper) {
		l.pos++
		if l.pos+1 < len(s) && (s[l.pos] == '-' || s[l.pos] == '+') {
			l.pos++
		}
		l.digits(true, false)
	}
}

func (l *lexer) number(begin int) Kind {
	s := l.s
	if l.prev == Dot {
		// x.1.1 is tuple access: only a plain integer here.
		l.pos++
		for l.pos < len(s) && (isNumeric(s[l.pos]) || l.isNumberSeparator(false, false, l.pos)) {
			l.pos++
		}
	} else {
		startOfBlock, hex := false, false
		if l.pos+2 < len(s) && s[l.pos] == '0' && (s[l.pos+1]|0x20 == 'x' || s[l.pos+1]|0x20 == 'b') {
			valid := false
			if s[l.pos+1]|0x20 == 'x' {
				valid = isHexDigit(s[l.pos+2])
				hex = valid
			} else {
				valid = s[l.pos+2] == '0' || s[l.pos+2] == '1'
			}
			if valid {
				l.pos += 2
				startOfBlock = true
			} else {
				l.pos++
			}
		} else {
			l.pos++
		}
		l.digits(startOfBlock, hex)
		if l.pos < len(s) && s[l.pos] == '.' {
			l.pos++
			l.digits(true, hex)
		}
		if hex {
			l.exponent('p', 'P')
		} else {
			l.exponent('e', 'E')
		}
	}
	// 1identifier is a bare word; 1.5x is an error.
	if l.pos < len(s) && isWordChar(s[l.pos]) {
		for l.pos < len(s) && isWordChar(s[l.pos]) {
			l.pos++
		}
		for i := begin; i < l.pos; i++ {
			if !isWordChar(s[i]) && s[i] != '$' {
				return ErrorToken
			}
		}
		return BareWord
	}
	return Number
}

// skipWhitespacesUTF8 skips ASCII and the Unicode spaces ClickHouse accepts
// between tokens (U+0085 U+00A0 U+180E U+2000..U+200D U+2028 U+2029 U+202F
// U+205F U+2060 U+3000 U+FEFF), byte for byte as ClickHouse checks them.
func skipWhitespacesUTF8(s string, p int) int {
	for p < len(s) {
		c := s[p]
		switch {
		case isWhitespaceASCII(c):
			p++
		case p+1 < len(s) && c == 0xC2 && (s[p+1] == 0x85 || s[p+1] == 0xA0):
			p += 2
		case p+2 < len(s) && isUnicodeSpace3(s[p], s[p+1], s[p+2]):
			p += 3
		default:
			return p
		}
	}
	return p
}

func isUnicodeSpace3(a, b, c byte) bool {
	switch {
	case a == 0xE1:
		return b == 0xA0 && c == 0x8E
	case a == 0xE2 && b == 0x80:
		return c >= 0x80 && c <= 0x8D || c == 0xA8 || c == 0xA9 || c == 0xAF
	case a == 0xE2 && b == 0x81:
		return c == 0x9F || c == 0xA0
	case a == 0xE3:
		return b == 0x80 && c == 0x80
	case a == 0xEF:
		return b == 0xBB && c == 0xBF
	}
	return false
}
