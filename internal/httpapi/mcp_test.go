package httpapi

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
)

func connect(t *testing.T, transport sdk.Transport, version string) *sdk.ClientSession {
	t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "chmcp-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), transport, &sdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect (%s): %v", version, err)
	}
	if got := cs.InitializeResult().ProtocolVersion; got != version {
		t.Fatalf("negotiated %s, want %s", got, version)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func call(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v", tool, err)
	}
	return res
}

func text(res *sdk.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	return res.Content[0].(*sdk.TextContent).Text
}

var versions = []string{"2026-07-28", "2025-11-25", "2025-06-18"}

func TestMCPStreamableHTTP(t *testing.T) {
	ts := startServer(t, nil)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, v)
			exerciseTools(t, cs)
		})
	}
	if !strings.Contains(ts.Logs.String(), `"msg":"tool call"`) {
		t.Fatal("no tool call log line")
	}
}

func TestMCPLegacySSE(t *testing.T) {
	ts := startServer(t, nil)
	cs := connect(t, &sdk.SSEClientTransport{Endpoint: ts.URL + "/sse"}, "2025-06-18")
	exerciseTools(t, cs)
}

func exerciseTools(t *testing.T, cs *sdk.ClientSession) {
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	outputSchemas := map[string]*jsonschema.Resolved{}
	for _, tool := range tools.Tools {
		b, _ := json.Marshal(tool.OutputSchema)
		var s jsonschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		r, err := s.Resolve(nil)
		if err != nil {
			t.Fatalf("%s: output schema does not resolve: %v", tool.Name, err)
		}
		outputSchemas[tool.Name] = r
	}
	// Every successful call's structuredContent must validate against the
	// tool's outputSchema: strict clients (the Inspector) reject it otherwise.
	call := func(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) *sdk.CallToolResult {
		t.Helper()
		res := call(t, cs, tool, args)
		if !res.IsError {
			if err := outputSchemas[tool].Validate(res.StructuredContent); err != nil {
				t.Fatalf("%s: structuredContent does not match outputSchema: %v", tool, err)
			}
		}
		return res
	}
	names := []string{}
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
		if tool.Annotations == nil || tool.OutputSchema == nil || tool.InputSchema == nil {
			t.Fatalf("tool %s lacks annotations or schemas", tool.Name)
		}
		if !tool.Annotations.ReadOnlyHint || tool.Annotations.DestructiveHint == nil || *tool.Annotations.DestructiveHint {
			t.Fatalf("tool %s: read-only server offers non-read-only annotations", tool.Name)
		}
	}
	if got := strings.Join(names, ","); got != "describe_table,execute_query,list_databases,list_tables,search_schema" {
		t.Fatalf("tools = %s (write_query must be absent when read-only)", got)
	}

	res := call(t, cs, "execute_query", map[string]any{"query": "SELECT 1 AS one, 'a' AS s"})
	if res.IsError {
		t.Fatalf("execute_query failed: %s", text(res))
	}
	var out struct {
		Columns   []struct{ Name, Type string }
		Rows      [][]any
		Truncated bool
	}
	if err := json.Unmarshal([]byte(text(res)), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 1 || out.Rows[0][1] != "a" || out.Columns[0].Type != "UInt8" || out.Truncated {
		t.Fatalf("unexpected result %s", text(res))
	}
	var fromText any
	_ = json.Unmarshal([]byte(text(res)), &fromText)
	if !reflect.DeepEqual(fromText, res.StructuredContent) {
		t.Fatalf("structuredContent %v != text %s", res.StructuredContent, text(res))
	}

	for q, want := range map[string]string{
		"INSERT INTO t VALUES (1)":            "INSERT is not a read-only statement",
		"SELECT * FROM default.missing_t":     "ClickHouse error 60",
		"SELEC 1":                             "ClickHouse error 62 (SYNTAX_ERROR)",
		"/* /* */ SHOW */ KILL QUERY WHERE 1": "KILL QUERY is not a read-only statement",
	} {
		res := call(t, cs, "execute_query", map[string]any{"query": q})
		if !res.IsError || !strings.Contains(text(res), want) {
			t.Fatalf("%q: isError=%v text=%q, want %q", q, res.IsError, text(res), want)
		}
	}
	// Valid read-only SQL the old parser library refused runs end to end (issue 12).
	if _, err := chs(t).Exec(context.Background(), "CREATE TABLE IF NOT EXISTS default.e2e_idx ENGINE = MergeTree ORDER BY k AS SELECT number AS k, toString(number) AS v FROM numbers(100)"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT number, row_number() OVER (ORDER BY number) AS rn FROM numbers(5) QUALIFY rn <= 2 ORDER BY number": `"rows":[["0","1"],["1","2"]]`,
		"EXPLAIN indexes = 1 SELECT v FROM default.e2e_idx WHERE k = 7":                                            "PrimaryKey",
	} {
		res := call(t, cs, "execute_query", map[string]any{"query": q})
		if res.IsError || !strings.Contains(text(res), want) {
			t.Fatalf("%s: %s, want %s", q, text(res), want)
		}
	}
	res = call(t, cs, "execute_query", map[string]any{"query": "SELECT 1 SETTINGS max_threads = 1"})
	if !res.IsError || !strings.Contains(text(res), "a SETTINGS clause (SETTINGS max_threads = ...) is not allowed") || !strings.Contains(text(res), `execute_query "settings" argument`) {
		t.Fatalf("SETTINGS clause: %s", text(res))
	}
	res = call(t, cs, "execute_query", map[string]any{"query": "SELECT 1", "settings": map[string]any{"readonly": 0}})
	if !res.IsError || !strings.Contains(text(res), "not allowed: readonly") {
		t.Fatalf("settings readonly=0: %q", text(res))
	}
	res = call(t, cs, "execute_query", map[string]any{"qurey": "SELECT 1"})
	if !res.IsError || !strings.Contains(text(res), "invalid arguments") {
		t.Fatalf("misspelled argument: %q", text(res))
	}

	res = call(t, cs, "list_databases", nil)
	if res.IsError || !strings.Contains(text(res), `"name":"system"`) {
		t.Fatalf("list_databases: %s", text(res))
	}
	res = call(t, cs, "list_tables", map[string]any{"database": "system", "like": "query%", "page_size": 1})
	if res.IsError || !strings.Contains(text(res), `"next_cursor"`) {
		t.Fatalf("list_tables: %s", text(res))
	}
	res = call(t, cs, "describe_table", map[string]any{"database": "system", "table": "one"})
	if res.IsError || !strings.Contains(text(res), `"name":"dummy"`) {
		t.Fatalf("describe_table: %s", text(res))
	}

	res = call(t, cs, "search_schema", map[string]any{"pattern": "dumm", "databases": []string{"system"}})
	if res.IsError || !strings.Contains(text(res), `{"kind":"column","database":"system","table":"one","column":"dummy"`) {
		t.Fatalf("search_schema: %s", text(res))
	}

	rr, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "clickhouse://schema"})
	if err != nil || strings.Contains(rr.Contents[0].Text, `"name":"system"`) || !strings.Contains(rr.Contents[0].Text, `"omitted_databases":["INFORMATION_SCHEMA","information_schema","system"]`) {
		t.Fatalf("schema resource: %v", err)
	}
	rr, err = cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "clickhouse://schema/system"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, `"name":"one"`) {
		t.Fatalf("schema resource of system: %v", err)
	}
	prompts, err := cs.ListPrompts(context.Background(), nil)
	if err != nil || len(prompts.Prompts) != 3 {
		t.Fatalf("prompts/list: %+v %v", prompts, err)
	}
	pr, err := cs.GetPrompt(context.Background(), &sdk.GetPromptParams{Name: "answer_question", Arguments: map[string]string{"question": "how many rows?"}})
	if err != nil || len(pr.Messages) != 1 || !strings.Contains(pr.Messages[0].Content.(*sdk.TextContent).Text, "how many rows?") {
		t.Fatalf("prompts/get: %+v %v", pr, err)
	}
	rr, err = cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "clickhouse://table/system/one"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, `"dummy"`) {
		t.Fatalf("table resource: %v", err)
	}
	if _, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "clickhouse://table/system/nope"}); err == nil {
		t.Fatal("missing table resource: want an error")
	}
}

