package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
	"github.com/chmcp/chmcp/internal/mcphttp"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/openapi"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes a sane X-Request-Id from the client or makes one, echoes
// it, and puts it in the context for the call log.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(mcp.WithRequestID(r.Context(), id)))
	})
}

// wrappedWriter is the base of the edge's ResponseWriter wrappers
// (statusWriter; mcphttp has its own): it passes Flush through
// for SSE streams, and Unwrap lets http.ResponseController reach the real
// writer's other features.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusWriter records the status sent, for the request log and metrics.
type statusWriter struct {
	wrappedWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs one debug line per HTTP request (the tool call line is
// the info-level record); failures (>= 400) are logged at info. It also
// counts the request in chmcp_http_requests_total.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{wrappedWriter: wrappedWriter{w}}
		next.ServeHTTP(sw, r)
		s.metrics.HTTP(metrics.RouteOf(r.URL.Path), sw.status)
		level := slog.LevelDebug
		if sw.status >= 400 {
			level = slog.LevelInfo
		}
		if !s.log.Enabled(r.Context(), level) {
			return
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", w.Header().Get("X-Request-Id")}
		s.log.Log(r.Context(), level, "http request", attrs...)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && s.cfg.MaxBodyBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights and sets CORS headers for the configured origin.
// With no cors_origin, browsers get no CORS grant at all.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if s.cfg.CORSOrigin != "" && origin != "" && (s.cfg.CORSOrigin == "*" || origin == s.cfg.CORSOrigin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", s.cfg.CORSOrigin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, X-Request-Id, X-Chmcp-Truncated, X-Chmcp-Truncated-Reason")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, X-Request-Id, X-Altinity-Mcp-Key, "+openapi.HeaderRequest)
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin is the DNS-rebinding guard of every MCP and OpenAPI route.
// With server.allowed_hosts set, every request, on any listener, must name
// one of them, a loopback host or server.address; without it, a request
// that reached a loopback listener must name a loopback host (a page on a
// rebound name cannot). A browser request (it has an Origin) must come
// from the configured CORS origin, from the server's own origin, or from a
// loopback page when the server itself is on loopback. The go-sdk's own
// Host check is off: it covers the MCP handlers only and knows nothing of
// server.allowed_hosts.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r) {
			s.log.Info("request refused: host not allowed", "host", r.Host, "request_id", w.Header().Get("X-Request-Id"))
			mcphttp.WriteInvalidRequest(w, http.StatusForbidden, fmt.Sprintf("Forbidden: invalid Host header %q (server.allowed_hosts)", r.Host))
			return
		}
		origin := r.Header.Get("Origin")
		if origin == "" || s.originAllowed(origin, r) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Info("request refused: origin not allowed", "origin", origin, "request_id", w.Header().Get("X-Request-Id"))
		mcphttp.WriteInvalidRequest(w, http.StatusForbidden, "Forbidden: Origin "+origin+" is not allowed (server.cors_origin / server.allowed_hosts)")
	})
}

// hostAllowed: a loopback Host is always fine (no page on a rebound name
// sends one). Otherwise, with server.allowed_hosts set the Host must be one
// of them or server.address, whatever the listener; without it, only a
// request on a non-loopback listener may name another host (the operator
// chose to serve the network and named no hosts to hold it to).
func (s *Server) hostAllowed(r *http.Request) bool {
	if isLoopbackHost(r.Host) {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if len(s.cfg.AllowedHosts) > 0 {
		return s.allowedHost(host) || s.cfg.Address != "" && strings.EqualFold(host, s.cfg.Address)
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return local == nil || !isLoopbackHost(local.String())
}

func (s *Server) originAllowed(origin string, r *http.Request) bool {
	if s.cfg.CORSOrigin == "*" || origin == s.cfg.CORSOrigin {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) && !isLoopbackHost(r.Host) {
		return true // same origin on a public name
	}
	if s.allowedHost(u.Hostname()) {
		return true
	}
	return isLoopbackHost(u.Host) && isLoopbackHost(r.Host)
}

// allowedHost: host is one of server.allowed_hosts.
func (s *Server) allowedHost(host string) bool {
	return slices.ContainsFunc(s.cfg.AllowedHosts, func(h string) bool { return strings.EqualFold(h, host) })
}

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return config.IsLoopbackHost(strings.Trim(host, "[]"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
