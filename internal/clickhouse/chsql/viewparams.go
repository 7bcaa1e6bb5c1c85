package chsql

import (
	"strings"

	"github.com/chmcp/chmcp/internal/sqlguard"
)

// ViewParam is one {name:Type} placeholder of a parameterized view.
type ViewParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ViewParams finds the {name:Type} placeholders of a view's query as
// ClickHouse's lexer sees them, so nothing inside a string literal, quoted
// identifier, heredoc or (nested) comment counts. Each name is reported
// once, in order of first use.
func ViewParams(sql string) []ViewParam {
	var tokens []sqlguard.Token
	for _, t := range sqlguard.Lex(sql) {
		if t.Kind != sqlguard.Whitespace && t.Kind != sqlguard.Comment {
			tokens = append(tokens, t)
		}
	}
	params := []ViewParam{}
	seen := map[string]bool{}
	for i, t := range tokens {
		if t.Kind != sqlguard.OpeningCurlyBrace {
			continue
		}
		p, ok := placeholder(sql, tokens[i+1:])
		if ok && !seen[p.Name] {
			seen[p.Name] = true
			params = append(params, p)
		}
	}
	return params
}

// placeholder reads "name:Type}" from the tokens after a "{", as
// ClickHouse's ParserSubstitution does: a bare word, a colon, a type, and
// a closing brace outside the type's brackets.
func placeholder(sql string, tokens []sqlguard.Token) (ViewParam, bool) {
	if len(tokens) < 4 || tokens[0].Kind != sqlguard.BareWord || sql[tokens[1].Begin:tokens[1].End] != ":" {
		return ViewParam{}, false
	}
	name := sql[tokens[0].Begin:tokens[0].End]
	if !isIdentifier(name) {
		return ViewParam{}, false
	}
	depth := 0
	for _, t := range tokens[2:] {
		switch t.Kind {
		case sqlguard.OpeningRoundBracket:
			depth++
		case sqlguard.ClosingRoundBracket:
			depth--
		case sqlguard.ClosingCurlyBrace:
			typ := strings.TrimSpace(sql[tokens[2].Begin:t.Begin])
			return ViewParam{Name: name, Type: typ}, depth == 0 && typ != ""
		case sqlguard.OpeningCurlyBrace, sqlguard.Semicolon, sqlguard.ErrorToken:
			return ViewParam{}, false
		}
	}
	return ViewParam{}, false
}
