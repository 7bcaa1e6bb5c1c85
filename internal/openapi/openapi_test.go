package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/mcp"
)

// TestDocument: the document validates (kin-openapi, OpenAPI 3.1) and has
// one POST operation per tool, write_query only when the server writes.
func TestDocument(t *testing.T) {
	t.Parallel()
	for _, readOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("read_only=%v", readOnly), func(t *testing.T) {
			e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.ReadOnly = readOnly }, opts: Options{Version: "1.2.3"}})
			if e.doc.Info.Version != "1.2.3" || e.doc.Info.Title != "chmcp — ClickHouse" {
				t.Errorf("info = %+v", e.doc.Info)
			}
			tools := newService(t, func(c *config.ClickHouseConfig) { c.ReadOnly = readOnly }).ToolsFor(context.Background())
			if got := e.doc.Paths.Len(); got != len(tools) {
				t.Errorf("%d paths for %d tools", got, len(tools))
			}
			names := map[string]bool{}
			for _, tool := range tools {
				name := tool.Def.Name
				names[name] = true
				item := e.doc.Paths.Value("/openapi/" + name)
				if item == nil || item.Post == nil {
					t.Fatalf("no POST /openapi/%s", name)
				}
				op := item.Post
				if op.OperationID != name || op.Description == "" || op.Summary == "" {
					t.Errorf("%s: operationId %q, summary %q, description %q", name, op.OperationID, op.Summary, op.Description)
				}
				if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
					t.Errorf("%s: no JSON request body", name)
				}
				if ok := op.Responses.Status(200); ok == nil || ok.Value.Content.Get("application/json").Schema.Value == nil {
					t.Errorf("%s: no 200 schema", name)
				}
				for _, code := range []int{400, 403, 404, 502} {
					if op.Responses.Status(code) == nil {
						t.Errorf("%s: no %d response", name, code)
					}
				}
				wantConsequential := !tool.Def.Annotations.ReadOnlyHint
				if got := op.Extensions["x-openai-isConsequential"]; got != wantConsequential {
					t.Errorf("%s: x-openai-isConsequential = %v, want %v", name, got, wantConsequential)
				}
			}
			if names["write_query"] == readOnly {
				t.Errorf("write_query in the document: %v", names["write_query"])
			}
			get := e.doc.Paths.Value("/openapi/execute_query").Get
			if get == nil || get.OperationID != "execute_query_get" || get.Parameters.GetByInAndName("query", "query") == nil {
				t.Fatalf("GET /openapi/execute_query missing or incomplete: %+v", get)
			}
			if e.raw["security"] != nil || e.doc.Components.SecuritySchemes != nil {
				t.Errorf("security declared without Options.Security")
			}
			// The same document under /openapi/ and /openapi.json (built
			// again, from the cached schemas).
			first := e.raw
			for _, p := range []string{"/openapi/", "/openapi.json"} {
				e.load(e.URL + p)
				if !reflect.DeepEqual(e.raw, first) {
					t.Errorf("%s differs from /openapi", p)
				}
			}
		})
	}
}

