package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/jwe"
)

// jweAuthMaxClients is jweAuth with a registry of at most max clients.
func jweAuthMaxClients(t *testing.T, max int) authFunc {
	return func(cfg config.Config, ch *clickhouse.Client) []auth.Authenticator {
		j, err := auth.NewJWE(cfg.Server.JWE, ch, policyOf(t, cfg), auth.JWEOptions{Log: slog.New(slog.DiscardHandler),
			Registry: clickhouse.RegistryOptions{MaxClients: max}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return []auth.Authenticator{j}
	}
}

// TestSessionKeepsItsJWEClient: a full JWE client registry must not evict
// the client of a live session (the session would then run on a closed
// pool, and its replacement changed the session's owner: 403). Another
// connection waits (503, retry) until the session ends.
func TestSessionKeepsItsJWEClient(t *testing.T) {
	ts := startServerWith(t, withJWE(), jweAuthMaxClients(t, 1))
	tokA := adminToken(t)
	tokB := mintTest(t, jwe.Connection{Username: chs(t).AdminUser, Password: chs(t).AdminPassword, Database: "system"}, time.Hour)

	// No standalone GET stream: that request alone would hold the client.
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/" + tokA, DisableStandaloneSSE: true, MaxRetries: -1}, "2025-11-25")
	if user, _ := currentUserOf(t, cs); user != chs(t).AdminUser {
		t.Fatalf("session ran as %q", user)
	}
	// Another connection while the session is idle: the registry is full.
	errB := statelessCall(t, ts.URL+"/"+tokB)
	// The session goes on, on its own client, as its opener.
	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "SELECT currentUser()"}})
	if err != nil || res.IsError {
		t.Fatalf("the session's next call after another connection came: err=%v result=%v", err, res)
	}
	if errB == nil || !strings.Contains(errB.Error(), "Service Unavailable") {
		t.Fatalf("a second connection with the registry full of live sessions: %v, want a 503", errB)
	}
	// Once the session ends, its client can go.
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, func() bool { return statelessCall(t, ts.URL+"/"+tokB) == nil })
}

// TestSSECallKeepsItsJWEClient: a legacy-SSE call's POST is answered 202
// at once, and its token's hold released, while the call runs on in the
// session; the session's GET stream holds the client the call uses, so a
// full registry cannot evict it under the call.
func TestSSECallKeepsItsJWEClient(t *testing.T) {
	ts := startServerWith(t, withJWE(), jweAuthMaxClients(t, 1))
	tokA := adminToken(t)
	tokB := mintTest(t, jwe.Connection{Username: chs(t).AdminUser, Password: chs(t).AdminPassword, Database: "system"}, time.Hour)
	cs := connect(t, &sdk.SSEClientTransport{Endpoint: ts.URL + "/" + tokA + "/sse"}, "2025-06-18")

	type outcome struct {
		res *sdk.CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "SELECT sleep(2), currentUser()"}})
		done <- outcome{res, err}
	}()
	time.Sleep(500 * time.Millisecond) // the POST has been answered; the call runs
	errB := statelessCall(t, ts.URL+"/"+tokB)
	got := <-done
	if got.err != nil || got.res.IsError {
		t.Fatalf("the SSE call while another connection came: err=%v result=%v", got.err, got.res)
	}
	if !strings.Contains(text(got.res), chs(t).AdminUser) {
		t.Fatalf("the SSE call ran as someone else: %s", text(got.res))
	}
	if errB == nil || !strings.Contains(errB.Error(), "Service Unavailable") {
		t.Fatalf("a second connection while the SSE session holds the only client: %v, want a 503", errB)
	}
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, func() bool { return statelessCall(t, ts.URL+"/"+tokB) == nil })
}

