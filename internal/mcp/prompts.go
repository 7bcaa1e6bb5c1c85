package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
)

// A prompt is a recipe a person picks in their client (a slash command, a
// menu entry) to start a task; its text leads the assistant through
// chmcp's own tools the safe way: look the schema up first, then small,
// aggregated, LIMITed read-only queries.
type prompt struct {
	def    *sdk.Prompt
	render func(args map[string]string) string
}

// maxPromptArgument bounds an argument's length: the text is pasted into
// the prompt.
const maxPromptArgument = 4000

// safeQuerying is the common ground of every prompt.
const safeQuerying = `Rules for every query:
- Use only chmcp's tools: search_schema, list_databases, list_tables, describe_table, execute_query (read-only).
- Know the schema before writing SQL: never guess database, table or column names.
- Aggregate in ClickHouse (count, uniq, quantiles, GROUP BY) rather than fetching raw rows, and always add LIMIT (100 or less) to row-returning queries.
- Filter on the table's sorting key and partition key where you can: describe_table shows them, and they decide how much ClickHouse reads.
- Pass ClickHouse settings in execute_query's "settings" argument, not in a SETTINGS clause: queries run read-only.
- A result with truncated=true was cut by a cap: aggregate or narrow the query instead of paging through rows.`

func prompts() []prompt {
	return []prompt{
		{
			def: &sdk.Prompt{
				Name:        "explore_database",
				Title:       "Explore a database",
				Description: "Surveys a ClickHouse database: its tables, what they hold, how they relate, and how to query them efficiently.",
				Arguments: []*sdk.PromptArgument{
					{Name: "database", Title: "Database", Description: "The database to explore; empty: choose among those you can see."},
				},
			},
			render: exploreDatabase,
		},
		{
			def: &sdk.Prompt{
				Name:        "explain_slow_query",
				Title:       "Explain a slow query",
				Description: "Finds a query in system.query_log, explains where its time went (rows and bytes read, index use, memory) and suggests how to make it faster.",
				Arguments: []*sdk.PromptArgument{
					{Name: "query_id", Title: "Query id", Description: "The query_id of the slow query, if you know it."},
					{Name: "query", Title: "SQL", Description: "The SQL text of the slow query, if you have no query_id. Empty with no query_id: look at the slowest recent queries."},
				},
			},
			render: explainSlowQuery,
		},
		{
			def: &sdk.Prompt{
				Name:        "answer_question",
				Title:       "Answer a question with a safe query",
				Description: "Turns a question into one read-only ClickHouse query: finds the tables, checks their columns and keys, runs a small aggregated query and explains the answer.",
				Arguments: []*sdk.PromptArgument{
					{Name: "question", Title: "Question", Description: "What you want to know, in your own words.", Required: true},
					{Name: "database", Title: "Database", Description: "The database to look in, if you know it."},
				},
			},
			render: answerQuestion,
		},
	}
}

func (s *Service) addPrompts(srv *sdk.Server) {
	for _, p := range prompts() {
		srv.AddPrompt(p.def, p.handler())
	}
}

// handler checks the arguments against the definition (the go-sdk does
// not) and renders the prompt as one user message.
func (p prompt) handler() sdk.PromptHandler {
	return func(_ context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
		args := req.Params.Arguments
		known := map[string]bool{}
		for _, a := range p.def.Arguments {
			known[a.Name] = true
			if a.Required && strings.TrimSpace(args[a.Name]) == "" {
				return nil, invalidParams("prompt %s: argument %q is required", p.def.Name, a.Name)
			}
		}
		for name, v := range args {
			if !known[name] {
				return nil, invalidParams("prompt %s has no argument %q", p.def.Name, name)
			}
			if len(v) > maxPromptArgument {
				return nil, invalidParams("prompt %s: argument %q is %d bytes, over the limit of %d", p.def.Name, name, len(v), maxPromptArgument)
			}
		}
		text := p.render(args)
		return &sdk.GetPromptResult{
			Description: p.def.Description,
			Messages:    []*sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: text}}},
		}, nil
	}
}

func invalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func exploreDatabase(args map[string]string) string {
	var b strings.Builder
	db := strings.TrimSpace(args["database"])
	if db == "" {
		b.WriteString("Help me explore the data in ClickHouse. Start with list_databases and ask me which database to explore if it is not obvious.\n\n")
		db = "the database"
	} else {
		fmt.Fprintf(&b, "Help me explore the ClickHouse database %s.\n\n", chsql.QuoteIdent(db))
		db = chsql.QuoteIdent(db)
	}
	fmt.Fprintf(&b, `Steps:
1. list_tables on %[1]s (follow next_cursor if there are more pages). Materialized views' storage tables are hidden; describe_table of a view names its target.
2. describe_table on the main tables (the largest by total_rows, and those whose names or comments suggest the core entities). Note engine and engine_full (a ReplacingMergeTree needs FINAL or argMax to see one row per key), sorting and partition keys, TTL, skip indexes, projections, and for views their SELECT.
3. For up to three key tables, run small profiling queries with execute_query: count(), min and max of the main date column, uniq() of likely identifiers, and a sample of 5 rows (LIMIT 5).
4. Summarize: what each table holds, how tables relate (shared columns, views and the tables they read from or write to), how to filter them efficiently, and three useful questions this data can answer, each with the query you would run.

`, db)
	b.WriteString(safeQuerying)
	return b.String()
}