// TestSchemaNormalization: local $refs are inlined; a recursive one
// becomes "any value".
func TestSchemaNormalization(t *testing.T) {
	in := `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
		"properties":{"a":{"$ref":"#/$defs/A","description":"an A"},"n":{"$ref":"#/$defs/Node"}},
		"$defs":{"A":{"type":"string"},"Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}}}}}`
	got, err := toolSchema(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"properties":{"a":{"description":"an A","type":"string"},"n":{"properties":{"next":{}},"type":"object"}},"type":"object"}`
	if s := jsonString(got); s != want {
		t.Fatalf("normalized:\n%s\nwant\n%s", s, want)
	}
}

func TestServerURL(t *testing.T) {
	t.Parallel()
	svc := newService(t, nil)
	token := "eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2R0NNIn0.a-b_c.d"
	for _, tc := range []struct {
		name   string
		cfg    config.OpenAPIConfig
		tls    bool
		target string
		header map[string]string
		base   string
		want   string
	}{
		{name: "from Host", target: "http://ch.example.com:8080/openapi", want: "http://ch.example.com:8080"},
		{name: "server.tls", tls: true, target: "http://ch.example.com/openapi", want: "https://ch.example.com"},
		{name: "TLS connection", target: "https://ch.example.com/openapi", want: "https://ch.example.com"},
		{name: "X-Forwarded-Proto", target: "http://ch.example.com/openapi", header: map[string]string{"X-Forwarded-Proto": "https"}, want: "https://ch.example.com"},
		{name: "Forwarded", target: "http://ch.example.com/openapi", header: map[string]string{"Forwarded": `for=1.2.3.4;proto="https";host=x, proto=http`}, want: "https://ch.example.com"},
		{name: "no downgrade", tls: true, target: "http://ch.example.com/openapi", header: map[string]string{"X-Forwarded-Proto": "http"}, want: "https://ch.example.com"},
		{name: "X-Forwarded-Host ignored", target: "http://ch.example.com/openapi", header: map[string]string{"X-Forwarded-Host": "evil.example"}, want: "http://ch.example.com"},
		{name: "public_url", cfg: config.OpenAPIConfig{PublicURL: "https://public.example/chmcp/"}, target: "http://10.0.0.1:8080/openapi", want: "https://public.example/chmcp"},
		{name: "JWE path token", tls: true, target: "http://ch.example.com/openapi", base: "/" + token, want: "https://ch.example.com/" + token},
		{name: "public_url and path token", cfg: config.OpenAPIConfig{PublicURL: "https://public.example"}, target: "http://ch.example.com/openapi", base: token + "/", want: "https://public.example/" + token},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(svc, tc.cfg, tc.tls, nil, Options{Security: Security{Scheme: SecurityBearer}})
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if tc.base != "" {
				r = r.WithContext(WithBasePath(r.Context(), tc.base))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var doc struct {
				Servers  []struct{ URL string } `json:"servers"`
				Security []map[string][]string  `json:"security"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != http.StatusOK {
				t.Fatalf("%d %v %s", w.Code, err, w.Body)
			}
			if len(doc.Servers) != 1 || doc.Servers[0].URL != tc.want {
				t.Fatalf("servers = %+v, want %s", doc.Servers, tc.want)
			}
			// A path token is the credential: no security scheme then.
			if hasSec := len(doc.Security) > 0; hasSec != (tc.base == "") {
				t.Errorf("security = %v with base path %q", doc.Security, tc.base)
			}
		})
	}

	// A Host that cannot make a URL is refused rather than echoed.
	h := New(svc, config.OpenAPIConfig{}, false, nil, Options{})
	r := httptest.NewRequest(http.MethodGet, "http://x/openapi", nil)
	r.Host = "a/b?c"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "public_url") {
		t.Fatalf("bad Host: %d %s", w.Code, w.Body)
	}
}

func TestSecuritySchemes(t *testing.T) {
	for _, sec := range []Security{
		{Scheme: SecurityBearer},
		auth.OAuth2("https://ch.example.com/", []string{"clickhouse"}),
		auth.OAuth2("https://ch.example.com", nil),
	} {
		t.Run(sec.Scheme, func(t *testing.T) {
			e := start(t, setup{opts: Options{Security: sec}})
			ref := e.doc.Components.SecuritySchemes[sec.Scheme]
			if ref == nil || len(e.doc.Security) != 1 {
				t.Fatalf("securitySchemes %v, security %v", e.doc.Components.SecuritySchemes, e.doc.Security)
			}
			s := ref.Value
			switch sec.Scheme {
			case SecurityBearer:
				if s.Type != "http" || s.Scheme != "bearer" {
					t.Fatalf("%+v", s)
				}
			case SecurityOAuth2:
				f := s.Flows.AuthorizationCode
				if s.Type != "oauth2" || f.AuthorizationURL != "https://ch.example.com/oauth/authorize" || f.TokenURL != "https://ch.example.com/oauth/token" {
					t.Fatalf("%+v %+v", s, f)
				}
				if got := e.doc.Security[0][SecurityOAuth2]; len(got) != len(sec.Scopes) || len(f.Scopes) != len(sec.Scopes) {
					t.Fatalf("scopes: required %v, declared %v, want %v", got, f.Scopes, sec.Scopes)
				}
			}
		})
	}
}

