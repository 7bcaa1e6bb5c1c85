package mcp

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
)

func service(t *testing.T, readOnly bool) *Service {
	t.Helper()
	cfg := config.Defaults().ClickHouse
	cfg.ReadOnly = readOnly
	ch, err := clickhouse.New(cfg, nil) // never dialled by these tests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return NewService(ch, slog.New(slog.DiscardHandler), "test")
}

// TestToolDefinitions: every tool has annotations and object schemas (the
// MCP schema requires outputSchema.type "object"; clients drop tools
// otherwise).
func TestToolDefinitions(t *testing.T) {
	for _, readOnly := range []bool{true, false} {
		tools := service(t, readOnly).Tools()
		names := map[string]bool{}
		for _, tool := range tools {
			names[tool.Def.Name] = true
			if tool.Def.Annotations == nil || tool.Def.Annotations.DestructiveHint == nil || tool.Def.Annotations.OpenWorldHint == nil {
				t.Errorf("%s: incomplete annotations", tool.Def.Name)
			}
			for kind, schema := range map[string]any{"input": tool.Def.InputSchema, "output": tool.Def.OutputSchema} {
				b, _ := json.Marshal(schema)
				var m map[string]any
				_ = json.Unmarshal(b, &m)
				if m["type"] != "object" {
					t.Errorf("%s: %s schema type = %v, want \"object\"", tool.Def.Name, kind, m["type"])
				}
			}
		}
		if names["write_query"] == readOnly {
			t.Errorf("read_only=%v: write_query offered=%v", readOnly, names["write_query"])
		}
	}
}

func TestArgumentDecoding(t *testing.T) {
	var in executeQueryIn
	for raw, want := range map[string]string{
		`{"query": 1}`:                           "\"query\" must be a string",
		`{"qurey": "SELECT 1"}`:                  "unknown field",
		`[1]`:                                    "invalid arguments",
		`{"query": "SELECT 1", "settings": "x"}`: "must be an object",
	} {
		err := decodeArgs(json.RawMessage(raw), &in)
		var ae *ArgumentError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), want) {
			t.Errorf("decode %s: %v, want %q", raw, err, want)
		}
	}
	if err := decodeArgs(nil, &listDatabasesIn{}); err != nil {
		t.Errorf("empty arguments for a tool without parameters: %v", err)
	}
}

func TestSettingsAllowList(t *testing.T) {
	ok := map[string]any{"max_threads": float64(2), "join_algorithm": "hash", "use_query_cache": true}
	if err := checkSettings(ok); err != nil {
		t.Fatal(err)
	}
	if ok["max_threads"] != int64(2) || ok["use_query_cache"] != 1 {
		t.Fatalf("settings not normalized: %#v", ok)
	}
	for _, bad := range []map[string]any{
		{"readonly": 0}, {"max_result_rows": 1e9}, {"max_execution_time": 0}, {"allow_ddl": 1},
		{"max_threads": []any{1}},
	} {
		if err := checkSettings(bad); err == nil {
			t.Errorf("settings %v accepted", bad)
		}
	}
}

func TestListTablesPageSize(t *testing.T) {
	in := listTablesIn{Database: "d"}
	if err := in.validate(); err != nil || in.PageSize != 100 {
		t.Fatalf("default page size: %v %d", err, in.PageSize)
	}
	for _, n := range []int{-1, 1001} {
		in := listTablesIn{Database: "d", PageSize: n}
		if err := in.validate(); err == nil {
			t.Errorf("page_size %d accepted", n)
		}
	}
}
