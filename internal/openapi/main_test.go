package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

// harness is the ClickHouse of this package's integration tests, started
// by the first test that asks for it (chs).
var harness = chtest.NewShared(chtest.Options{})

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func chs(t testing.TB) *chtest.Server { return harness.Server(t) }

// newClient is a client of the harness ClickHouse with chmcp's defaults,
// changed by mutate (optional).
func newClient(t *testing.T, mutate func(*config.ClickHouseConfig)) *clickhouse.Client {
	t.Helper()
	cfg := chs(t).ClickHouseConfig(config.ProtocolTCP)
	if mutate != nil {
		mutate(&cfg)
	}
	ch, err := clickhouse.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

func newService(t *testing.T, mutate func(*config.ClickHouseConfig), opts ...mcp.Option) *mcp.Service {
	t.Helper()
	return mcp.NewService(newClient(t, mutate), slog.New(slog.DiscardHandler), "test", opts...)
}

// env is the handler on a real HTTP server, with its own document loaded
// and validated by kin-openapi.
type env struct {
	t      *testing.T
	URL    string
	doc    *openapi3.T
	raw    map[string]any
	router routers.Router
}

type setup struct {
	mutate func(*config.ClickHouseConfig)
	svc    []mcp.Option
	cfg    config.OpenAPIConfig
	tls    bool
	opts   Options
	// wrap stands in for the HTTP edge (authentication, JWE middleware).
	wrap func(http.Handler) http.Handler
	// prefix is what the edge strips before /openapi (a JWE path token).
	prefix string
}

// start serves the handler; env.URL is the server's URL plus s.prefix.
func start(t *testing.T, s setup) *env {
	t.Helper()
	var h http.Handler = New(newService(t, s.mutate, s.svc...), s.cfg, s.tls, nil, s.opts)
	if s.wrap != nil {
		h = s.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, URL: srv.URL + s.prefix}
	e.load(e.URL + "/openapi")
	return e
}

// load fetches a document, checks it with kin-openapi and builds a router
// over it.
func (e *env) load(url string) {
	t := e.t
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	checkJSONHeaders(t, resp)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatalf("load document: %v\n%s", err, body)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("document does not validate: %v\n%s", err, body)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e.doc, e.router, e.raw = doc, router, nil
	if err := json.Unmarshal(body, &e.raw); err != nil {
		t.Fatal(err)
	}
}

func checkJSONHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", resp.Request.Method, resp.Request.URL.Path, ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", resp.Request.Method, resp.Request.URL.Path, cc)
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// json decodes the body into a generic value.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// errorOf returns the error object of an error reply.
func (r reply) errorOf(t *testing.T) map[string]any {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %s", r.Body)
	}
	return e
}

// call sends a request and validates it and its response against the
// document with openapi3filter.
func (e *env) call(t *testing.T, method, path, body string) reply {
	t.Helper()
	return e.send(t, method, path, body, true)
}

// send is call without the validation, for requests the document does
// not describe (wrong method, malformed body, ...).
func (e *env) send(t *testing.T, method, path, body string, validate bool) reply {
	t.Helper()
	newReq := func() *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, e.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req
	}
	var in *openapi3filter.RequestValidationInput
	ctx := context.Background()
	if validate {
		req := newReq()
		route, params, err := e.router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: no route in the document: %v", method, path, err)
		}
		in = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Fatalf("%s %s: request does not validate: %v", method, path, err)
		}
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	r := reply{Status: resp.StatusCode, Header: resp.Header, Body: readAll(t, resp)}
	checkJSONHeaders(t, resp)
	if validate {
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(r.Body)
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			t.Fatalf("%s %s: response %d does not validate: %v\n%s", method, path, r.Status, err, r.Body)
		}
	}
	return r
}

func mustExec(t *testing.T, sql string) {
	t.Helper()
	if _, err := chs(t).Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func jsonString(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}