// TestCalls runs every tool over HTTP; each request and response is
// validated against the document.
func TestCalls(t *testing.T) {
	mustExec(t, "CREATE DATABASE IF NOT EXISTS oa")
	mustExec(t, "CREATE OR REPLACE TABLE oa.events (id UInt64 COMMENT 'the id', name String) ENGINE = MergeTree ORDER BY id COMMENT 'events'")
	mustExec(t, "INSERT INTO oa.events SELECT number, toString(number) FROM numbers(10)")
	e := start(t, setup{})

	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT id, name FROM oa.events ORDER BY id LIMIT 3", "settings": {"max_threads": 1}}`)
	body := r.json(t)
	if r.Status != 200 || body["row_count"] != 3.0 || body["truncated"] != false || r.Header.Get(HeaderTruncated) != "" {
		t.Fatalf("execute_query: %d %s", r.Status, r.Body)
	}
	if rows := jsonString(body["rows"]); rows != `[["0","0"],["1","1"],["2","2"]]` {
		t.Errorf("rows = %s", rows)
	}

	q := url.Values{"query": {"SELECT count() AS n FROM oa.events"}, "settings": {`{"max_threads": 1}`}}
	r = e.call(t, "GET", "/openapi/execute_query?"+q.Encode(), "")
	if r.Status != 200 || jsonString(r.json(t)["rows"]) != `[["10"]]` {
		t.Fatalf("GET execute_query: %d %s", r.Status, r.Body)
	}

	r = e.call(t, "POST", "/openapi/list_databases", `{}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"name":"oa"`) {
		t.Fatalf("list_databases: %d %s", r.Status, r.Body)
	}
	// No body at all is {}.
	if r = e.call(t, "POST", "/openapi/list_databases", ""); r.Status != 200 {
		t.Fatalf("list_databases without a body: %d %s", r.Status, r.Body)
	}

	r = e.call(t, "POST", "/openapi/list_tables", `{"database": "oa", "like": "ev%"}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"name":"events"`) {
		t.Fatalf("list_tables: %d %s", r.Status, r.Body)
	}

	r = e.call(t, "POST", "/openapi/describe_table", `{"database": "oa", "table": "events"}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"comment":"the id"`) || !strings.Contains(string(r.Body), `"sorting_key":"id"`) {
		t.Fatalf("describe_table: %d %s", r.Status, r.Body)
	}
	r = e.call(t, "POST", "/openapi/describe_table", `{"database": "oa", "table": "nope"}`)
	if r.Status != 404 || r.errorOf(t)["kind"] != kindNotFound {
		t.Fatalf("describe_table of a missing table: %d %s", r.Status, r.Body)
	}

	r = e.call(t, "POST", "/openapi/search_schema", `{"pattern": "THE ID", "databases": ["oa"]}`)
	if r.Status != 200 || string(r.Body) != `{"matches":[{"kind":"column","database":"oa","table":"events","column":"id","type":"UInt64","comment":"the id","matched_on":"comment"}]}` {
		t.Fatalf("search_schema: %d %s", r.Status, r.Body)
	}
	r = e.call(t, "POST", "/openapi/search_schema", `{"pattern": "x", "cursor": "nope"}`)
	if r.Status != 400 || r.errorOf(t)["kind"] != kindRefused {
		t.Fatalf("search_schema with a bad cursor: %d %s", r.Status, r.Body)
	}
	// A SETTINGS clause: refused, with the way out.
	r = e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT 1 SETTINGS max_threads = 1"}`)
	if r.Status != 400 || r.errorOf(t)["kind"] != kindRefused || !strings.Contains(r.errorOf(t)["message"].(string), `"settings" argument`) {
		t.Fatalf("SETTINGS clause: %d %s", r.Status, r.Body)
	}
}