func TestWriteQueryOnlyWhenWritable(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.ClickHouse.ReadOnly = false })
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	res := call(t, cs, "write_query", map[string]any{"query": "CREATE OR REPLACE TABLE default.wq (a UInt8) ENGINE = Memory"})
	if res.IsError {
		t.Fatal(text(res))
	}
	res = call(t, cs, "write_query", map[string]any{"query": "INSERT INTO default.wq VALUES (7)"})
	if res.IsError {
		t.Fatal(text(res))
	}
	res = call(t, cs, "execute_query", map[string]any{"query": "SELECT a FROM default.wq"})
	if res.IsError || !strings.Contains(text(res), "[[7]]") {
		t.Fatalf("read back: %s", text(res))
	}
	tools, _ := cs.ListTools(context.Background(), nil)
	for _, tool := range tools.Tools {
		if tool.Name == "write_query" && (tool.Annotations.ReadOnlyHint || !*tool.Annotations.DestructiveHint) {
			t.Fatal("write_query annotations must say destructive")
		}
	}
}

// TestResourceReadsArePrivate: what the schema shows depends on the caller's
// grants, so shared caches must not serve it to others.
func TestResourceReadsArePrivate(t *testing.T) {
	ts := startServer(t, nil)
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	rr, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "clickhouse://schema"})
	if err != nil {
		t.Fatal(err)
	}
	if rr.CacheScope != "private" {
		t.Fatalf("cacheScope = %q, want private", rr.CacheScope)
	}
}