// statelessCall runs one 2026-07-28 tools/call at endpoint.
func statelessCall(t *testing.T, endpoint string) error {
	t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "chmcp-test", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: endpoint, MaxRetries: -1}, &sdk.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		return err
	}
	defer cs.Close()
	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "SELECT 1"}})
	if err == nil && res.IsError {
		return fmt.Errorf("tool error: %s", text(res))
	}
	return err
}

// fromAddr is an HTTP client whose connections come from the loopback
// address ip (a distinct "remote address" for the per-client cap).
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// openSession sends an initialize (a new session) and returns the status,
// the session id and the body.
func openSession(t *testing.T, c *http.Client, url string, header map[string]string) (int, string, string) {
	t.Helper()
	req := newRequest(t, http.MethodPost, url, initBody)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b)
}

func endSession(t *testing.T, c *http.Client, url, id string, header map[string]string) {
	t.Helper()
	req := newRequest(t, http.MethodDelete, url, "")
	req.Header.Set("Mcp-Session-Id", id)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE session: %d", resp.StatusCode)
	}
}

// TestSessionCaps: server.max_sessions and server.max_sessions_per_client
// refuse new sessions with a clear JSON-RPC error; an ended session frees
// its slot.
func TestSessionCaps(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.Server.MaxSessions, c.Server.MaxSessionsPerClient = 3, 2 })
	a, b := fromAddr("127.0.0.1"), fromAddr("127.0.0.2")
	var ids []string
	for range 2 {
		status, id, body := openSession(t, a, ts.URL+"/", nil)
		if status != http.StatusOK || id == "" {
			t.Fatalf("session within the caps: %d %s", status, body)
		}
		ids = append(ids, id)
	}
	status, _, body := openSession(t, a, ts.URL+"/", nil)
	if status != http.StatusTooManyRequests || !strings.Contains(body, `"code":-32600`) || !strings.Contains(body, "server.max_sessions_per_client (2) reached") {
		t.Fatalf("a third session from one address: %d %s", status, body)
	}
	if status, _, body := openSession(t, b, ts.URL+"/", nil); status != http.StatusOK {
		t.Fatalf("another address within the total: %d %s", status, body)
	}
	status, _, body = openSession(t, b, ts.URL+"/", nil)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "server.max_sessions (3) reached") {
		t.Fatalf("a session over the total: %d %s", status, body)
	}
	// A legacy SSE session counts too.
	req := newRequest(t, http.MethodGet, ts.URL+"/sse", "")
	req.Header.Set("Accept", "text/event-stream")
	if resp, body := send(t, req, nil); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "server.max_sessions (3) reached") {
		t.Fatalf("an SSE session over the total: %d %s", resp.StatusCode, body)
	}
	// Stateless 2026-07-28 calls have no session: never refused by the caps.
	h := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_databases"}
	if code, out := postJSON(t, ts.URL+"/", callBody("5", "list_databases", ""), h); code != http.StatusOK || out["result"] == nil {
		t.Fatalf("a stateless call with the sessions full: %d %v", code, out)
	}
	endSession(t, a, ts.URL+"/", ids[0], nil)
	waitUntil(t, 5*time.Second, func() bool { s, _, _ := openSession(t, b, ts.URL+"/", nil); return s == http.StatusOK })
	if !strings.Contains(ts.Logs.String(), `"msg":"session refused"`) {
		t.Fatal("refused sessions are not logged")
	}
}

// TestSessionCapPerIdentity: with authentication the per-client cap
// counts identities, not addresses.
func TestSessionCapPerIdentity(t *testing.T) {
	ts := startJWE(t, withJWE(func(c *config.Config) { c.Server.MaxSessionsPerClient = 1 }))
	tokA := adminToken(t)
	tokB := mintTest(t, jwe.Connection{Username: chs(t).AdminUser, Password: chs(t).AdminPassword, Database: "system"}, time.Hour)
	if status, _, body := openSession(t, http.DefaultClient, ts.URL+"/", map[string]string{auth.HeaderJWE: tokA}); status != http.StatusOK {
		t.Fatalf("first session of A: %d %s", status, body)
	}
	if status, _, body := openSession(t, http.DefaultClient, ts.URL+"/", map[string]string{auth.HeaderJWE: tokA}); status != http.StatusTooManyRequests {
		t.Fatalf("second session of A: %d %s", status, body)
	}
	if status, _, body := openSession(t, http.DefaultClient, ts.URL+"/", map[string]string{auth.HeaderJWE: tokB}); status != http.StatusOK {
		t.Fatalf("first session of B from the same address: %d %s", status, body)
	}
}