func TestWriteQuery(t *testing.T) {
	mustExec(t, "CREATE DATABASE IF NOT EXISTS oa")
	mustExec(t, "DROP TABLE IF EXISTS oa.written")
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.ReadOnly = false }})
	for _, sql := range []string{
		"CREATE TABLE oa.written (x UInt8) ENGINE = MergeTree ORDER BY x",
		"INSERT INTO oa.written VALUES (1), (2)",
	} {
		r := e.call(t, "POST", "/openapi/write_query", jsonString(map[string]string{"query": sql}))
		if body := r.json(t); r.Status != 200 || body["ok"] != true || body["query_id"] == "" {
			t.Fatalf("%s: %d %s", sql, r.Status, r.Body)
		}
	}
	r := e.call(t, "GET", "/openapi/execute_query?query="+url.QueryEscape("SELECT sum(x) FROM oa.written"), "")
	if r.Status != 200 || jsonString(r.json(t)["rows"]) != `[["3"]]` {
		t.Fatalf("after write_query: %d %s", r.Status, r.Body)
	}
	// execute_query stays read-only on a writable server.
	r = e.call(t, "POST", "/openapi/execute_query", `{"query": "INSERT INTO oa.written VALUES (3)"}`)
	if r.Status != 400 {
		t.Fatalf("INSERT via execute_query on a writable server: %d %s", r.Status, r.Body)
	}
}

// TestGuards: the same guards as MCP, mapped to statuses.
func TestGuards(t *testing.T) {
	mustExec(t, "CREATE DATABASE IF NOT EXISTS oa")
	mustExec(t, "CREATE TABLE IF NOT EXISTS oa.guarded (x UInt8) ENGINE = Memory")
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.MaxQueryLength = 200; c.MaxResultRows = 5 }})

	long := "SELECT 1 -- " + strings.Repeat("x", 200)
	for _, tc := range []struct {
		name, method, path, body string
		valid                    bool // per the document
		status                   int
		kind, message            string
	}{
		{"insert via execute_query", "POST", "/openapi/execute_query", `{"query": "INSERT INTO oa.guarded VALUES (1)"}`, true, 400, kindRefused, "INSERT is not a read-only statement"},
		{"insert via GET", "GET", "/openapi/execute_query?query=" + url.QueryEscape("INSERT INTO oa.guarded VALUES (1)"), "", true, 400, kindRefused, "not a read-only statement"},
		{"nested-comment bypass", "POST", "/openapi/execute_query", `{"query": "/* /* */ SHOW */ KILL QUERY WHERE 1"}`, true, 400, kindRefused, "KILL QUERY is not a read-only statement"},
		{"nested-comment bypass via GET", "GET", "/openapi/execute_query?query=" + url.QueryEscape("/* /* */ SHOW */ DESCRIBE TABLE url('http://127.0.0.1:1/', CSV)"), "", true, 400, kindRefused, "url() connects to a URL"},
		{"file()", "POST", "/openapi/execute_query", `{"query": "SELECT file('/etc/hostname')"}`, true, 400, kindRefused, "clickhouse.allowed_io_functions"},
		{"two statements", "POST", "/openapi/execute_query", `{"query": "SELECT 1; SELECT 2"}`, true, 400, kindRefused, "only one statement"},
		{"readonly setting", "POST", "/openapi/execute_query", `{"query": "SELECT 1", "settings": {"readonly": 0}}`, true, 400, kindInvalidArguments, "setting(s) not allowed: readonly"},
		{"readonly setting via GET", "GET", "/openapi/execute_query?query=SELECT+1&settings=" + url.QueryEscape(`{"readonly":0}`), "", true, 400, kindInvalidArguments, "not allowed: readonly"},
		{"too long", "POST", "/openapi/execute_query", jsonString(map[string]string{"query": long}), true, 400, kindRefused, "over the limit of 200"},
		{"unknown table", "POST", "/openapi/execute_query", `{"query": "SELECT * FROM oa.missing"}`, true, 502, kindClickHouse, "ClickHouse error 60"},
		{"syntax error", "POST", "/openapi/execute_query", `{"query": "SELECT FROM WHERE"}`, true, 400, kindClickHouse, "ClickHouse error 62 (SYNTAX_ERROR)"},
		{"missing argument", "POST", "/openapi/list_tables", `{}`, false, 400, kindInvalidArguments, `"database" is required`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A body the document calls invalid is sent anyway: the tool must refuse it too.
			r := e.send(t, tc.method, tc.path, tc.body, tc.valid)
			got := r.errorOf(t)
			if r.Status != tc.status || got["kind"] != tc.kind || !strings.Contains(got["message"].(string), tc.message) {
				t.Fatalf("%d %s, want %d %s %q", r.Status, r.Body, tc.status, tc.kind, tc.message)
			}
			if tc.kind == kindClickHouse && got["code"] != 60.0 && got["code"] != 62.0 {
				t.Fatalf("ClickHouse code/name: %s", r.Body)
			}
		})
	}

	t.Run("truncated", func(t *testing.T) {
		r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT number FROM numbers(20)"}`)
		body := r.json(t)
		if r.Status != 200 || r.Header.Get(HeaderTruncated) != "true" || r.Header.Get(HeaderTruncatedReason) != "max_result_rows" ||
			body["truncated"] != true || body["row_count"] != 5.0 || body["truncated_reason"] != "max_result_rows" {
			t.Fatalf("%d %v %s", r.Status, r.Header, r.Body)
		}
	})
}

