package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
)

func TestHealthAndLivez(t *testing.T) {
	up := startServer(t, nil)
	code, body := get(t, up.URL+"/health")
	ch, _ := body["clickhouse"].(map[string]any)
	if code != 200 || body["status"] != "ok" || !strings.HasPrefix(fmt.Sprint(ch["version"]), "26.7") || ch["user"] != "default" {
		t.Fatalf("health: %d %v", code, body)
	}
	if code, body := get(t, up.URL+"/livez"); code != 200 || body["status"] != "ok" {
		t.Fatalf("livez: %d %v", code, body)
	}

	down := startServer(t, func(c *config.Config) { c.ClickHouse.Port = 1 })
	code, body = get(t, down.URL+"/health")
	ch, _ = body["clickhouse"].(map[string]any)
	if code != 503 || body["status"] != "unavailable" || !strings.Contains(fmt.Sprint(ch["error"]), "connection refused") {
		t.Fatalf("health with ClickHouse down: %d %v", code, body)
	}
	if code, _ := get(t, down.URL+"/livez"); code != 200 {
		t.Fatalf("livez must not depend on ClickHouse: %d", code)
	}
}

const pingBody = `{"jsonrpc":"2.0","id":1,"method":"ping"}`

func TestOriginAndHostValidation(t *testing.T) {
	ts := startServer(t, func(c *config.Config) {
		c.Server.CORSOrigin = "https://app.example.com"
		c.Server.AllowedHosts = []string{"mcp.example.com"} // e.g. a reverse proxy on the same machine
		withOpenAPI(c)
	})
	for name, tc := range map[string]struct {
		header map[string]string
		status int
	}{
		"foreign origin":          {map[string]string{"Origin": "https://evil.example"}, 403},
		"rebinding host":          {map[string]string{"Host": "evil.example:8080"}, 403},
		"configured origin":       {map[string]string{"Origin": "https://app.example.com"}, 200},
		"loopback origin":         {map[string]string{"Origin": "http://localhost:6274"}, 200},
		"no origin (non-browser)": {nil, 200},
		"allowed host":            {map[string]string{"Host": "mcp.example.com"}, 200},
		"allowed host and origin": {map[string]string{"Host": "mcp.example.com", "Origin": "https://mcp.example.com"}, 200},
	} {
		resp, body := post(t, ts.URL+"/", pingBody, tc.header)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", name, resp.StatusCode, tc.status, body)
		}
	}
	// Every route that runs queries has the same guard: a page on a rebound
	// name reads nothing, even same-origin and without an Origin header.
	query := "/openapi/execute_query?query=" + url.QueryEscape("SELECT 1")
	for _, path := range []string{"/sse", "/openapi", query} {
		resp, body := send(t, newRequest(t, http.MethodGet, ts.URL+path, ""), map[string]string{"Host": "evil.example:8080"})
		if resp.StatusCode != 403 || !strings.Contains(string(body), "invalid Host header") {
			t.Errorf("GET %s with a rebinding host: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, body := send(t, newRequest(t, http.MethodGet, ts.URL+query, ""), map[string]string{"Host": "mcp.example.com", "X-Chmcp-Request": "1"}); resp.StatusCode != 200 {
		t.Errorf("GET %s with an allowed host: %d %s", query, resp.StatusCode, body)
	}
	if resp, body := post(t, ts.URL+"/sse?sessionid=none", pingBody, map[string]string{"Host": "mcp.example.com"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /sse with an allowed host: %d %s, want 404 from the SSE handler (unknown session)", resp.StatusCode, body)
	}
	_, body := post(t, ts.URL+"/", pingBody, map[string]string{"Origin": "https://evil.example"})
	if !strings.Contains(body, `"jsonrpc":"2.0"`) || !strings.Contains(body, "not allowed") {
		t.Fatalf("403 body is not a JSON-RPC error: %s", body)
	}

	// CORS preflight for the configured origin.
	pre, _ := send(t, newRequest(t, http.MethodOptions, ts.URL+"/", ""), map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
	})
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Mcp-Protocol-Version") {
		t.Fatalf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
}

// TestAllowedHostsOnEveryListener: with server.allowed_hosts set, a server
// listening on the network (not loopback) holds the Host header to it too,
// so a page on a rebound name reaches neither MCP nor the OpenAPI facade.
func TestAllowedHostsOnEveryListener(t *testing.T) {
	ip := nonLoopbackIP(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	ts := start(t, func(c *config.Config) {
		c.Server.Address, c.Server.AllowedHosts = ip, []string{"mcp.example.com"}
		withOpenAPI(c)
	}, serverOpts{ln: ln})
	query := "/openapi/execute_query?query=" + url.QueryEscape("SELECT 1")
	for host, want := range map[string]int{
		"evil.example":                 403, // a rebound name
		"evil.example:8080":            403,
		"mcp.example.com.evil.example": 403,
		"mcp.example.com":              200,
		"MCP.example.com:443":          200,
		ln.Addr().String():             200, // server.address
		"localhost":                    200, // never a rebound page's
	} {
		resp, body := post(t, ts.URL+"/", pingBody, map[string]string{"Host": host})
		if resp.StatusCode != want || want == 403 && !strings.Contains(body, "invalid Host header") {
			t.Errorf("POST / with Host %q: %d %s, want %d", host, resp.StatusCode, body, want)
		}
		resp, b := send(t, newRequest(t, http.MethodGet, ts.URL+query, ""), map[string]string{"Host": host, "X-Chmcp-Request": "1"})
		if resp.StatusCode != want {
			t.Errorf("GET %s with Host %q: %d %s, want %d", query, host, resp.StatusCode, b, want)
		}
	}

	// Without allowed_hosts a network listener takes any Host: the
	// operator named none to hold it to.
	ln2, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	open := start(t, func(c *config.Config) { c.Server.Address = ip }, serverOpts{ln: ln2})
	if resp, body := post(t, open.URL+"/", pingBody, map[string]string{"Host": "any.example"}); resp.StatusCode != 200 {
		t.Errorf("no allowed_hosts, network listener: %d %s", resp.StatusCode, body)
	}
}

// nonLoopbackIP is an address of this machine on a real network interface.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatalf("this test needs a non-loopback IPv4 address on this machine; interface addresses: %v", addrs)
	return ""
}

func TestBodyLimitAndNonMCPTraffic(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.Server.MaxBodyBytes = 1024 })
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 4096) + `"}}`
	if resp, body := post(t, ts.URL+"/", big, nil); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/", "/anything/else"} {
		resp, b := send(t, newRequest(t, http.MethodGet, ts.URL+path, ""), nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || strings.Contains(string(b), "goroutine") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	if resp, body := post(t, ts.URL+"/", "not json", nil); resp.StatusCode != 400 || strings.Contains(body, "panic") {
		t.Fatalf("garbage body: %d %s", resp.StatusCode, body)
	}
}

