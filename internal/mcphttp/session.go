package mcphttp

import (
	"context"
	"net/http"
	"regexp"
	"sync"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/chmcp/chmcp/internal/auth"
)

// bindSessions ties a streamable-HTTP session to the caller that opened it.
// A session's tool calls run with the identity of the request that opened
// it, so a request from anyone else must not reach it: the go-sdk refuses
// (403) a session request whose auth.TokenInfo.UserID differs from the
// opener's. The only way to set TokenInfo is its bearer middleware, so the
// already-verified caller is presented to it under a placeholder token.
// Only the session handler reads TokenInfo: wrap that one, not the
// stateless path, SSE or OpenAPI.
func bindSessions(next http.Handler) http.Handler {
	present := sdkauth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		return &sdkauth.TokenInfo{UserID: sessionOwner(ctx)}, nil
	}, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true}) // the caller's credential was checked upstream
	h := present(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Authorization") // the placeholder goes no further
		next.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(r.Context())
		r.Header = r.Header.Clone() // the caller's header map stays untouched
		r.Header.Set("Authorization", "Bearer session-binding")
		h.ServeHTTP(w, r)
	})
}

// sessionOwner names the caller: the identity, and the fingerprint of the
// ClickHouse target a JWE token chose (see auth.Caller.Owner).
func sessionOwner(ctx context.Context) string { return auth.From(ctx).Owner() }

// sseOwners binds legacy SSE sessions to their opener, as bindSessions
// does for streamable HTTP (the go-sdk's SSE handler has no such check): the
// session id comes back in the stream's first "endpoint" event, and every
// POST to that session must come from the same caller.
type sseOwners struct {
	mu     sync.Mutex
	owners map[string]string // session id -> owner
}

func (o *sseOwners) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		owner := sessionOwner(r.Context())
		if sid := r.URL.Query().Get("sessionid"); sid != "" {
			o.mu.Lock()
			opener, known := o.owners[sid]
			o.mu.Unlock()
			if known && opener != owner {
				http.Error(w, "session user mismatch", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		sw := &sessionSniffer{wrappedWriter: wrappedWriter{w}}
		defer func() {
			if sw.sid != "" {
				o.mu.Lock()
				delete(o.owners, sw.sid)
				o.mu.Unlock()
			}
		}()
		sw.found = func(sid string) {
			o.mu.Lock()
			o.owners[sid] = owner
			o.mu.Unlock()
		}
		next.ServeHTTP(sw, r)
	})
}

// sessionSniffer finds "sessionid=..." in the first bytes of an SSE stream.
type sessionSniffer struct {
	wrappedWriter
	sid   string
	seen  []byte
	found func(string)
}

var sessionIDParam = regexp.MustCompile(`sessionid=([A-Za-z0-9_-]+)\s`)

func (s *sessionSniffer) Write(b []byte) (int, error) {
	if s.sid == "" && len(s.seen) < 4096 {
		s.seen = append(s.seen, b...)
		if m := sessionIDParam.FindSubmatch(s.seen); m != nil {
			s.sid = string(m[1])
			s.found(s.sid)
			s.seen = nil
		}
	}
	return s.ResponseWriter.Write(b)
}