// TestIdentity: the caller's identity and per-request client (what the
// OAuth and JWE middlewares put in the context) reach the tools.
func TestIdentity(t *testing.T) {
	t.Parallel()
	secret := func(c *config.ClickHouseConfig) {
		*c = chs(t).SecretConfig(chs(t).AdminUser)
		c.Password = "not-used-in-secret-mode"
	}
	as := func(user string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id := identity.Identity{User: user, Subject: user, Source: identity.SourceSubject}
				next.ServeHTTP(w, r.WithContext(identity.With(r.Context(), id)))
			})
		}
	}
	e := start(t, setup{mutate: secret, wrap: as("alice")})
	r := e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT currentUser()"}`)
	if body := r.json(t); r.Status != 200 || jsonString(body["rows"]) != `[["alice"]]` || body["user"] != "alice" {
		t.Fatalf("as alice: %d %s", r.Status, r.Body)
	}
	// "default" is protected by the identity policy: refused, 403.
	e = start(t, setup{mutate: secret, wrap: as("default")})
	r = e.call(t, "POST", "/openapi/list_databases", `{}`)
	if r.Status != 403 || r.errorOf(t)["kind"] != kindPolicy {
		t.Fatalf("as default: %d %s", r.Status, r.Body)
	}

	// A JWE token in the path: stripped by the middleware, which also
	// attaches the token's ClickHouse client; the document names the
	// prefixed URL and the calls work through it.
	tokenClient := newClient(t, func(c *config.ClickHouseConfig) { c.MaxResultRows = 2 })
	jwe := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest, ok := strings.CutPrefix(r.URL.Path, "/tok3n")
			if !ok {
				http.NotFound(w, r)
				return
			}
			ctx := clickhouse.WithClient(WithBasePath(r.Context(), "/tok3n"), tokenClient)
			r2 := r.Clone(ctx)
			r2.URL.Path = rest
			next.ServeHTTP(w, r2)
		})
	}
	e = start(t, setup{opts: Options{Security: Security{Scheme: SecurityBearer}}, wrap: jwe, prefix: "/tok3n"})
	if got := e.doc.Servers[0].URL; got != e.URL || !strings.HasSuffix(got, "/tok3n") {
		t.Fatalf("server URL %q, want %s", got, e.URL)
	}
	r = e.call(t, "POST", "/openapi/execute_query", `{"query": "SELECT number FROM numbers(10)"}`)
	if r.Status != 200 || r.json(t)["row_count"] != 2.0 || r.Header.Get(HeaderTruncated) != "true" {
		t.Fatalf("through the path token: %d %s", r.Status, r.Body)
	}
}

