package mcp

import (
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/clickhouse"
)

func TestToolNamesAndComments(t *testing.T) {
	if got := toolName("q_" + "weird name/ü"); got != "q_weird_name__" {
		t.Errorf("toolName: %q", got)
	}
	if got := toolName(strings.Repeat("x", 200)); len(got) != 128 {
		t.Errorf("toolName length %d", len(got))
	}
	plain := parseComment("  Daily totals  ")
	if plain.Description != "Daily totals" || plain.Title != "" {
		t.Errorf("plain comment: %+v", plain)
	}
	js := parseComment(`{"title": "Totals", "description": "Daily totals", "params": {"day": "The day"}, "annotations": {"openWorldHint": true}}`)
	if js.Title != "Totals" || js.Description != "Daily totals" || js.Params["day"] != "The day" || !*js.Annotations.OpenWorldHint {
		t.Errorf("JSON comment: %+v", js)
	}
	if bad := parseComment(`{not json`); bad.Description != "{not json" {
		t.Errorf("broken JSON is plain text: %+v", bad)
	}
}

// TestSignatureNamesTarget: two write tools whose definitions are the same
// (a JSON COMMENT gives title and description) but whose tables differ are
// different tools, so a refresh that moves the name to another table
// replaces the handler the MCP server holds.
func TestSignatureNamesTarget(t *testing.T) {
	s := &Service{}
	sig := func(db string) string {
		t.Helper()
		tool, err := s.insertTool("notes", clickhouse.InsertTable{Database: db, Name: "notes", Comment: `{"title": "Notes", "description": "Adds a note."}`,
			Columns: []clickhouse.InsertColumn{{Name: "text", Type: "String"}}}, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		return tool.sig
	}
	if sig("crm") == sig("old") {
		t.Error("insert tools into crm.notes and old.notes have the same signature")
	}
	if first, again := sig("crm"), sig("crm"); first != again {
		t.Error("the signature of an unchanged tool changed")
	}
}
