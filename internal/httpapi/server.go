// Package httpapi is chmcp's HTTP edge: routes, middleware (request id,
// logging, Origin/CORS, body limits), health endpoints and the http.Server
// lifecycle with graceful shutdown.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
	"github.com/chmcp/chmcp/internal/mcphttp"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/openapi"
)

// Server is the HTTP face of chmcp.
type Server struct {
	cfg      config.ServerConfig
	log      *slog.Logger
	ch       *clickhouse.Client // for /health
	auth     *auth.Boundary     // open: the MCP endpoint is (stdio-like trust)
	inflight sync.WaitGroup
	calls    atomic.Int64 // in flight, as inflight counts them
	// cut ends, at the shutdown deadline, the calls still running, which
	// then answer with an error while their connections are still open.
	cut      context.Context
	cutCalls context.CancelCauseFunc
	handler  http.Handler
	metrics  *metrics.Metrics // nil: requests are not counted
}

// Option configures a Server.
type Option func(*Server)

// WithMetrics counts requests by route and status in m and, when
// server.metrics is enabled without an address of its own, serves m at
// GET /metrics (unauthenticated, like /health).
func WithMetrics(m *metrics.Metrics) Option { return func(s *Server) { s.metrics = m } }

// New wires the routes. a authenticates the calls; nil leaves them open.
func New(cfg config.ServerConfig, ch *clickhouse.Client, svc *mcp.Service, a *auth.Boundary, log *slog.Logger, opts ...Option) *Server {
	if a == nil {
		a = auth.New(ch)
	}
	s := &Server{cfg: cfg, log: log, ch: ch, auth: a}
	s.cut, s.cutCalls = context.WithCancelCause(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.handler = s.routes(svc)
	return s
}

func (s *Server) routes(svc *mcp.Service) http.Handler {
	// The MCP endpoint serves one shared go-sdk server, or one per
	// identity when tools are generated from views and tables (the auth
	// boundary has put the caller in the request context by now).
	mcpEndpoint := mcphttp.New(svc, mcphttp.Options{
		MaxBodyBytes: s.cfg.MaxBodyBytes, SessionIdle: s.cfg.SessionIdleTimeout.D(),
		MaxSessions: s.cfg.MaxSessions, MaxSessionsPerClient: s.cfg.MaxSessionsPerClient,
		Authenticated: !s.auth.Open(), FastPath: s.cfg.FastPath, Logger: s.log,
	})

	// Calls: CORS for the configured origin, the DNS-rebinding Origin
	// check, authentication, then in-flight tracking for shutdown.
	protect := func(h http.Handler) http.Handler {
		h = s.auth.Middleware(s.track(h))
		return s.cors(s.checkOrigin(h))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", s.livez)
	mux.HandleFunc("GET /health", s.health)
	if s.metrics != nil && s.cfg.Metrics.Enabled && s.cfg.Metrics.Address == "" {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
	// The MCP endpoints answer HTTP-level refusals in JSON-RPC (the
	// OpenAPI facade has JSON errors of its own).
	mux.Handle("/sse", protect(keepTokenPath(mcpEndpoint.SSE()))) // JWE in the path: the session endpoint keeps it
	// Everything else, "/" included, is the MCP endpoint: the go-sdk answers
	// non-MCP traffic with a clean 4xx.
	mux.Handle("/", protect(mcpEndpoint.Streamable()))
	if s.cfg.OpenAPI.Enabled {
		api := protect(openAPIBasePath(openapi.New(svc, s.cfg.OpenAPI, s.cfg.TLS.Enabled, s.log, openapi.Options{
			Version: svc.Version(), Security: s.auth.Security(), MaxBodyBytes: s.cfg.MaxBodyBytes, Open: s.auth.Open(),
		})))
		mux.Handle("/openapi", api)
		mux.Handle("/openapi/", api)
		mux.Handle("/openapi.json", api)
	}
	// The authenticators' own routes (OAuth's metadata and flow, JWE
	// minting); they set CORS where browser-based clients need it.
	s.auth.Register(mux)

	var h http.Handler = mux
	h = s.limitBody(h)
	h = s.logRequests(h)
	h = requestID(h)
	h = s.auth.Rewrite(h) // a token in the path (JWE) leaves the URL before routing and logging
	return h
}

// openAPIBasePath keeps a path credential (a JWE) in the document's server
// URL, so a GPT action imported from /{token}/openapi calls
// /{token}/openapi/...
func openAPIBasePath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := auth.PathCredential(r.Context()); ok {
			r = r.WithContext(openapi.WithBasePath(r.Context(), "/"+tok))
		}
		next.ServeHTTP(w, r)
	})
}

