package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/mcp"
	"github.com/chmcp/chmcp/internal/metrics"
)

// harness is the ClickHouse of this package's integration tests, started
// by the first test that asks for it (chs).
var harness = chtest.NewShared(chtest.Options{})

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func chs(t testing.TB) *chtest.Server { return harness.Server(t) }

type testServer struct {
	URL  string
	Logs *chtest.LogBuffer
	stop context.CancelFunc
	done chan error
}

// authFunc builds a test server's authenticators from its final
// configuration and ClickHouse client, in the order the boundary tries them.
type authFunc func(cfg config.Config, ch *clickhouse.Client) []auth.Authenticator

// serverOpts is what a test server needs beyond its configuration.
type serverOpts struct {
	ln   net.Listener // nil: a free loopback port
	auth authFunc     // nil: the MCP endpoint is open
	// boundary, when set, receives the server's auth boundary (tests
	// that count what it does).
	boundary func(*auth.Boundary)
	metrics  *metrics.Metrics // shared by the MCP service and the HTTP edge, as cmd/chmcp wires them

	service func(*mcp.Service) // nil, or sees the MCP service before the server starts
}

// startServer runs chmcp's HTTP server on a free loopback port against the
// harness ClickHouse; mutate adjusts the configuration first.
func startServer(t *testing.T, mutate func(*config.Config)) *testServer {
	t.Helper()
	return start(t, mutate, serverOpts{})
}

// startServerWith is startServer with authenticators.
func startServerWith(t *testing.T, mutate func(*config.Config), auth authFunc) *testServer {
	t.Helper()
	return start(t, mutate, serverOpts{auth: auth})
}

func start(t *testing.T, mutate func(*config.Config), o serverOpts) *testServer {
	t.Helper()
	cfg := config.Defaults()
	cfg.ClickHouse = chs(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Server.Transport = config.TransportHTTP
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &chtest.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ch, err := clickhouse.New(cfg.ClickHouse, log, clickhouse.WithPolicy(policyOf(t, cfg)))
	if err != nil {
		t.Fatal(err)
	}
	ln := o.ln
	if ln == nil {
		ln = listen(t)
	}
	var auths []auth.Authenticator
	if o.auth != nil {
		auths = o.auth(cfg, ch)
	}
	a := auth.New(ch, auths...)
	if o.boundary != nil {
		o.boundary(a)
	}
	ctx, stop := context.WithCancel(context.Background())
	ts := &testServer{URL: "http://" + ln.Addr().String(), Logs: logs, stop: stop, done: make(chan error, 1)}
	svc := mcp.NewService(ch, log, "test", mcp.WithToolRules(cfg.Server.Tools, cfg.Server.ToolsCacheTTL.D()), mcp.WithMetrics(o.metrics))
	if o.service != nil {
		o.service(svc)
	}
	srv := New(cfg.Server, ch, svc, a, log, WithMetrics(o.metrics))
	go func() { ts.done <- srv.Serve(ctx, ln); ch.Close() }()
	t.Cleanup(func() { stop(); <-ts.done })
	return ts
}

// policyOf is the identity policy of cfg, as cmd/chmcp builds it for the
// ClickHouse client and the authenticators.
func policyOf(t *testing.T, cfg config.Config) *identity.Policy {
	t.Helper()
	p, err := identity.NewPolicy(cfg.ClickHouse.Impersonation, cfg.ClickHouse.Username)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listen picks a free loopback port (ahead of the configuration when it
// must name the port, as an OAuth issuer does).
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// withSecret points ClickHouse at the harness cluster with its interserver
// secret, user as the fallback user. It replaces the whole ClickHouse
// configuration: apply it before other ClickHouse mutations.
func withSecret(t testing.TB, user string) func(*config.Config) {
	return func(c *config.Config) {
		c.ClickHouse = chs(t).SecretConfig(user)
		c.ClickHouse.Password = "not-sent"
	}
}

// send sends req with header added (a "Host" entry sets the Host) and
// returns the response with its body read.
func send(t *testing.T, req *http.Request, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// get GETs url and returns the status and the body as a JSON object (nil
// if it is not one).
func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, b := send(t, newRequest(t, http.MethodGet, url, ""), nil)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

// getJSON is get with header, and a body that must be a JSON object.
func getJSON(t *testing.T, url string, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	resp, b := send(t, newRequest(t, http.MethodGet, url, ""), header)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("GET %s: not JSON (%d): %s", url, resp.StatusCode, b)
	}
	return resp, body
}

// post POSTs body as JSON (header may say otherwise) accepting what an MCP
// client accepts, and returns the response and its body.
func post(t *testing.T, url string, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := newRequest(t, http.MethodPost, url, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, b := send(t, req, header)
	return resp, string(b)
}

// postJSON is post returning the status and the body as a JSON object
// (nil if it is not one).
func postJSON(t *testing.T, url string, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	resp, b := post(t, url, body, header)
	var out map[string]any
	_ = json.Unmarshal([]byte(b), &out)
	return resp.StatusCode, out
}

// withHeader adds one header to every request of an MCP client.
type withHeader struct{ name, value string }

func (h withHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// headerClient is an HTTP client that adds one header to every request.
func headerClient(name, value string) *http.Client {
	return &http.Client{Transport: withHeader{name, value}}
}