// TestCancelOnDisconnect: a client that gives up (cancelled MCP request,
// dropped HTTP connection) must not leave its query running in ClickHouse.
func TestCancelOnDisconnect(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, v)
			marker := fmt.Sprintf("disconnect_%d", time.Now().UnixNano())
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{
					"query":    "SELECT sleepEachRow(1), '" + marker + "' FROM numbers(60)",
					"settings": map[string]any{"max_block_size": 1},
				}})
				errc <- err
			}()
			waitUntil(t, 10*time.Second, func() bool { return queryRunning(t, marker) })
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("call error = %v, want context.Canceled", err)
			}
			waitUntil(t, 10*time.Second, func() bool { return !queryRunning(t, marker) })
		})
	}
}

func queryRunning(t *testing.T, marker string) bool {
	out, err := chs(t).Exec(context.Background(), "SELECT count() FROM system.processes WHERE query LIKE '%"+marker+"%' AND query NOT LIKE '%system.processes%'")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out) != "0"
}

func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
	}
}

// TestGracefulShutdown: a shutdown signal lets an in-flight call finish.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/"}, "2026-07-28")
	type result struct {
		res *sdk.CallToolResult
		err error
	}
	done := make(chan result, 1)
	marker := fmt.Sprintf("drain_%d", time.Now().UnixNano())
	go func() {
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{
			"query":    "SELECT sleepEachRow(1), '" + marker + "' FROM numbers(2)",
			"settings": map[string]any{"max_block_size": 1},
		}})
		done <- result{res, err}
	}()
	waitUntil(t, 10*time.Second, func() bool { return queryRunning(t, marker) })
	ts.stop()
	r := <-done
	if r.err != nil || r.res.IsError {
		t.Fatalf("in-flight call during shutdown: err=%v result=%v", r.err, r.res)
	}
	if err := <-ts.done; err != nil {
		t.Fatalf("Serve returned %v", err)
	}
	ts.done <- nil // for the cleanup
	if _, err := http.Get(ts.URL + "/livez"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

// TestRefusalsAreJSONRPC: HTTP-level refusals of the MCP endpoint carry a
// JSON-RPC error body, with the status and headers kept.
func TestRefusalsAreJSONRPC(t *testing.T) {
	ts := startServer(t, nil)
	cases := []struct {
		name, method, ctype, body string
		status, code              int
	}{
		{"GET", http.MethodGet, "", "", 405, -32600},
		{"wrong content type", http.MethodPost, "text/plain", "x", 415, -32600},
		{"malformed JSON", http.MethodPost, "application/json", "notjson", 400, -32700},
		{"unknown method", http.MethodPost, "application/json", `{"jsonrpc":"2.0","id":1,"method":"nope"}`, 400, -32601},
	}
	for _, tc := range cases {
		header := map[string]string{"Accept": "application/json, text/event-stream"}
		if tc.ctype != "" {
			header["Content-Type"] = tc.ctype
		}
		resp, b := send(t, newRequest(t, tc.method, ts.URL+"/", tc.body), header)
		var body struct {
			JSONRPC string `json:"jsonrpc"`
			Error   struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		err := json.Unmarshal(b, &body)
		if err != nil || resp.StatusCode != tc.status || body.JSONRPC != "2.0" || body.Error.Code != tc.code || body.Error.Message == "" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: status %d, body %+v, err %v; want %d with JSON-RPC code %d", tc.name, resp.StatusCode, body, err, tc.status, tc.code)
		}
		if tc.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: Allow header lost", tc.name)
		}
	}
}
