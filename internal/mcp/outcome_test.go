package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// fixedTool answers every call with out and err.
func fixedTool(out Output, err error) Tool {
	return Tool{Def: &sdk.Tool{Name: "fixed"}, Call: func(context.Context, json.RawMessage) (Output, error) { return out, err }}
}

// goldenResults are MCP results as the go-sdk writes them, byte for byte.
// They were produced by the code before Outcome (run built the
// CallToolResult itself), so they pin MCP clients' view across the change.
var goldenResults = []struct {
	name string
	out  Output
	err  error
	want string
}{
	{"rows", Output{Value: map[string]any{"rows": [][]any{{"<b>&amp;</b>", "héllo \u2028 \"q\"", nil}}, "truncated": false}, Rows: 1}, nil,
		`{"_meta":{"chmcp/identity_source":"email","chmcp/user":"default"},"content":[{"type":"text","text":"{\"rows\":[[\"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e\",\"héllo \\u2028 \\\"q\\\"\",null]],\"truncated\":false}"}],"structuredContent":{"rows":[["\u003cb\u003e\u0026amp;\u003c/b\u003e","héllo \u2028 \"q\"",null]],"truncated":false}}`},
	{"truncated result", Output{Value: &clickhouse.Result{Columns: []clickhouse.Column{{Name: "n", Type: "UInt64"}}, Rows: []json.RawMessage{json.RawMessage(`["1"]`)},
		RowCount: 1, Truncated: true, TruncatedReason: clickhouse.ReasonMaxRows, QueryID: "q-1"}, Rows: 1, Truncated: true, TruncatedReason: clickhouse.ReasonMaxRows}, nil,
		`{"_meta":{"chmcp/identity_source":"email","chmcp/user":"default"},"content":[{"type":"text","text":"{\"columns\":[{\"name\":\"n\",\"type\":\"UInt64\"}],\"rows\":[[\"1\"]],\"row_count\":1,\"truncated\":true,\"truncated_reason\":\"max_result_rows\",\"query_id\":\"q-1\",\"elapsed_ms\":0}"}],"structuredContent":{"columns":[{"name":"n","type":"UInt64"}],"rows":[["1"]],"row_count":1,"truncated":true,"truncated_reason":"max_result_rows","query_id":"q-1","elapsed_ms":0}}`},
	{"null output", Output{}, nil,
		`{"_meta":{"chmcp/identity_source":"email","chmcp/user":"default"},"content":[{"type":"text","text":"null"}],"structuredContent":null}`},
	{"clickhouse error", Output{}, &clickhouse.QueryError{Code: 60, Name: "UNKNOWN_TABLE", QueryID: "q-2", Message: "Table default.nope does not exist."},
		`{"_meta":{"chmcp/error":{"code":60,"kind":"clickhouse","name":"UNKNOWN_TABLE","query_id":"q-2"}},"content":[{"type":"text","text":"ClickHouse error 60 (UNKNOWN_TABLE): Table default.nope does not exist."}],"isError":true}`},
	{"clickhouse error without a name", Output{}, fmt.Errorf("wrapped: %w", &clickhouse.QueryError{Code: 999, Message: "odd"}),
		`{"_meta":{"chmcp/error":{"code":999,"kind":"clickhouse"}},"content":[{"type":"text","text":"wrapped: ClickHouse error 999: odd"}],"isError":true}`},
	{"refused", Output{}, &clickhouse.GuardError{Reason: "INSERT is not a read-only statement"},
		`{"_meta":{"chmcp/error":{"kind":"refused"}},"content":[{"type":"text","text":"not allowed here: INSERT is not a read-only statement"}],"isError":true}`},
	{"invalid arguments", Output{}, &ArgumentError{Reason: `"query" is required`},
		`{"_meta":{"chmcp/error":{"kind":"invalid_arguments"}},"content":[{"type":"text","text":"invalid arguments: \"query\" is required"}],"isError":true}`},
	{"busy", Output{}, &budget.BusyError{Limit: 1024},
		`{"_meta":{"chmcp/error":{"kind":"busy"}},"content":[{"type":"text","text":"server busy: the results of other calls fill the server's result memory (server.max_inflight_result_bytes = 1024); retry shortly"}],"isError":true}`},
	{"internal", Output{}, errors.New("secret detail"),
		`{"_meta":{"chmcp/error":{"kind":"internal"}},"content":[{"type":"text","text":"internal error; see the server log for request id req-7"}],"isError":true}`},
}

// TestResultGolden: Outcome.Result renders every kind of call exactly as
// MCP clients saw it before outcomes were typed.
func TestResultGolden(t *testing.T) {
	s := service(t, true)
	ctx := identity.With(WithRequestID(context.Background(), "req-7"), identity.Identity{User: "alice", Email: "alice@example.com", Source: identity.SourceEmail})
	for _, tc := range goldenResults {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(s.run(ctx, fixedTool(tc.out, tc.err), nil).Result())
			if err != nil || string(got) != tc.want {
				t.Fatalf("%v\n got %s\nwant %s", err, got, tc.want)
			}
		})
	}
}

// TestOutcomeIsTyped: what a transport needs of a call is in the Outcome's
// fields, not in text to parse: the kind and ClickHouse error of a
// failure, the truncation and its cap of a result.
func TestOutcomeIsTyped(t *testing.T) {
	cfg := chs(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxResultRows = 5
	ch, err := clickhouse.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	s := NewService(ch, slog.New(slog.DiscardHandler), "test")
	call := func(query string) *Outcome {
		t.Helper()
		out, ok := s.Call(context.Background(), "execute_query", json.RawMessage(`{"query": "`+query+`"}`))
		if !ok {
			t.Fatal("no execute_query")
		}
		return out
	}

	out := call("SELECT number FROM numbers(20)")
	if out.Failure != nil || !out.Truncated || out.TruncatedReason != clickhouse.ReasonMaxRows || out.User != cfg.Username || out.Source != identity.SourceConfig {
		t.Fatalf("capped result: %+v", out)
	}
	var body clickhouse.Result
	if err := json.Unmarshal(out.Body, &body); err != nil || body.RowCount != 5 || !body.Truncated || body.TruncatedReason != out.TruncatedReason {
		t.Fatalf("body %v: %s", err, out.Body)
	}
	if out = call("SELECT 1"); out.Failure != nil || out.Truncated || out.TruncatedReason != "" {
		t.Fatalf("small result: %+v", out)
	}

	// A ClickHouse error whose message reads like another kind's.
	out = call("SELECT throwIf(1, 'server busy: retry later')")
	f := out.Failure
	if f == nil || f.Kind != KindClickHouse || f.ClickHouse == nil || f.ClickHouse.Code != 395 ||
		f.ClickHouse.Name != "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO" || f.ClickHouse.QueryID == "" || out.Body != nil {
		t.Fatalf("throwIf: %+v %+v", out, f)
	}
	res := out.Result()
	want := map[string]any{"kind": KindClickHouse, "code": int32(395), "name": "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO", "query_id": f.ClickHouse.QueryID}
	if !res.IsError || resultText(res) != f.Message || !reflect.DeepEqual(res.Meta[MetaError], want) {
		t.Fatalf("rendered: %q %v, want %q %v", resultText(res), res.Meta, f.Message, want)
	}

	// Our own refusal, quoting ClickHouse error wording: refused, no code.
	out = call("INSERT INTO t SELECT 'ClickHouse error 60 (UNKNOWN_TABLE): '")
	if f := out.Failure; f == nil || f.Kind != KindRefused || f.ClickHouse != nil {
		t.Fatalf("refusal: %+v", f)
	}
}
