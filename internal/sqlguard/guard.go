// Package sqlguard decides whether chmcp lets a SQL statement reach
// ClickHouse. It sees the text exactly as ClickHouse's lexer does (Lex),
// decides from the tokens where ClickHouse's grammar lets the first keyword
// decide, and otherwise leaves the decision to ClickHouse's own parser (the
// caller runs EXPLAIN AST and hands the tree to CheckAST). Where it cannot
// be sure, it refuses.
package sqlguard

import (
	"fmt"
	"strings"
)

// DefaultMaxDepth bounds the nesting of brackets. ClickHouse refuses a
// parser depth over 1000; real queries stay far below this.
const DefaultMaxDepth = 256

// Policy is what the operator lets through.
type Policy struct {
	// AllowedIO names IO functions the operator allows
	// (clickhouse.allowed_io_functions): exact names or prefixes ending in *.
	AllowedIO []string
	// ServerTableFunctions are the table functions the server knows
	// (lower-cased, from system.table_functions); any not known to stay
	// local is treated as IO. Nil: only the built-in list applies.
	ServerTableFunctions map[string]bool
	// MaxDepth bounds bracket nesting; 0 means DefaultMaxDepth.
	MaxDepth int
}

// Error is a statement the guard refuses. Invalid says the SQL itself is
// malformed (ClickHouse would not parse it either), as opposed to valid SQL
// that is not allowed here.
type Error struct {
	Reason  string
	Invalid bool
	// NotRead: the first keyword is not one a read statement starts with.
	// ClickHouse's parser can tell whether the text is a statement at all:
	// it starts with a keyword and has no PARALLEL WITH, so it cannot
	// extend the EXPLAIN AST it is appended to (see CheckRead).
	NotRead bool
}

func (e *Error) Error() string { return e.Reason }

// Verdict is the guard's decision on a statement that passed the checks.
type Verdict struct {
	// Keyword is the statement's first keyword, upper-cased (SELECT, WITH, ...).
	Keyword string
	// AskServer: the first keyword does not decide the statement kind in
	// ClickHouse's grammar (WITH ... INSERT is an INSERT; EXPLAIN wraps
	// another statement); run EXPLAIN AST and pass the tree to CheckAST.
	AskServer bool
}

// readKeywords decide the statement kind by themselves: ClickHouse's parser
// for a statement starting with one of them only builds a read statement.
var readKeywords = map[string]bool{"SELECT": true, "FROM": true, "SHOW": true, "DESC": true, "DESCRIBE": true, "EXISTS": true}

// askKeywords start read statements only sometimes.
var askKeywords = map[string]bool{"WITH": true, "EXPLAIN": true}

// CheckRead accepts one read-only statement: SELECT (also FROM ... SELECT,
// (SELECT ...) and WITH), SHOW, DESCRIBE, EXISTS or EXPLAIN, with no IO
// function the policy does not allow.
//
// Text it asks the server about (AskServer, NotRead) is appended to
// "EXPLAIN AST graph = 0 ", so it must not be able to extend that EXPLAIN
// into another statement: it starts with a keyword (not "," which would
// continue EXPLAIN's settings, nor "(" which ClickHouse's EXPLAIN AST
// accepts around a whole statement) and has no PARALLEL WITH.
func CheckRead(sql string, p *Policy) (Verdict, error) {
	toks, err := scan(sql, p)
	if err != nil {
		return Verdict{}, err
	}
	// "stmt PARALLEL WITH stmt" is one statement that runs both, whatever
	// the first one is, and the caller's PARALLEL WITH could attach to
	// chmcp's own EXPLAIN AST: ClickHouse ran the second statement while
	// chmcp was only asking. Refused here, before anything is sent.
	if toks.hasParallelWith() {
		return Verdict{}, &Error{Reason: "PARALLEL WITH runs several statements; execute_query runs one " +
			"(quote a column named parallel, as \"parallel\", before WITH TOTALS or WITH FILL)"}
	}
	first := toks.sig[0]
	word := strings.ToUpper(toks.text(first))
	var v Verdict
	switch {
	case first.Kind == OpeningRoundBracket:
		v = Verdict{Keyword: "SELECT"}
	case first.Kind == BareWord && readKeywords[word]:
		v = Verdict{Keyword: word}
	case first.Kind == BareWord && askKeywords[word]:
		v = Verdict{Keyword: word, AskServer: true}
	}
	if v.Keyword != "" {
		return v, toks.checkNoSettingsClause()
	}
	return Verdict{}, &Error{NotRead: first.Kind == BareWord, Reason: fmt.Sprintf("%s is not a read-only statement; execute_query runs SELECT, WITH, SHOW, DESCRIBE, EXISTS and EXPLAIN",
		describeStart(toks.text(first)))}
}

