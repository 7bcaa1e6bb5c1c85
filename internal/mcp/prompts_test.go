package mcp

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestPrompts: the prompts capability is backed by prompts a client can
// list and get, with their arguments checked and pasted in safely.
func TestPrompts(t *testing.T) {
	cs := session(t, liveService(t).NewServer())
	ctx := context.Background()
	if cs.InitializeResult().Capabilities.Prompts == nil {
		t.Fatal("prompts capability not declared")
	}
	list, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]*sdk.Prompt{}
	for _, p := range list.Prompts {
		defs[p.Name] = p
		if p.Title == "" || p.Description == "" || len(p.Arguments) == 0 {
			t.Errorf("prompt %s: incomplete definition %+v", p.Name, p)
		}
	}
	if len(defs) != 3 || defs["explore_database"] == nil || defs["explain_slow_query"] == nil || defs["answer_question"] == nil {
		t.Fatalf("prompts = %v", defs)
	}
	if a := defs["answer_question"].Arguments[0]; a.Name != "question" || !a.Required {
		t.Errorf("answer_question's first argument: %+v", a)
	}

	get := func(name string, args map[string]string) (string, error) {
		res, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: name, Arguments: args})
		if err != nil {
			return "", err
		}
		if len(res.Messages) != 1 || res.Messages[0].Role != "user" {
			t.Fatalf("%s: messages %+v", name, res.Messages)
		}
		return res.Messages[0].Content.(*sdk.TextContent).Text, nil
	}
	for _, c := range []struct {
		name string
		args map[string]string
		want []string
	}{
		{"explore_database", nil, []string{"list_databases", "list_tables", "describe_table", "LIMIT"}},
		{"explore_database", map[string]string{"database": "sales`db"}, []string{"database `sales\\`db`", "describe_table", "ReplacingMergeTree"}},
		{"explain_slow_query", nil, []string{"system.query_log", "ORDER BY query_duration_ms DESC LIMIT 10", "EXPLAIN indexes = 1", "describe_table"}},
		{"explain_slow_query", map[string]string{"query_id": "x' OR 1 = 1 --"}, []string{`query_id = 'x\' OR 1 = 1 --'`, "EXPLAIN indexes = 1"}},
		{"explain_slow_query", map[string]string{"query": "SELECT count() FROM t WHERE a = 1"}, []string{"SELECT count() FROM t WHERE a = 1", "normalizedQueryHash"}},
		{"answer_question", map[string]string{"question": "How many orders per day?"}, []string{"How many orders per day?", "search_schema", "execute_query", "LIMIT"}},
		{"answer_question", map[string]string{"question": "q", "database": "shop"}, []string{`databases ["shop"]`, "`shop`"}},
	} {
		text, err := get(c.name, c.args)
		if err != nil {
			t.Errorf("%s %v: %v", c.name, c.args, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %v: text lacks %q:\n%s", c.name, c.args, w, text)
			}
		}
		if !strings.Contains(text, `execute_query's "settings" argument`) {
			t.Errorf("%s: no word on the settings argument", c.name)
		}
	}

	// Bad arguments are invalid params, not a prompt.
	for _, c := range []struct {
		name string
		args map[string]string
		want string
	}{
		{"answer_question", nil, `argument "question" is required`},
		{"answer_question", map[string]string{"question": "  "}, `argument "question" is required`},
		{"explore_database", map[string]string{"databse": "x"}, `has no argument "databse"`},
		{"answer_question", map[string]string{"question": strings.Repeat("x", maxPromptArgument+1)}, "over the limit"},
		{"no_such_prompt", nil, "unknown prompt"},
	} {
		_, err := get(c.name, c.args)
		var we *jsonrpc.Error
		if !errors.As(err, &we) || we.Code != jsonrpc.CodeInvalidParams || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: %v, want invalid params %q", c.name, c.args, err, c.want)
		}
	}
}
