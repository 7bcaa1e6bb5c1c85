package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
)

// fakeAuth accepts requests whose header name carries a value: the value
// is the user. It counts the releases of what it accepted.
type fakeAuth struct {
	name     string // header
	refuse   string // a value it refuses (403)
	released atomic.Int64
	security Security
}

func (f *fakeAuth) Authenticate(w http.ResponseWriter, r *http.Request) (Caller, func(), Verdict) {
	v := r.Header.Get(f.name)
	switch v {
	case "":
		return Caller{}, nil, Absent
	case f.refuse:
		http.Error(w, "refused by "+f.name, http.StatusForbidden)
		return Caller{}, nil, Refused
	}
	return Caller{Identity: identity.Identity{User: v, Source: identity.Source(f.name)}}, func() { f.released.Add(1) }, Accepted
}

func (f *fakeAuth) Challenge(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "challenge of "+f.name, http.StatusUnauthorized)
}
func (f *fakeAuth) Headers() []string                      { return []string{f.name} }
func (f *fakeAuth) Routes(*http.ServeMux) []string         { return nil }
func (f *fakeAuth) Rewrite(next http.Handler) http.Handler { return next }
func (f *fakeAuth) Security() Security                     { return f.security }

// serverClient is a ClickHouse client that is never dialled.
func serverClient(t *testing.T) *clickhouse.Client {
	t.Helper()
	ch, err := clickhouse.New(config.Defaults().ClickHouse, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

// serve runs one request through b's middleware and returns the answer
// and the caller the handler saw (nil: the handler did not run).
func serve(t *testing.T, b *Boundary, header map[string]string) (*httptest.ResponseRecorder, *Caller, http.Header) {
	t.Helper()
	var seen *Caller
	var seenHeader http.Header
	h := b.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := From(r.Context())
		seen, seenHeader = &c, r.Header
		if identity.From(r.Context()) != c.Identity || clickhouse.ClientFrom(r.Context(), nil) != c.Client {
			t.Error("the context's identity or client is not the caller's")
		}
	}))
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w, seen, seenHeader
}

// TestBoundaryTriesEachAuthenticator: the first authenticator that finds
// its credential decides (accepts or refuses, no fallback); without any,
// the last one's challenge answers.
func TestBoundaryTriesEachAuthenticator(t *testing.T) {
	ch := serverClient(t)
	first, second := &fakeAuth{name: "X-First", refuse: "nobody"}, &fakeAuth{name: "X-Second"}
	b := New(ch, first, second)

	for _, tc := range []struct {
		header     map[string]string
		status     int
		user       string
		source     identity.Source
		answeredBy string
	}{
		{header: map[string]string{"X-First": "alice"}, status: 200, user: "alice", source: "X-First"},
		{header: map[string]string{"X-Second": "bob"}, status: 200, user: "bob", source: "X-Second"},
		{header: map[string]string{"X-First": "alice", "X-Second": "bob"}, status: 200, user: "alice", source: "X-First"},
		// A refusal is final: the next authenticator does not get a say.
		{header: map[string]string{"X-First": "nobody", "X-Second": "bob"}, status: 403, answeredBy: "refused by X-First"},
		{header: nil, status: 401, answeredBy: "challenge of X-Second"},
	} {
		w, c, h := serve(t, b, tc.header)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.answeredBy) {
			t.Fatalf("%v: %d %q", tc.header, w.Code, w.Body.String())
		}
		if tc.status != 200 {
			if c != nil {
				t.Fatalf("%v: the handler ran", tc.header)
			}
			continue
		}
		if c == nil || c.Identity.User != tc.user || c.Identity.Source != tc.source || c.Client != ch {
			t.Fatalf("%v: caller %+v", tc.header, c)
		}
		if h.Get("X-First") != "" || h.Get("X-Second") != "" {
			t.Fatalf("%v: credentials went on: %v", tc.header, h)
		}
	}
}

// TestBoundaryOpen: without authenticators every request acts for the
// configuration identity on the server's client, headers untouched.
func TestBoundaryOpen(t *testing.T) {
	ch := serverClient(t)
	b := New(ch)
	w, c, h := serve(t, b, map[string]string{"Authorization": "Bearer x"})
	if w.Code != 200 || c == nil || c.Identity.Source != identity.SourceConfig || c.Client != ch || c.Identity.RunAs != ch.Config().Username {
		t.Fatalf("open boundary: %d %+v", w.Code, c)
	}
	if h.Get("Authorization") != "Bearer x" {
		t.Fatal("an open server dropped a header")
	}
	if !b.Open() || b.Security().Scheme != "" {
		t.Fatalf("open: %v, security %+v", b.Open(), b.Security())
	}
}

// TestBoundaryReleasesOncePerRequest: what an authenticator acquired for a
// request is released exactly once, after the handler is done.
func TestBoundaryReleasesOncePerRequest(t *testing.T) {
	a := &fakeAuth{name: "X-User"}
	b := New(serverClient(t), a)
	var releasedDuring int64 = -1
	h := b.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { releasedDuring = a.released.Load() }))
	for i := 1; i <= 3; i++ {
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		req.Header.Set("X-User", "alice")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if releasedDuring != int64(i-1) || a.released.Load() != int64(i) {
			t.Fatalf("request %d: released %d during the handler, %d after; want %d, %d", i, releasedDuring, a.released.Load(), i-1, i)
		}
	}
	// Refused and unauthenticated requests acquire nothing.
	serve(t, b, nil)
	if a.released.Load() != 3 {
		t.Fatalf("released %d", a.released.Load())
	}
}