// TestRouting: what the document does not describe gets a JSON error.
func TestRouting(t *testing.T) {
	svc := newService(t, nil)
	for _, tc := range []struct {
		method, path, body, ctype string
		status                    int
		kind, allow               string
	}{
		{"POST", "/openapi/no_such_tool", `{}`, "application/json", 404, kindNotFound, ""},
		{"GET", "/openapi/no_such_tool", "", "", 404, kindNotFound, ""},
		{"GET", "/openapi/list_databases", "", "", 405, kindMethodNotAllowed, "POST"},
		{"PUT", "/openapi/execute_query", `{}`, "application/json", 405, kindMethodNotAllowed, "GET, POST"},
		{"POST", "/openapi", `{}`, "application/json", 405, kindMethodNotAllowed, "GET, HEAD"},
		{"GET", "/openapi/a/b", "", "", 404, kindNotFound, ""},
		{"GET", "/openapiX", "", "", 404, kindNotFound, ""},
		{"POST", "/openapi/list_databases", `{"x":`, "application/json", 400, kindInvalidArguments, ""},
		{"POST", "/openapi/list_databases", `{} {}`, "application/json", 400, kindInvalidArguments, ""},
		{"POST", "/openapi/list_databases", `[1]`, "application/json", 400, kindInvalidArguments, ""},
		{"POST", "/openapi/list_databases", `{"unexpected": 1}`, "application/json", 400, kindInvalidArguments, ""},
		{"POST", "/openapi/list_databases", `{}`, "text/plain", 415, kindUnsupportedMediaType, ""},
		{"POST", "/openapi/execute_query", `{"query": "SELECT 1", "pad": "` + strings.Repeat("x", 2000) + `"}`, "application/json", 413, kindTooLarge, ""},
		{"GET", "/openapi/execute_query?query=SELECT+1&query=SELECT+2", "", "", 400, kindInvalidArguments, ""},
		{"GET", "/openapi/execute_query?query=SELECT+1&limit=3", "", "", 400, kindInvalidArguments, ""},
		{"GET", "/openapi/execute_query?query=SELECT+1&settings=3", "", "", 400, kindInvalidArguments, ""},
		{"GET", "/openapi/execute_query", "", "", 400, kindInvalidArguments, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			h := New(svc, config.OpenAPIConfig{}, false, nil, Options{MaxBodyBytes: 1024})
			r := httptest.NewRequest(tc.method, "http://x"+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var got errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != tc.status || got.Error.Kind != tc.kind || got.Error.Message == "" {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.status, tc.kind)
			}
			if w.Header().Get("Allow") != tc.allow || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", w.Header())
			}
		})
	}
}

