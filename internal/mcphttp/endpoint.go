package mcphttp

import (
	"log/slog"
	"net/http"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/mcp"
)

// Options configure an Endpoint.
type Options struct {
	MaxBodyBytes int64         // server.max_body_bytes
	SessionIdle  time.Duration // server.session_idle_timeout
	// MaxSessions and MaxSessionsPerClient cap pre-2026 sessions
	// (server.max_sessions, server.max_sessions_per_client).
	MaxSessions, MaxSessionsPerClient int
	// Authenticated: every caller carries an identity (OAuth, JWE), so a
	// session is bound to the caller that opened it and counted per
	// identity; otherwise per remote address.
	Authenticated bool
	// FastPath answers plain stateless tools/calls without the go-sdk's
	// per-request session (server.fast_path).
	FastPath bool
	Logger   *slog.Logger
}

// Endpoint is chmcp's MCP endpoint over HTTP: streamable HTTP (both
// generations) and the legacy SSE transport, served by svc's go-sdk
// servers, with HTTP-level refusals answered in JSON-RPC.
type Endpoint struct {
	router *mcpRouter
	stream http.Handler // streamable HTTP, refusals in JSON-RPC
	sse    http.Handler
}

// New builds the endpoint over svc. The caller's identity, when there is
// one, is in each request's context before it reaches the endpoint.
func New(svc *mcp.Service, o Options) *Endpoint {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	getServer := func(r *http.Request) *sdk.Server { return svc.ServerFor(r.Context()) }
	var fast *fastToolCalls
	if o.FastPath {
		fast = &fastToolCalls{call: svc.CallResult, direct: svc.DirectCall, server: svc.Implementation(), hold: svc.HoldResults}
	}
	router := newMCPRouter(getServer, fast, sdk.StreamableHTTPOptions{
		Logger:              mcp.SDKLogger(o.Logger),
		MaxRequestBodyBytes: o.MaxBodyBytes,
		// The HTTP edge checks Host and Origin on every route (it knows
		// server.allowed_hosts; the go-sdk's check would not).
		DisableLocalhostProtection: true,
	}, o.SessionIdle)
	var sse http.Handler = sdk.NewSSEHandler(getServer, &sdk.SSEOptions{MaxRequestBodyBytes: o.MaxBodyBytes, DisableLocalhostProtection: true})
	if o.Authenticated {
		// A session runs as its opener: nobody else may use it.
		router.stateful = bindSessions(router.stateful)
		sse = (&sseOwners{owners: map[string]string{}}).wrap(sse)
	}
	sessions := newSessionGate(router.stateful, o.MaxSessions, o.MaxSessionsPerClient, o.Authenticated, o.Logger)
	router.stateful = cancelOnDrop(sessions, o.MaxBodyBytes)
	return &Endpoint{router: router, stream: jsonRPCErrors(router), sse: jsonRPCErrors(sessions.stream(sse))}
}

// Streamable serves streamable HTTP, both generations, at any path.
func (e *Endpoint) Streamable() http.Handler { return e.stream }

// SSE serves the legacy SSE transport (the GET stream and its POSTs).
func (e *Endpoint) SSE() http.Handler { return e.sse }
