package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
)

// liveService is a Service on the harness ClickHouse, as the configured user.
func liveService(t *testing.T) *Service {
	t.Helper()
	ch, err := clickhouse.New(chs(t).ClickHouseConfig(config.ProtocolTCP), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return NewService(ch, slog.New(slog.DiscardHandler), "test")
}

// session connects a go-sdk client to srv over in-memory transports.
func session(t *testing.T, srv *sdk.Server) *sdk.ClientSession {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, ct := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func searchMatches(t *testing.T, res *sdk.CallToolResult) clickhouse.SearchPage {
	t.Helper()
	if res.IsError {
		t.Fatalf("search_schema: %s", resultText(res))
	}
	var page clickhouse.SearchPage
	if err := json.Unmarshal([]byte(resultText(res)), &page); err != nil {
		t.Fatal(err)
	}
	return page
}

// TestSearchSchemaVisibility: search_schema runs as the caller, so carol
// (SELECT on dyn.* only) finds nothing in secret_db, which alice sees.
func TestSearchSchemaVisibility(t *testing.T) {
	setupDyn(t)
	s, _ := dynService(t, dynOpts{secret: true})
	args := json.RawMessage(`{"pattern": "a"}`)
	found := func(user string) map[string]bool {
		res, ok := s.CallResult(as(user), "search_schema", args)
		if !ok {
			t.Fatal("no search_schema tool")
		}
		dbs := map[string]bool{}
		for _, m := range searchMatches(t, res).Matches {
			dbs[m.Database] = true
		}
		return dbs
	}
	if alice := found("alice"); !alice["secret_db"] || !alice["dyn"] {
		t.Fatalf("alice's matches are in %v", alice)
	}
	if carol := found("carol"); carol["secret_db"] || !carol["dyn"] {
		t.Fatalf("carol's matches are in %v, want dyn only", carol)
	}
	// Asked for by name, a database carol cannot see stays empty.
	res, _ := s.CallResult(as("carol"), "search_schema", json.RawMessage(`{"pattern": "salar", "databases": ["secret_db"]}`))
	if page := searchMatches(t, res); len(page.Matches) != 0 {
		t.Fatalf("carol found %+v in secret_db", page.Matches)
	}
}

func TestSearchSchemaArguments(t *testing.T) {
	s := liveService(t)
	for args, want := range map[string]string{
		`{}`:                                  `"pattern" is required`,
		`{"pattern": " "}`:                    `"pattern" is required`,
		`{"pattern": "x", "limit": 501}`:      `"limit" must be between 1 and 500`,
		`{"pattern": "x", "databases": [""]}`: `"databases" has an empty name`,
		`{"pattern": "x", "cursor": "bogus"}`: "invalid cursor",
		`{"pattern": "` + strings.Repeat("x", maxSearchPattern+1) + `"}`: "over the limit of 256",
	} {
		res, _ := s.CallResult(context.Background(), "search_schema", json.RawMessage(args))
		if !res.IsError || !strings.Contains(resultText(res), want) {
			t.Errorf("%.60s: %s, want %q", args, resultText(res), want)
		}
	}
	res, _ := s.CallResult(context.Background(), "search_schema", json.RawMessage(`{"pattern": "query", "databases": ["system"], "limit": 1}`))
	first := searchMatches(t, res)
	if len(first.Matches) != 1 || first.Matches[0].Kind != "table" || first.NextCursor == "" {
		t.Fatalf("first page: %+v", first)
	}
	res, _ = s.CallResult(context.Background(), "search_schema", json.RawMessage(`{"pattern": "query", "databases": ["system"], "limit": 1, "cursor": "`+first.NextCursor+`"}`))
	if next := searchMatches(t, res); len(next.Matches) != 1 || next.Matches[0] == first.Matches[0] {
		t.Fatalf("second page: %+v after %+v", next, first)
	}
}

// TestSettingsClauseHint: a SETTINGS clause in execute_query's SQL is
// refused by the guard (readonly=1 does not check one in a subquery) and
// says what to do instead (issue 12). Where ClickHouse's READONLY (164)
// still meets a SETTINGS clause, the hint is added to its message
// (TestWithSettingsHint).
func TestSettingsClauseHint(t *testing.T) {
	s := liveService(t)
	for q, want := range map[string]string{
		"SELECT 1 SETTINGS max_threads = 1":              `pass the setting in the execute_query "settings" argument instead, e.g. {"settings": {"max_threads": ...}}`,
		"SELECT * FROM (SELECT 1 SETTINGS readonly = 0)": `{"settings": {"readonly": ...}}`,
	} {
		res, _ := s.CallResult(context.Background(), "execute_query", json.RawMessage(`{"query": "`+q+`"}`))
		text := resultText(res)
		meta, _ := res.Meta[MetaError].(map[string]any)
		if !res.IsError || !strings.HasPrefix(text, "not allowed here: a SETTINGS clause") || !strings.Contains(text, want) || meta["kind"] != KindRefused {
			t.Errorf("%s: %s (meta %v), want %q", q, text, res.Meta, want)
		}
	}
	// The way the hint points to works.
	res, _ := s.CallResult(context.Background(), "execute_query", json.RawMessage(`{"query": "SELECT getSetting('max_threads')", "settings": {"max_threads": 1}}`))
	if res.IsError || !strings.Contains(resultText(res), `"rows":[[1]]`) {
		t.Fatalf("settings argument: %s", resultText(res))
	}
}

// TestSchemaResources: the overview leaves the system databases out and
// names them; clickhouse://schema/{database} reads one, system included.
func TestSchemaResources(t *testing.T) {
	setupDyn(t)
	cs := session(t, liveService(t).NewServer())
	ctx := context.Background()
	read := func(uri string) (clickhouse.SchemaOverview, error) {
		var ov clickhouse.SchemaOverview
		rr, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
		if err == nil {
			err = json.Unmarshal([]byte(rr.Contents[0].Text), &ov)
		}
		return ov, err
	}
	ov, err := read("clickhouse://schema")
	if err != nil {
		t.Fatal(err)
	}
	dbs := map[string]bool{}
	for _, d := range ov.Databases {
		dbs[d.Name] = true
	}
	if dbs["system"] || dbs["information_schema"] || dbs["INFORMATION_SCHEMA"] || !dbs["dyn"] || len(ov.Omitted) != 3 {
		t.Fatalf("overview databases %v, omitted %v", dbs, ov.Omitted)
	}
	if ov, err := read("clickhouse://schema/system"); err != nil || len(ov.Databases) != 1 || ov.Databases[0].Name != "system" {
		t.Fatalf("clickhouse://schema/system: %+v %v", ov, err)
	}
	for _, uri := range []string{"clickhouse://schema/no_such_db", "clickhouse://schema/a/b", "clickhouse://schema/"} {
		if _, err := read(uri); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("%s: %v, want not found", uri, err)
		}
	}
	templates, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, tp := range templates.ResourceTemplates {
		uris = append(uris, tp.URITemplate)
	}
	if got := strings.Join(uris, " "); !strings.Contains(got, "clickhouse://schema/{database}") {
		t.Fatalf("resource templates: %s", got)
	}
}

// TestWithSettingsHint: where ClickHouse's READONLY meets a SETTINGS clause
// the guard did not see, its message keeps code and text and gains the way
// out.
func TestWithSettingsHint(t *testing.T) {
	for name, want := range map[string]string{
		"max_threads": `pass the setting in the execute_query "settings" argument instead, e.g. {"settings": {"max_threads": ...}}`,
		"readonly":    "chmcp does not let a query change 'readonly'",
	} {
		qe := &clickhouse.QueryError{Code: 164, Name: "READONLY", Message: "Cannot modify '" + name + "' setting in readonly mode"}
		err := withSettingsHint(qe)
		if got, ok := errors.AsType[*clickhouse.QueryError](err); !ok || got.Code != 164 || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := withSettingsHint(&clickhouse.QueryError{Code: 60}); strings.Contains(err.Error(), "Hint") {
		t.Errorf("a hint on another error: %v", err)
	}
}