// CheckIO refuses only what CheckRead refuses for every statement: lexical
// errors, several statements, deep nesting and IO functions. write_query and
// the definitions of views that become tools go through it.
func CheckIO(sql string, p *Policy) error {
	_, err := scan(sql, p)
	return err
}

// checkNoSettingsClause refuses SETTINGS name = value anywhere in a read.
// ClickHouse's readonly=1 refuses a query's own SETTINGS clause, but not
// one in a subquery, a CTE or before a UNION: there
// getSetting('readonly') answers 0. The settings argument is the way.
func (t tokens) checkNoSettingsClause() error {
	for i := 0; i+2 < len(t.sig); i++ {
		if t.isWord(i, "SETTINGS") && (i == 0 || t.sig[i-1].Kind != Dot) &&
			(t.sig[i+1].Kind == BareWord || t.sig[i+1].Kind == QuotedIdentifier) &&
			t.sig[i+2].Kind == Operator && t.text(t.sig[i+2]) == "=" {
			name, _ := identifier(t.text(t.sig[i+1]), t.sig[i+1].Kind)
			return &Error{Reason: fmt.Sprintf("a SETTINGS clause (SETTINGS %s = ...) is not allowed in execute_query's SQL; "+
				"pass the setting in the execute_query \"settings\" argument instead, e.g. {\"settings\": {%q: ...}} "+
				"(allow-listed settings only; limits may only be tightened)", name, name)}
		}
	}
	return nil
}

func describeStart(word string) string {
	if len(word) > 40 {
		word = word[:40] + "..."
	}
	return strings.ToUpper(word)
}

type tokens struct {
	sql string
	sig []Token // significant tokens of the one statement
}

func (t tokens) text(tok Token) string { return t.sql[tok.Begin:tok.End] }