func explainSlowQuery(args map[string]string) string {
	var b strings.Builder
	id, sql := strings.TrimSpace(args["query_id"]), strings.TrimSpace(args["query"])
	b.WriteString("Explain why a ClickHouse query is slow and how to make it faster.\n\n")
	switch {
	case id != "":
		fmt.Fprintf(&b, `1. Find it in the query log with execute_query:
   SELECT type, event_time, query_duration_ms, read_rows, formatReadableSize(read_bytes) AS read, result_rows,
          formatReadableSize(memory_usage) AS memory, ProfileEvents['SelectedParts'] AS parts, ProfileEvents['SelectedMarks'] AS marks,
          tables, exception, query
   FROM system.query_log WHERE query_id = %s AND event_date >= today() - 7 ORDER BY event_time DESC LIMIT 5
`, chsql.QuoteString(id))
	case sql != "":
		fmt.Fprintf(&b, "The query:\n```sql\n%s\n```\n\n", sql)
		b.WriteString(`1. Find its recent runs in the query log with execute_query (same normalized shape, any literals):
   SELECT query_id, event_time, query_duration_ms, read_rows, formatReadableSize(read_bytes) AS read,
          formatReadableSize(memory_usage) AS memory, ProfileEvents['SelectedMarks'] AS marks, tables
   FROM system.query_log WHERE type = 'QueryFinish' AND event_date >= today() - 7
     AND normalized_query_hash = normalizedQueryHash(<the query as a string literal>)
   ORDER BY event_time DESC LIMIT 10
   If it has no runs there, go on with step 2.
`)
	default:
		b.WriteString(`1. Find the slowest recent queries with execute_query:
   SELECT query_id, event_time, query_duration_ms, read_rows, formatReadableSize(read_bytes) AS read,
          formatReadableSize(memory_usage) AS memory, substring(query, 1, 200) AS query_start
   FROM system.query_log WHERE type = 'QueryFinish' AND event_date >= today() - 1 AND query_kind = 'Select'
   ORDER BY query_duration_ms DESC LIMIT 10
   and pick the one that matters (ask me if unsure).
`)
	}
	b.WriteString(`   If system.query_log cannot be read (no grant, or the server does not log queries), say so and work from the SQL alone.
2. describe_table on every table the query reads: sorting key, primary key, partition key, skip indexes, projections, engine (FINAL on a ReplacingMergeTree costs a merge at read time).
3. Run EXPLAIN indexes = 1 <the query> with execute_query to see how many parts and granules the partition key, primary key and skip indexes leave; EXPLAIN PIPELINE shows parallelism. Do not run the slow query itself.
4. Explain where the time goes: rows and bytes read compared with rows returned, filters that miss the sorting key prefix, SELECT * or wide String columns, JOINs with a large right-hand table, high-cardinality GROUP BY, memory use.
5. Suggest concrete changes, most effective first: a rewritten query (filter on the key prefix, PREWHERE, fewer columns, a smaller JOIN side, approximate functions such as uniq or quantile), and schema changes (skip index, projection, another ORDER BY) for the table owner. You cannot change the schema here: propose the DDL, do not run it.

`)
	b.WriteString(safeQuerying)
	return b.String()
}

func answerQuestion(args map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Answer this question from the data in ClickHouse:\n\n<question>\n%s\n</question>\n\n", strings.TrimSpace(args["question"]))
	where := "search_schema with the question's key terms (entities, measures; try synonyms and singular forms)"
	if db := strings.TrimSpace(args["database"]); db != "" {
		where = fmt.Sprintf("search_schema with the question's key terms, databases [%q] (or list_tables on %s)", db, chsql.QuoteIdent(db))
	}
	fmt.Fprintf(&b, `Steps:
1. Find the tables: %s.
2. describe_table on the candidates: column types and comments, sorting and partition keys, engine (ReplacingMergeTree: use FINAL or argMax for one row per key).
3. Check your assumptions with tiny queries: the values of a status column (SELECT DISTINCT ... LIMIT 20), the date range (min/max), the unit of an amount.
4. Write one read-only SELECT that answers the question: aggregate in ClickHouse, filter on the time range and the sorting key, name every column (no SELECT *), LIMIT 100 or less.
5. Run it with execute_query. If it fails, read the error: fix the SQL, do not work around chmcp's checks.
6. Answer in plain words, then show the query and state the assumptions it rests on (time zone, filters, how duplicates were handled).

`, where)
	b.WriteString(safeQuerying)
	return b.String()
}