// TestBoundaryBindsOncePerRequest: the ClickHouse user a request's queries
// run as is worked out once, at authentication, and carried in its
// caller.
func TestBoundaryBindsOncePerRequest(t *testing.T) {
	ch := serverClient(t)
	b := New(ch, &fakeAuth{name: "X-User"})
	var binds atomic.Int64
	bind := b.bind
	b.bind = func(c *clickhouse.Client, id identity.Identity) identity.Identity { binds.Add(1); return bind(c, id) }
	for i := 1; i <= 3; i++ {
		_, c, _ := serve(t, b, map[string]string{"X-User": "alice"})
		if c == nil || c.Identity.RunAs != ch.Config().Username { // no cluster secret: the configured login
			t.Fatalf("caller %+v", c)
		}
		if binds.Load() != int64(i) {
			t.Fatalf("%d requests bound %d times", i, binds.Load())
		}
	}
}

// TestCallerKeep: a session keeps what its caller holds until it ends; a
// caller that holds nothing keeps nothing.
func TestCallerKeep(t *testing.T) {
	var held, released int
	c := Caller{Hold: func() func() { held++; return func() { released++ } }}
	release := c.Keep()
	if held != 1 || released != 0 {
		t.Fatalf("held %d released %d", held, released)
	}
	release()
	if released != 1 {
		t.Fatalf("released %d", released)
	}
	(Caller{}).Keep()() // no hold: a no-op
}

// TestCallerOwner: session ownership names the identity and the target's
// fingerprint, never the client.
func TestCallerOwner(t *testing.T) {
	a := Caller{Identity: identity.Identity{User: "u", Subject: "s", Source: SourceJWE}, Target: "fp1"}
	b := a
	b.Client = serverClient(t) // another client for the same target: the same owner
	if a.Owner() != b.Owner() {
		t.Fatal("the owner depends on the client")
	}
	b.Target = "fp2"
	if a.Owner() == b.Owner() {
		t.Fatal("two targets, one owner")
	}
}

// TestBoundaryRoutesAndSecurity: the authenticators' routes are served
// under their prefixes (an unknown path there is a 404, not the MCP
// endpoint), /.well-known/ always; the OpenAPI document declares the last
// scheme declared.
func TestBoundaryRoutesAndSecurity(t *testing.T) {
	j := newTestJWE(t, config.JWEConfig{MintEnabled: true, MintAdminKey: config.Secret(strings.Repeat("k", 32))})
	b := New(serverClient(t), j, &fakeAuth{name: "X-User", security: Security{Scheme: SecurityOAuth2}})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }) // the MCP endpoint
	b.Register(mux)
	for path, want := range map[string]int{
		"/jwe/token":                     http.StatusUnauthorized, // minting, without the admin key
		"/jwe/other":                     http.StatusNotFound,
		"/.well-known/oauth-openid-conf": http.StatusNotFound,
		"/anything":                      http.StatusTeapot,
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}")))
		if w.Code != want {
			t.Errorf("POST %s: %d, want %d", path, w.Code, want)
		}
	}
	if s := b.Security(); s.Scheme != SecurityOAuth2 {
		t.Fatalf("security %+v", s)
	}
	if s := New(serverClient(t), j).Security(); s.Scheme != SecurityBearer {
		t.Fatalf("JWE alone: %+v", s)
	}
}

const testKey = "0123456789abcdef0123456789abcdef-jwe-test-key"

func newTestJWE(t *testing.T, cfg config.JWEConfig) *JWE {
	t.Helper()
	cfg.Enabled, cfg.SecretKey, cfg.MaxTTL = true, testKey, config.Duration(time.Hour)
	p, err := identity.NewPolicy(config.ImpersonationConfig{}, "")
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJWE(cfg, serverClient(t), p, JWEOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// TestJWERewriteStripsPathToken: a JWE in the first path segment leaves
// the URL before routing (the handler and the logs see the path without
// it) and comes back through PathCredential; any other first segment is
// left alone.
func TestJWERewriteStripsPathToken(t *testing.T) {
	j := newTestJWE(t, config.JWEConfig{})
	tok, err := jwe.Encode([]byte(testKey), nil, jwe.Claims{Connection: jwe.Connection{Username: "u"}, Expiry: time.Now().Add(time.Hour), IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b := New(serverClient(t), j)
	for in, want := range map[string]struct {
		path, cred string
	}{
		"/" + tok:                       {"/", tok},
		"/" + tok + "/sse?x=1":          {"/sse", tok},
		"/" + tok + "/openapi/tool":     {"/openapi/tool", tok},
		"/sse":                          {"/sse", ""},
		"/eyJhbGciOi.e30.sig/openapi/x": {"/eyJhbGciOi.e30.sig/openapi/x", ""}, // a JWS is not ours
	} {
		var path, uri, cred string
		h := b.Rewrite(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			path, uri = r.URL.Path, r.RequestURI
			cred, _ = PathCredential(r.Context())
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, in, nil))
		if path != want.path || cred != want.cred || (want.cred != "" && strings.Contains(uri, tok)) {
			t.Errorf("%.40s: path %q (uri %.40q) credential %.20q; want %q, %.20q", in, path, uri, cred, want.path, want.cred)
		}
	}
}

// BenchmarkBoundary is the boundary's own cost per request: open (the
// configuration caller) and with one authenticator that accepts.
func BenchmarkBoundary(b *testing.B) {
	ch, err := clickhouse.New(config.Defaults().ClickHouse, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	for name, bd := range map[string]*Boundary{"open": New(ch), "authenticated": New(ch, &fakeAuth{name: "X-User"})} {
		b.Run(name, func(b *testing.B) {
			h := bd.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.Header.Set("X-User", "alice")
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
}