// scan lexes sql and applies the checks every statement gets.
func scan(sql string, p *Policy) (tokens, error) {
	t := tokens{sql: sql}
	maxDepth := DefaultMaxDepth
	if p != nil && p.MaxDepth > 0 {
		maxDepth = p.MaxDepth
	}
	ended, depth := false, 0
	// One pass, token by token: a query nested too deep is refused as soon
	// as the nesting passes the limit, before the rest is even read.
	for l := newLexer(sql); !l.done(); {
		tok := l.token()
		switch tok.Kind {
		case OpeningRoundBracket, OpeningSquareBracket, OpeningCurlyBrace:
			if depth++; depth > maxDepth {
				return t, &Error{Reason: fmt.Sprintf("query nests brackets deeper than %d levels", maxDepth)}
			}
		case ClosingRoundBracket, ClosingSquareBracket, ClosingCurlyBrace:
			depth--
		}
		switch {
		case tok.Kind == ErrorToken:
			return t, &Error{Invalid: true, Reason: fmt.Sprintf("cannot parse query: unrecognized or unclosed token at position %d (%s)",
				tok.Begin+1, excerpt(sql, tok))}
		case !tok.Kind.significant():
		case ended:
			return t, &Error{Reason: "only one statement per call is allowed"}
		case tok.Kind == Semicolon:
			ended = true
		default:
			t.sig = append(t.sig, tok)
		}
	}
	if len(t.sig) == 0 {
		return t, &Error{Invalid: true, Reason: "empty query"}
	}
	// calls[d] names the function whose argument list is the d-th open
	// bracket: "" for a bracket that is no call, group for parentheses
	// that only group an expression.
	calls := []string{""}
	for i, tok := range t.sig {
		switch tok.Kind {
		case OpeningRoundBracket, OpeningSquareBracket, OpeningCurlyBrace:
			name := ""
			if prev := i - 1; tok.Kind == OpeningRoundBracket && prev >= 0 && (t.sig[prev].Kind == BareWord || t.sig[prev].Kind == QuotedIdentifier) {
				name = strings.ToLower(t.text(t.sig[prev]))
			} else if tok.Kind == OpeningRoundBracket {
				name = group
			}
			calls = append(calls, name)
		case ClosingRoundBracket, ClosingSquareBracket, ClosingCurlyBrace:
			if len(calls) > 1 {
				calls = calls[:len(calls)-1]
			}
		case BareWord, QuotedIdentifier:
			if err := t.checkName(i, calls, p); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

// group marks parentheses that only group an expression: "(file)".
const group = "("

// checkName refuses the i-th token when it names an IO function in call
// position, name(...), or where ClickHouse takes a bare function name: the
// function of an APPLY column transformer (SELECT * APPLY(file)) and an
// argument of a higher-order function (arrayMap(file, paths),
// mapApply(...)); calls is the stack of open brackets (see scan). INTO
// OUTFILE is refused as well: it writes a file.
func (t tokens) checkName(i int, calls []string, p *Policy) error {
	name, plain := identifier(t.text(t.sig[i]), t.sig[i].Kind)
	called := i+1 < len(t.sig) && t.sig[i+1].Kind == OpeningRoundBracket
	applied := i > 0 && t.isWord(i-1, "APPLY") ||
		i > 1 && t.sig[i-1].Kind == OpeningRoundBracket && t.isWord(i-2, "APPLY") ||
		t.isHigherOrderArgument(i, calls)
	if (called || applied) && !plain {
		return &Error{Reason: fmt.Sprintf("function name %s uses escapes; write it without backslashes", t.text(t.sig[i]))}
	}
	if called || applied {
		if err := p.checkFunction(name); err != nil {
			return err
		}
	}
	if t.isWord(i, "INTO") && i+1 < len(t.sig) && t.isWord(i+1, "OUTFILE") {
		return &Error{Reason: "INTO OUTFILE writes a file; it is not allowed here"}
	}
	return nil
}

// isHigherOrderArgument reports whether the i-th token is, by itself, an
// argument of a higher-order function. ClickHouse drops parentheses and
// aliases around it: arrayMap((file), paths), arrayMap(file AS f, paths)
// and arrayMap(((file)) AS f, paths) all pass the function file. A lambda
// parameter, (url) -> ..., or a tuple, (url, n), is something else.
func (t tokens) isHigherOrderArgument(i int, calls []string) bool {
	groups := 0 // grouping parentheses right before the token
	for groups < len(calls)-1 && calls[len(calls)-1-groups] == group && t.sig[i-1-groups].Kind == OpeningRoundBracket {
		groups++
	}
	before := i - 1 - groups
	if !higherOrder(calls[len(calls)-1-groups]) || before < 0 ||
		t.sig[before].Kind != OpeningRoundBracket && t.sig[before].Kind != Comma {
		return false
	}
	closed, after := 0, i+1
	for after < len(t.sig) {
		switch {
		case t.isWord(after, "AS") && after+1 < len(t.sig) &&
			(t.sig[after+1].Kind == BareWord || t.sig[after+1].Kind == QuotedIdentifier):
			after += 2
		case t.sig[after].Kind == ClosingRoundBracket && closed < groups:
			closed++
			after++
		default:
			return closed == groups && (t.sig[after].Kind == Comma || t.sig[after].Kind == ClosingRoundBracket)
		}
	}
	return false
}

// higherOrder: ClickHouse's functions that take a function as an argument
// (arrayMap, arraySort, arrayFold, mapApply, mapFilter, ...) are the array
// and map families; a name containing either word counts, to be safe.
func higherOrder(lowerName string) bool {
	return strings.Contains(lowerName, "array") || strings.Contains(lowerName, "map")
}

// hasParallelWith reports whether the keywords PARALLEL WITH follow each
// other anywhere in the statement (ClickHouse matches keywords in bare
// words only, in any case, with comments between).
func (t tokens) hasParallelWith() bool {
	for i := 0; i+1 < len(t.sig); i++ {
		if t.isWord(i, "PARALLEL") && t.isWord(i+1, "WITH") {
			return true
		}
	}
	return false
}

func (t tokens) isWord(i int, upper string) bool {
	return t.sig[i].Kind == BareWord && strings.EqualFold(t.text(t.sig[i]), upper)
}

// identifier unquotes a quoted identifier well enough to compare its name:
// "file", `file` and “file” name the function file. ok is false for a name
// with backslash escapes (`\x66ile` is file): the guard refuses those in call
// position rather than decode them differently from ClickHouse.
func identifier(text string, k Kind) (name string, ok bool) {
	if k != QuotedIdentifier {
		return text, true
	}
	if strings.HasPrefix(text, "\u201C") {
		return strings.TrimSuffix(strings.TrimPrefix(text, "\u201C"), "\u201D"), true
	}
	q, inner := text[:1], text[1:len(text)-1]
	return strings.ReplaceAll(inner, q+q, q), !strings.Contains(inner, `\`)
}

func excerpt(sql string, tok Token) string {
	end := tok.End
	if end-tok.Begin > 20 {
		end = tok.Begin + 20
	}
	return fmt.Sprintf("%q", sql[tok.Begin:end])
}
