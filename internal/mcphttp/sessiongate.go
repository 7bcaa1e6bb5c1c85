package mcphttp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
)

// sessionGate admits new pre-2026 sessions within server.max_sessions and
// server.max_sessions_per_client, and keeps what a session's calls use
// (the ClickHouse client a JWE token chose) until the session ends: its
// calls run with the context of the request that opened it.
type sessionGate struct {
	next           http.Handler // the go-sdk's stateful handler
	max, perClient int
	byIdentity     bool // callers are authenticated: count per identity, not per address
	log            *slog.Logger

	mu       sync.Mutex
	total    int
	byClient map[string]int
}

func newSessionGate(next http.Handler, max, perClient int, byIdentity bool, log *slog.Logger) *sessionGate {
	return &sessionGate{next: next, max: max, perClient: perClient, byIdentity: byIdentity, log: log, byClient: map[string]int{}}
}

func (g *sessionGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Only an initialize POST without a session id opens a session.
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" {
		g.next.ServeHTTP(w, r)
		return
	}
	client := g.client(r)
	if status, msg := g.admit(client); status != 0 {
		g.refuse(w, r, status, msg)
		return
	}
	release := auth.From(r.Context()).Keep() // taken before the session can run a call
	var srv *sdk.Server
	g.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), serverSlotKey{}, &srv)))
	ss := findSession(srv, w.Header().Get("Mcp-Session-Id"))
	if ss == nil { // initialize failed: no session
		g.leave(client)
		release()
		return
	}
	go func() {
		_ = ss.Wait() // closed: DELETE, idle expiry or shutdown
		g.leave(client)
		release()
	}()
}

// stream applies the caps to legacy SSE sessions, each of which lives as
// long as its GET stream (and holds its JWE client through it).
func (g *sessionGate) stream(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		client := g.client(r)
		if status, msg := g.admit(client); status != 0 {
			g.refuse(w, r, status, msg)
			return
		}
		defer g.leave(client)
		next.ServeHTTP(w, r)
	})
}

func (g *sessionGate) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	g.log.WarnContext(r.Context(), "session refused", "reason", msg, "request_id", w.Header().Get("X-Request-Id"))
	w.Header().Set("Retry-After", "30")
	writeRPCError(w, status, rpcInvalidRequest, msg)
}

// admit counts a new session in, or says why not (an HTTP status and a
// message for the client).
func (g *sessionGate) admit(client string) (int, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.total >= g.max:
		return http.StatusServiceUnavailable, fmt.Sprintf("too many sessions: server.max_sessions (%d) reached; retry later, or use protocol 2026-07-28 (no session)", g.max)
	case g.byClient[client] >= g.perClient:
		return http.StatusTooManyRequests, fmt.Sprintf("too many sessions for this client: server.max_sessions_per_client (%d) reached; end sessions you no longer use (DELETE) or retry later", g.perClient)
	}
	g.total++
	g.byClient[client]++
	return 0, ""
}

func (g *sessionGate) leave(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.byClient[client]--; g.byClient[client] <= 0 {
		delete(g.byClient, client)
	}
}

// sessionClient is whom the per-client cap counts: the authenticated
// caller (as session ownership names it), else the remote address.
func (g *sessionGate) client(r *http.Request) string {
	if g.byIdentity {
		return "id:" + sessionOwner(r.Context())
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// findSession is srv's session id, if it is still open.
func findSession(srv *sdk.Server, id string) *sdk.ServerSession {
	if srv == nil || id == "" {
		return nil
	}
	for ss := range srv.Sessions() {
		if ss.ID() == id {
			return ss
		}
	}
	return nil
}

// serverSlotKey carries where to note the go-sdk server a request was
// given (getServer may hand out a new one per identity over time).
type serverSlotKey struct{}

// noteServer records srv in r's server slot, if it has one.
func noteServer(r *http.Request, srv *sdk.Server) *sdk.Server {
	if slot, ok := r.Context().Value(serverSlotKey{}).(**sdk.Server); ok {
		*slot = srv
	}
	return srv
}
