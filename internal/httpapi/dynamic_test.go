package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/openapi"
)

func setupDynHTTP(t *testing.T) {
	t.Helper()
	for _, s := range []string{
		"DROP DATABASE IF EXISTS dynhttp", "CREATE DATABASE dynhttp",
		"CREATE TABLE dynhttp.items (id UInt32, kind String, price Decimal(10, 2) DEFAULT 0, tags Array(String) DEFAULT []) " +
			"ENGINE = MergeTree ORDER BY id COMMENT 'Catalog items'",
		"INSERT INTO dynhttp.items (id, kind, price) VALUES (1, 'book', 10), (2, 'book', 25.5), (3, 'pen', 2)",
		`CREATE VIEW dynhttp.items_by_kind AS SELECT id, price FROM dynhttp.items WHERE kind = {kind:String} AND price <= {max_price:Decimal(10, 2)} ` +
			`ORDER BY id COMMENT '{"description": "Items of a kind up to a price.", "params": {"kind": "book or pen"}}'`,
	} {
		if _, err := chs(t).Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func withDynamicTools(readOnly bool, ttl time.Duration) func(*config.Config) {
	return func(c *config.Config) {
		c.ClickHouse.ReadOnly = readOnly
		c.Server.Tools = []config.ToolRule{
			{Type: config.ToolRead, ViewRegexp: `^dynhttp\.`, Prefix: "q_"},
			{Type: config.ToolWrite, TableRegexp: `^dynhttp\.items$`, Mode: config.ModeInsert, Prefix: "add_"},
		}
		c.Server.ToolsCacheTTL = config.Duration(ttl)
	}
}

func listTools(t *testing.T, cs *sdk.ClientSession) (*sdk.ListToolsResult, map[string]*sdk.Tool) {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*sdk.Tool{}
	for _, tool := range res.Tools {
		byName[tool.Name] = tool
	}
	return res, byName
}

func resolve(t *testing.T, schema any) *jsonschema.Resolved {
	t.Helper()
	b, _ := json.Marshal(schema)
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	r, err := s.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDynamicToolsHTTP: generated tools over streamable HTTP, stateless
// (2026-07-28) and with a session (2025-06-18).
func TestDynamicToolsHTTP(t *testing.T) {
	t.Parallel()
	setupDynHTTP(t)
	ts := startServer(t, withDynamicTools(false, time.Minute))
	for _, v := range []string{"2026-07-28", "2025-06-18"} {
		t.Run(v, func(t *testing.T) {
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, v)
			list, tools := listTools(t, cs)
			if v == "2026-07-28" && list.CacheScope != "private" {
				t.Errorf("tools/list cacheScope %q: generated tools differ per user", list.CacheScope)
			}
			read, write := tools["q_items_by_kind"], tools["add_items"]
			if read == nil || write == nil || tools["execute_query"] == nil {
				t.Fatalf("tools: %v", tools)
			}
			if !read.Annotations.ReadOnlyHint || write.Annotations.ReadOnlyHint || *write.Annotations.DestructiveHint || write.Annotations.IdempotentHint {
				t.Errorf("annotations: read %+v, write %+v", read.Annotations, write.Annotations)
			}
			args := map[string]any{"kind": "book", "max_price": 20}
			if err := resolve(t, read.InputSchema).Validate(args); err != nil {
				t.Fatalf("valid arguments do not fit the input schema: %v", err)
			}
			res := call(t, cs, "q_items_by_kind", args)
			if res.IsError || !strings.Contains(text(res), `"rows":[[1,`) || !strings.Contains(text(res), `"row_count":1`) {
				t.Fatalf("read tool: %s", text(res))
			}
			if err := resolve(t, read.OutputSchema).Validate(res.StructuredContent); err != nil {
				t.Fatalf("structuredContent does not match outputSchema: %v", err)
			}
			// Payloads are data: no row has such a kind.
			for _, kind := range []string{"' OR 1=1 --", "book' OR '1'='1", "book'; DROP TABLE dynhttp.items; --", `book\`, "/* */book"} {
				res := call(t, cs, "q_items_by_kind", map[string]any{"kind": kind, "max_price": 100})
				if res.IsError || !strings.Contains(text(res), `"row_count":0`) {
					t.Fatalf("kind %q: %s", kind, text(res))
				}
			}
			res = call(t, cs, "q_items_by_kind", map[string]any{"kind": "book", "max_price": "1); DROP TABLE dynhttp.items; --"})
			if !res.IsError || !strings.Contains(text(res), "invalid arguments") {
				t.Fatalf("a number parameter took text: %s", text(res))
			}

			ins := map[string]any{"id": 100, "kind": "it's; --", "price": 1.25, "tags": []any{"a'b", "]); DROP TABLE dynhttp.items; --"}}
			if err := resolve(t, write.InputSchema).Validate(ins); err != nil {
				t.Fatalf("insert arguments do not fit the input schema: %v", err)
			}
			res = call(t, cs, "add_items", ins)
			if res.IsError {
				t.Fatalf("insert: %s", text(res))
			}
			got, err := chs(t).Exec(context.Background(), "SELECT count(), any(kind), toString(any(price)), any(tags) FROM dynhttp.items WHERE id = 100 FORMAT JSONCompactEachRow")
			var row []any
			_ = json.Unmarshal([]byte(got), &row)
			if b, _ := json.Marshal(row); err != nil || string(b) != `[1,"it's; --","1.25",["a'b","]); DROP TABLE dynhttp.items; --"]]` {
				t.Fatalf("inserted row: %s %v", got, err)
			}
			if _, err := chs(t).Exec(context.Background(), "DELETE FROM dynhttp.items WHERE id = 100 SETTINGS mutations_sync = 1"); err != nil {
				t.Fatal(err)
			}
		})
	}
	if got, _ := chs(t).Exec(context.Background(), "SELECT count() FROM dynhttp.items"); strings.TrimSpace(got) != "3" {
		t.Fatalf("dynhttp.items has %s rows, want 3", got)
	}
}

func TestDynamicToolsReadOnlyHTTP(t *testing.T) {
	setupDynHTTP(t)
	ts := startServer(t, withDynamicTools(true, time.Minute))
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	_, tools := listTools(t, cs)
	if tools["q_items_by_kind"] == nil || tools["add_items"] != nil || tools["write_query"] != nil {
		t.Fatalf("read-only server tools: %v", tools)
	}
}

// TestDynamicListChangedHTTP: a 2025-06-18 session hears
// notifications/tools/list_changed when a matching view appears and the
// cache TTL passes, without polling.
func TestDynamicListChangedHTTP(t *testing.T) {
	setupDynHTTP(t)
	ts := startServer(t, withDynamicTools(true, 300*time.Millisecond))
	changed := make(chan struct{}, 10)
	client := sdk.NewClient(&sdk.Implementation{Name: "chmcp-test", Version: "1"}, &sdk.ClientOptions{
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { changed <- struct{}{} },
	})
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, &sdk.ClientSessionOptions{ProtocolVersion: "2025-06-18"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, tools := listTools(t, cs); tools["q_items_by_kind"] == nil || tools["q_late"] != nil {
		t.Fatalf("initial tools: %v", tools)
	}
	if _, err := chs(t).Exec(context.Background(), "CREATE VIEW dynhttp.late AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/tools/list_changed")
	}
	if _, tools := listTools(t, cs); tools["q_late"] == nil {
		t.Fatal("q_late not listed after list_changed")
	}
}

// headerAuth is a test authenticator: X-Test-User names the identity.
type headerAuth struct{}

func (headerAuth) Authenticate(_ http.ResponseWriter, r *http.Request) (auth.Caller, func(), auth.Verdict) {
	return auth.Caller{Identity: identity.Identity{User: r.Header.Get("X-Test-User"), Source: identity.SourceSubject}}, nil, auth.Accepted
}
func (headerAuth) Challenge(http.ResponseWriter, *http.Request) {}
func (headerAuth) Headers() []string                            { return nil }
func (headerAuth) Routes(*http.ServeMux) []string               { return nil }
func (headerAuth) Rewrite(next http.Handler) http.Handler       { return next }
func (headerAuth) Security() openapi.Security                   { return openapi.Security{} }

// TestDynamicToolsPerIdentityHTTP: the server behind each request is the
// caller's (picked after authentication), and generated tools run as them.
func TestDynamicToolsPerIdentityHTTP(t *testing.T) {
	setupDynHTTP(t)
	ts := startServerWith(t, func(c *config.Config) {
		withSecret(t, "admin")(c) // the fallback user; callers are alice and bob
		withDynamicTools(true, time.Minute)(c)
	}, func(config.Config, *clickhouse.Client) []auth.Authenticator {
		return []auth.Authenticator{headerAuth{}}
	})
	for _, user := range []string{"alice", "bob"} {
		for _, v := range []string{"2026-07-28", "2025-06-18"} {
			transport := &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", HTTPClient: headerClient("X-Test-User", user)}
			cs := connect(t, transport, v)
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "q_items_by_kind", Arguments: map[string]any{"kind": "pen", "max_price": 5}})
			if err != nil {
				t.Fatalf("%v\n%s", err, ts.Logs.String())
			}
			if res.IsError || res.Meta["chmcp/user"] != user || !strings.Contains(text(res), `"user":"`+user+`"`) {
				t.Fatalf("%s over %s: %s %v\n%s", user, v, text(res), res.Meta, ts.Logs.String())
			}
		}
	}
}
