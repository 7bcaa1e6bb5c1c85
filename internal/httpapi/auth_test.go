package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
	"github.com/chmcp/chmcp/internal/openapi"
)

// TestEachTokenKindItsAuthenticator (issue 14): with OAuth and JWE both on,
// an OAuth access token is accepted as a bearer token only, a JWE in the
// path, its header or as a bearer token, and neither is taken by the
// other's authenticator.
func TestEachTokenKindItsAuthenticator(t *testing.T) {
	e := newOAuthJWEEnv(t)
	access := e.accessToken(t, "alice@example.com")
	jweTok := mintTest(t, jwe.Connection{Username: "bob"}, time.Hour)

	for name, tc := range map[string]struct {
		endpoint string
		header   map[string]string
		user     string
		source   identity.Source
	}{
		"OAuth bearer":  {"/", map[string]string{"Authorization": "Bearer " + access}, "alice", identity.SourceEmail},
		"JWE bearer":    {"/", map[string]string{"Authorization": "Bearer " + jweTok}, "bob", auth.SourceJWE},
		"JWE in header": {"/", map[string]string{auth.HeaderJWE: jweTok}, "bob", auth.SourceJWE},
		"JWE in path":   {"/" + jweTok + "/", nil, "bob", auth.SourceJWE},
	} {
		t.Run(name, func(t *testing.T) {
			var client *http.Client
			for k, v := range tc.header {
				client = headerClient(k, v)
			}
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: e.ts.URL + tc.endpoint, HTTPClient: client}, "2026-07-28")
			if user, res := currentUserOf(t, cs); user != tc.user || res.Meta["chmcp/identity_source"] != string(tc.source) {
				t.Fatalf("ran as %q (%v), want %q (%s)", user, res.Meta["chmcp/identity_source"], tc.user, tc.source)
			}
		})
	}

	// An OAuth token where only a JWE goes: refused by JWE, never handed to OAuth.
	resp, body := post(t, e.ts.URL+"/", pingBody, map[string]string{auth.HeaderJWE: access})
	if resp.StatusCode != 401 || !strings.Contains(body, "invalid_token") || strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata") {
		t.Fatalf("OAuth token in the JWE header: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// In the path it is no token at all: the request has no credentials.
	resp, body = post(t, e.ts.URL+"/"+access+"/", pingBody, nil)
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
		t.Fatalf("OAuth token in the path: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}

	// OAuth alone takes no JWE, as a bearer or in the path.
	o := newOAuthEnv(t)
	resp, body = post(t, o.ts.URL+"/", pingBody, map[string]string{"Authorization": "Bearer " + jweTok})
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("JWE bearer with OAuth alone: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	resp, body = post(t, o.ts.URL+"/"+jweTok+"/", pingBody, nil)
	if resp.StatusCode != 401 || strings.Contains(resp.Header.Get("WWW-Authenticate"), "error=") {
		t.Fatalf("JWE path with OAuth alone: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}

// TestJWEPathTokenLeavesTheURL: with both authenticators on, a JWE in the
// path is still taken out of the URL before routing and logging.
func TestJWEPathTokenLeavesTheURL(t *testing.T) {
	e := newOAuthJWEEnv(t)
	tok := mintTest(t, jwe.Connection{Username: "bob"}, time.Hour)
	if resp, body := post(t, e.ts.URL+"/"+tok+"/", pingBody, nil); resp.StatusCode != 200 {
		t.Fatalf("ping with a path token: %d %s", resp.StatusCode, body)
	}
	logs := e.ts.Logs.String()
	if strings.Contains(logs, tok) || !strings.Contains(logs, `"path":"/"`) {
		t.Fatalf("the request log has the token, or not the stripped path:\n%s", logs)
	}
}

// countingAuth accepts X-Test-User and counts what it hands out: each
// request's release and each session's hold must be released exactly once.
type countingAuth struct {
	requests, released atomic.Int64
	holds, holdsEnded  atomic.Int64
	mu                 sync.Mutex
	twice              []string
}

func (c *countingAuth) once(what string, n *atomic.Int64) func() {
	var done atomic.Bool
	return func() {
		if done.Swap(true) {
			c.mu.Lock()
			c.twice = append(c.twice, what)
			c.mu.Unlock()
			return
		}
		n.Add(1)
	}
}

func (c *countingAuth) Authenticate(_ http.ResponseWriter, r *http.Request) (auth.Caller, func(), auth.Verdict) {
	user := r.Header.Get("X-Test-User")
	if user == "" {
		return auth.Caller{}, nil, auth.Absent
	}
	c.requests.Add(1)
	return auth.Caller{
		Identity: identity.Identity{User: user, Source: identity.SourceSubject},
		Hold:     func() func() { c.holds.Add(1); return c.once("a session's hold", &c.holdsEnded) },
	}, c.once("a request's release", &c.released), auth.Accepted
}

func (c *countingAuth) Challenge(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "X-Test-User required", http.StatusUnauthorized)
}
func (c *countingAuth) Headers() []string                      { return []string{"X-Test-User"} }
func (c *countingAuth) Routes(*http.ServeMux) []string         { return nil }
func (c *countingAuth) Rewrite(next http.Handler) http.Handler { return next }
func (c *countingAuth) Security() openapi.Security {
	return openapi.Security{Scheme: openapi.SecurityBearer}
}

// eventually waits for cond, which the server reaches just after it
// answers (a request's release runs once its handler returned).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReleasedOncePerRequestAndSession (issue 14): what authentication
// acquired for a request is released exactly once, when the request is
// done; a session holds it from its opening until it ends, and then
// releases it exactly once.
func TestReleasedOncePerRequestAndSession(t *testing.T) {
	a := &countingAuth{}
	ts := startServerWith(t, nil, func(config.Config, *clickhouse.Client) []auth.Authenticator { return []auth.Authenticator{a} })
	settled := func() bool { return a.released.Load() == a.requests.Load() }

	for range 3 {
		if resp, body := post(t, ts.URL+"/", pingBody, map[string]string{"X-Test-User": "alice"}); resp.StatusCode != 200 {
			t.Fatalf("ping: %d %s", resp.StatusCode, body)
		}
	}
	eventually(t, "3 stateless requests released", func() bool { return a.requests.Load() == 3 && settled() })
	if a.holds.Load() != 0 {
		t.Fatalf("stateless requests took %d session holds", a.holds.Load())
	}

	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL + "/", HTTPClient: headerClient("X-Test-User", "alice"), DisableStandaloneSSE: true}, "2025-11-25")
	currentUserOf(t, cs) // a call in the session
	eventually(t, "the session's requests released", settled)
	if a.holds.Load() != 1 || a.holdsEnded.Load() != 0 {
		t.Fatalf("an open session: %d holds, %d ended; want 1, 0", a.holds.Load(), a.holdsEnded.Load())
	}
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the session's hold released when it closed", func() bool { return a.holdsEnded.Load() == 1 })
	eventually(t, "every request released", settled)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.twice) > 0 {
		t.Fatalf("released twice: %v", a.twice)
	}
}