// TestErrorMapping: the status, kind and ClickHouse fields of an error
// response come from the call's typed failure, never from its message: a
// message that reads like another kind's changes nothing.
func TestErrorMapping(t *testing.T) {
	ch := func(code int32, name string) *clickhouse.QueryError {
		return &clickhouse.QueryError{Code: code, Name: name, QueryID: "q-1", Message: "m"}
	}
	for _, tc := range []struct {
		failure mcp.Failure
		status  int
		code    int32
	}{
		{mcp.Failure{Kind: kindInvalidArguments, Message: "invalid arguments: x"}, 400, 0},
		{mcp.Failure{Kind: kindRefused, Message: "INSERT is not a read-only statement"}, 400, 0},
		{mcp.Failure{Kind: kindPolicy, Message: "access refused: no"}, 403, 0},
		{mcp.Failure{Kind: kindNotFound, Message: "table x does not exist"}, 404, 0},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 60 (UNKNOWN_TABLE): m", ClickHouse: ch(60, "UNKNOWN_TABLE")}, 502, 60},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 159 (TIMEOUT_EXCEEDED): m", ClickHouse: ch(159, "TIMEOUT_EXCEEDED")}, 504, 159},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 497 (ACCESS_DENIED): m", ClickHouse: ch(497, "ACCESS_DENIED")}, 403, 497},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 164 (READONLY): m", ClickHouse: ch(164, "READONLY")}, 400, 164},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 62 (SYNTAX_ERROR): bad", ClickHouse: ch(62, "SYNTAX_ERROR")}, 400, 62},
		{mcp.Failure{Kind: kindClickHouse, Message: "ClickHouse error 999: odd", ClickHouse: ch(999, "")}, 502, 999},
		{mcp.Failure{Kind: kindCancelled, Message: "query cancelled"}, 504, 0},
		{mcp.Failure{Kind: kindConnection, Message: "cannot connect"}, 503, 0},
		{mcp.Failure{Kind: kindBusy, Message: "server busy: all 16 connections"}, 503, 0},
		{mcp.Failure{Kind: kindTimeout, Message: "query timed out: ClickHouse did not answer"}, 504, 0},
		{mcp.Failure{Kind: kindAuth, Message: "rejected"}, 502, 0},
		{mcp.Failure{Kind: kindInternal, Message: "internal error; see the server log"}, 500, 0},
		// Messages that read like another kind: the kind decides.
		{mcp.Failure{Kind: kindRefused, Message: "ClickHouse error 60 (UNKNOWN_TABLE): quoted by a guard"}, 400, 0},
		{mcp.Failure{Kind: kindClickHouse, Message: "server busy: said ClickHouse", ClickHouse: ch(395, "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO")}, 502, 395},
		{mcp.Failure{Kind: kindNotFound, Message: "internal error does not exist or you are not allowed to see it"}, 404, 0},
		{mcp.Failure{Kind: kindInternal}, 500, 0}, // no message at all
	} {
		w := httptest.NewRecorder()
		writeResult(w, &mcp.Outcome{Failure: &tc.failure})
		var got errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%q: %v %s", tc.failure.Message, err, w.Body)
		}
		e := got.Error
		want := apiError{Message: tc.failure.Message, Kind: tc.failure.Kind, Code: tc.code}
		if want.Message == "" {
			want.Message = "the tool failed without a message"
		}
		if qe := tc.failure.ClickHouse; qe != nil {
			want.Name, want.QueryID = qe.Name, qe.QueryID
		}
		if w.Code != tc.status || e != want || statusOf(&e) != tc.status {
			t.Errorf("%q: %d %+v, want %d %+v", tc.failure.Message, w.Code, e, tc.status, want)
		}
		if busy := w.Header().Get("Retry-After") == retryAfterBusy; busy != (tc.failure.Kind == kindBusy) {
			t.Errorf("%q: Retry-After %q", tc.failure.Message, w.Header().Get("Retry-After"))
		}
	}
}

// TestTruncatedHeaders: the headers follow the call's typed truncation,
// whatever the body says (the body is written as it is, never parsed).
func TestTruncatedHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, body, reason string
		cut                bool
	}{
		{"not truncated", `{"rows":[[1]],"truncated":false}`, "", false},
		{"truncated", `{"rows":[[1]],"truncated":true,"truncated_reason":"max_result_rows"}`, "max_result_rows", true},
		{"by bytes", `{"rows":[[1]],"truncated":true,"truncated_reason":"max_result_bytes"}`, "max_result_bytes", true},
		{"without a reason", `{"rows":[[1]],"truncated":true}`, "", true},
		{"a value that says truncated", `{"rows":[[{"truncated":true}]],"truncated":false}`, "", false},
		{"no member", `{"databases":[]}`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeResult(w, &mcp.Outcome{Body: []byte(tc.body), Truncated: tc.cut, TruncatedReason: tc.reason})
			if w.Code != http.StatusOK || w.Body.String() != tc.body {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if got := w.Header().Get(HeaderTruncated) == "true"; got != tc.cut || w.Header().Get(HeaderTruncatedReason) != tc.reason {
				t.Fatalf("headers %v, want truncated %v, reason %q", w.Header(), tc.cut, tc.reason)
			}
		})
	}
}