// keepTokenPath gives the legacy SSE handler the path with its path
// credential put back: the session endpoint it announces is built from the
// request URL, so a client that opened /{token}/sse posts to
// /{token}/sse?sessionid=...
func keepTokenPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := auth.PathCredential(r.Context()); ok {
			u := *r.URL
			u.Path = "/" + token + r.URL.Path
			if u.RawPath != "" {
				u.RawPath = "/" + token + r.URL.RawPath
			}
			r = r.WithContext(r.Context())
			r.URL = &u
		}
		next.ServeHTTP(w, r)
	})
}

// track counts in-flight calls (MCP POSTs, OpenAPI calls) so shutdown can
// wait for them, and lets shutdown cut them (sessions opened here too).
func (s *Server) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(mcp.WithCutoff(r.Context(), s.cut))
		if r.Method == http.MethodPost || strings.HasPrefix(r.URL.Path, "/openapi/") {
			s.inflight.Add(1)
			s.calls.Add(1)
			defer func() { s.calls.Add(-1); s.inflight.Done() }()
		}
		next.ServeHTTP(w, r)
	})
}

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully:
// stop accepting, let in-flight calls finish (up to shutdown_timeout), end
// long-lived SSE streams, close.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Address, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return fmt.Errorf("server: listen on %s:%d: %w", s.cfg.Address, s.cfg.Port, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	streams, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout.D(),
		ReadTimeout:       s.cfg.ReadTimeout.D(),
		IdleTimeout:       s.cfg.IdleTimeout.D(),
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return streams },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLS.Enabled {
			errc <- srv.ServeTLS(ln, s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	scheme := "http"
	if s.cfg.TLS.Enabled {
		scheme = "https"
	}
	s.log.Info("serving MCP", "url", fmt.Sprintf("%s://%s/", scheme, ln.Addr()), "sse", fmt.Sprintf("%s://%s/sse", scheme, ln.Addr()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return s.shutdown(srv, errc, endStreams)
}

// cutGrace is how long cut calls get to write their error answers before
// the connections close.
const cutGrace = 5 * time.Second

// shutdown stops accepting, lets the calls in flight finish for up to
// shutdown_timeout, then cuts those still running: they are cancelled on
// ClickHouse and answer with an error while their connections are still
// open (and log their outcome), and the result is a *mcp.CutError. Then
// the long-lived streams end and the server closes.
func (s *Server) shutdown(srv *http.Server, errc <-chan error, endStreams context.CancelFunc) error {
	s.log.Info("shutting down: draining in-flight requests", "calls", s.calls.Load(), "timeout", s.cfg.ShutdownTimeout.D())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(context.Background()) }() // stop accepting; bounded below
	drained := make(chan struct{})
	go func() { s.inflight.Wait(); close(drained) }()
	timer := time.NewTimer(s.cfg.ShutdownTimeout.D())
	defer timer.Stop()
	var cut int64
	select {
	case <-drained:
	case <-timer.C:
		cut = s.calls.Load()
		s.log.Warn("shutdown timeout reached; cutting calls in flight", "calls", cut)
		s.cutCalls(mcp.ErrShuttingDown)
		select {
		case <-drained:
		case <-time.After(cutGrace):
			s.log.Warn("cut calls did not answer in time; closing their connections", "calls", s.calls.Load())
		}
	}
	endStreams() // SSE streams never go idle on their own
	select {
	case err := <-stopped:
		if err != nil {
			return err
		}
	case <-time.After(cutGrace):
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if cut > 0 {
		s.log.Warn("stopped after cutting calls", "calls", cut)
		return &mcp.CutError{Calls: int(cut)}
	}
	s.log.Info("stopped")
	return nil
}

// healthTimeout bounds /health so a hung ClickHouse cannot hang probes.
const healthTimeout = 5 * time.Second

func (s *Server) livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// health checks every clickhouse.host node: 200 while any answers
// ("degraded" names the ones that do not), 503 when none does.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	// Single node: the check runs on a connection callers cannot take, so a
	// pool full of slow queries shows as "pool.saturated", not as ClickHouse
	// being down (several nodes: each has a health connection of its own).
	pool := s.ch.PoolStats()
	nodes := s.ch.CheckNodes(ctx)
	var first *clickhouse.NodeStatus
	var down []string
	for i := range nodes {
		switch {
		case !nodes[i].OK:
			down = append(down, nodes[i].Address)
		case first == nil:
			first = &nodes[i]
		}
	}
	body := map[string]any{"status": "ok", "nodes": nodes, "pool": pool}
	switch {
	case first == nil:
		body["status"], body["clickhouse"] = "unavailable", map[string]string{"error": nodes[0].Error}
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	case len(down) > 0:
		body["status"], body["down"] = "degraded", down
	}
	body["clickhouse"] = first.ServerInfo // the first node that answered, as before several nodes
	writeJSON(w, http.StatusOK, body)
}