// TestSessionIdleExpiry: server.session_idle_timeout closes a quiet
// session and frees its slot.
func TestSessionIdleExpiry(t *testing.T) {
	ts := startServer(t, func(c *config.Config) {
		c.Server.MaxSessions, c.Server.MaxSessionsPerClient = 1, 1
		c.Server.SessionIdleTimeout = config.Duration(300 * time.Millisecond)
	})
	status, id, body := openSession(t, http.DefaultClient, ts.URL+"/", nil)
	if status != http.StatusOK {
		t.Fatalf("open: %d %s", status, body)
	}
	waitUntil(t, 5*time.Second, func() bool { s, _, _ := openSession(t, http.DefaultClient, ts.URL+"/", nil); return s == http.StatusOK })
	// The expired session is gone.
	req := newRequest(t, http.MethodPost, ts.URL+"/", pingBody)
	resp, _ := send(t, req, map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"Mcp-Session-Id": id, "Mcp-Protocol-Version": "2025-11-25"})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a call on the expired session: %d, want 404", resp.StatusCode)
	}
}

// TestSessionDisconnectCancels: a 2025-11-25 session's tools/call whose
// HTTP response stream goes away (the client dropped the connection, and
// sent no notifications/cancelled) is cancelled on ClickHouse, as on the
// stateless path.
func TestSessionDisconnectCancels(t *testing.T) {
	t.Parallel()
	t.Run("open", func(t *testing.T) { testSessionDisconnect(t, startServer(t, nil), nil) })
	// With authentication, the cancellation passes the session's owner check.
	t.Run("jwe", func(t *testing.T) {
		testSessionDisconnect(t, startJWE(t, withJWE()), map[string]string{auth.HeaderJWE: adminToken(t)})
	})
}

func testSessionDisconnect(t *testing.T, ts *testServer, auth map[string]string) {
	status, id, body := openSession(t, http.DefaultClient, ts.URL+"/", auth)
	if status != http.StatusOK {
		t.Fatalf("open: %d %s", status, body)
	}
	h := map[string]string{"Mcp-Session-Id": id, "Mcp-Protocol-Version": "2025-11-25"}
	for k, v := range auth {
		h[k] = v
	}
	if resp, body := post(t, ts.URL+"/", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, h); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("initialized: %d %s", resp.StatusCode, body)
	}
	marker := fmt.Sprintf("session_drop_%d", time.Now().UnixNano())
	callBody := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"execute_query","arguments":{` +
		`"query":"SELECT sleepEachRow(1), '` + marker + `' FROM numbers(50)","settings":{"max_block_size":1}}}}`
	ctx, drop := context.WithCancel(t.Context())
	req := newRequest(t, http.MethodPost, ts.URL+"/", callBody).WithContext(ctx)
	for k, v := range map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"} {
		req.Header.Set(k, v)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	waitUntil(t, 10*time.Second, func() bool { return queryRunning(t, marker) })
	drop() // the connection closes; no notifications/cancelled
	<-errc
	start := time.Now()
	waitUntil(t, 3*time.Second, func() bool { return !queryRunning(t, marker) })
	t.Logf("query gone %v after the disconnect", time.Since(start).Round(10*time.Millisecond))
	waitUntil(t, 3*time.Second, func() bool { return strings.Contains(ts.Logs.String(), `"error":"cancelled"`) })
}