// TestHTTPS: a document fetched over TLS names an https server.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	h := New(newService(t, nil), config.OpenAPIConfig{}, false, nil, Options{})
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + "/openapi")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Servers []struct{ URL string } }
	if err := json.Unmarshal(readAll(t, resp), &doc); err != nil || doc.Servers[0].URL != srv.URL || !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("%v %+v", err, doc)
	}
}

// TestGeneratedTools: tools generated from views and tables (server.tools)
// are in the document of the identity that sees them and run through it,
// requests and responses validated against their generated schemas.
func TestGeneratedTools(t *testing.T) {
	mustExec(t, "CREATE DATABASE IF NOT EXISTS oa")
	mustExec(t, "CREATE OR REPLACE TABLE oa.sales (id UInt64, day Date, at DateTime64(3, 'UTC'), amount Decimal(10, 2), "+
		"region LowCardinality(String), tags Array(String), note Nullable(String), ok Bool) ENGINE = MergeTree ORDER BY id")
	mustExec(t, "CREATE VIEW IF NOT EXISTS oa.report_sales AS SELECT id, day, amount, tags, note FROM oa.sales "+
		"WHERE region = {region:String} AND amount >= {min_amount:Decimal(10, 2)} ORDER BY id COMMENT 'Sales of a region over an amount.'")
	rules := []config.ToolRule{
		{Type: config.ToolRead, ViewRegexp: `^oa\.report_.*`, Prefix: "oa."},
		{Type: config.ToolWrite, TableRegexp: `^oa\.sales$`, Mode: config.ModeInsert, Prefix: "add_"},
	}
	e := start(t, setup{mutate: func(c *config.ClickHouseConfig) { c.ReadOnly = false }, svc: []mcp.Option{mcp.WithToolRules(rules, time.Minute)}})

	var ops []string
	for path, item := range e.doc.Paths.Map() {
		if item.Post != nil {
			ops = append(ops, path+"="+item.Post.OperationID)
		}
	}
	sort.Strings(ops)
	for _, want := range []string{"/openapi/oa.report_sales=oa_report_sales", "/openapi/add_sales=add_sales"} {
		if !slices.Contains(ops, want) {
			t.Fatalf("%s not in %v", want, ops)
		}
	}
	if c := e.doc.Paths.Value("/openapi/add_sales").Post.Extensions["x-openai-isConsequential"]; c != true {
		t.Errorf("insert tool: x-openai-isConsequential = %v", c)
	}

	r := e.call(t, "POST", "/openapi/add_sales", `{"id": 1, "day": "2026-01-02", "at": "2026-01-02T03:04:05.678Z", "amount": 12.5, `+
		`"region": "emea", "tags": ["a", "b"], "note": null, "ok": true}`)
	if r.Status != 200 {
		t.Fatalf("add_sales: %d %s", r.Status, r.Body)
	}
	r = e.call(t, "POST", "/openapi/oa.report_sales", `{"region": "emea", "min_amount": 10}`)
	if body := r.json(t); r.Status != 200 || body["row_count"] != 1.0 {
		t.Fatalf("oa.report_sales: %d %s", r.Status, r.Body)
	}
	// The tool's own argument checks answer 400 like the built-in ones.
	r = e.send(t, "POST", "/openapi/oa.report_sales", `{"region": "emea", "min_amount": "lots"}`, false)
	if r.Status != 400 || r.errorOf(t)["kind"] != kindInvalidArguments {
		t.Fatalf("bad argument: %d %s", r.Status, r.Body)
	}
}
