package sqlguard

import (
	"fmt"
	"strings"
)

// CheckAST decides a statement from the tree ClickHouse's own parser built
// for it: the rows of EXPLAIN AST, one node a row, indented one space per
// level ("SelectWithUnionQuery (children 1)", " ExpressionList ...").
// ClickHouse's parser is the authority for exactly the version it runs:
// WITH x AS (...) INSERT INTO ... is an InsertQuery there, whatever its
// first keyword says. The functions in the tree pass the IO check too.
func CheckAST(rows []string, p *Policy) error {
	if len(rows) == 0 {
		return &Error{Reason: "ClickHouse returned no syntax tree for the query"}
	}
	nodes := make([]astNode, 0, len(rows))
	for _, r := range rows {
		n := astNode{depth: len(r) - len(strings.TrimLeft(r, " "))}
		n.words = strings.Fields(r)
		if len(n.words) == 0 {
			continue
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 || nodes[0].depth != 0 {
		return &Error{Reason: "ClickHouse returned a syntax tree chmcp cannot read"}
	}
	if err := checkReadNode(nodes, 0); err != nil {
		return err
	}
	for _, n := range nodes {
		if n.words[0] == "Function" && len(n.words) > 1 {
			if err := p.checkFunction(n.words[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

type astNode struct {
	depth int
	words []string
}

// checkReadNode: nodes[i] must be a read statement; an EXPLAIN's own
// statement children must be too (its settings are a "Set" child, its
// FORMAT an "Identifier").
func checkReadNode(nodes []astNode, i int) error {
	id := nodes[i].words[0]
	for _, prefix := range []string{"Select", "Show", "Describe", "Exists"} {
		if strings.HasPrefix(id, prefix) {
			return nil
		}
	}
	if id != "Explain" {
		return &Error{Reason: fmt.Sprintf("%s is not a read-only statement; execute_query runs SELECT, WITH, SHOW, DESCRIBE, EXISTS and EXPLAIN", statementName(id))}
	}
	depth := nodes[i].depth
	for j := i + 1; j < len(nodes) && nodes[j].depth > depth; j++ {
		if nodes[j].depth != depth+1 || nodes[j].words[0] == "Set" || nodes[j].words[0] == "Identifier" {
			continue
		}
		if err := checkReadNode(nodes, j); err != nil {
			return err
		}
	}
	return nil
}

// statementName turns an AST node id into a statement name for messages:
// InsertQuery -> INSERT, KillQueryQuery -> KILL QUERY.
func statementName(id string) string {
	id = strings.TrimSuffix(id, "Query")
	var b strings.Builder
	for i, r := range id {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
