// Package auth is chmcp's one authentication boundary. It tries each
// configured Authenticator (JWE connection tokens, OAuth access tokens) on
// a request and yields one value, the Caller: who the request acts for,
// the ClickHouse client its queries run on, and what to release when it
// is done. Each authenticator brings its own public routes, its URL
// rewriting and what the OpenAPI document says about it, so the HTTP edge
// (internal/httpapi) knows none of their paths, headers or types.
package auth

import (
	"context"
	"fmt"
	"net/http"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
)

// Caller is who a request acts for, as authentication established it: one
// value per request, carried in its context (From) and kept by a session
// opened with it, whose calls run as it.
type Caller struct {
	// Identity is the person (or token) the request acts for.
	Identity identity.Identity
	// Client runs its queries: the one a JWE token chose, else the
	// server's (the boundary fills it in).
	Client *clickhouse.Client
	// Target names Client's connection (clickhouse.Fingerprint) when an
	// authenticator chose it; empty for the server's own. Session
	// ownership compares it, never the client's address: a registry may
	// replace a client, and a session would then refuse its own opener.
	Target string
	// Hold, when not nil, takes another hold on Client for a session that
	// outlives the request and returns its release.
	Hold func() (release func())
}

// Owner names the caller for session ownership: a session serves only
// requests with its opener's Owner.
func (c Caller) Owner() string {
	return fmt.Sprintf("%s|%s|%s|%s", c.Identity.Source, c.Identity.User, c.Identity.Subject, c.Target)
}

// Keep holds what the caller's queries use for a session opened with it,
// until the returned release is called (when the session ends).
func (c Caller) Keep() (release func()) {
	if c.Hold == nil {
		return func() {}
	}
	return c.Hold()
}

// Verdict is an authenticator's answer to a request.
type Verdict int

const (
	// Absent: the request carries no credential of this kind; the next
	// authenticator is tried.
	Absent Verdict = iota
	// Refused: the credential is bad or not allowed; the authenticator
	// wrote the answer (401, 403, 503).
	Refused
	// Accepted: the Caller is the request's.
	Accepted
)

// Authenticator is one way of proving who is asking.
type Authenticator interface {
	// Authenticate looks for the authenticator's credential in r. When
	// Accepted, release (nil: nothing) is called once the request is done.
	Authenticate(w http.ResponseWriter, r *http.Request) (c Caller, release func(), v Verdict)
	// Challenge answers a request that no authenticator found a
	// credential in; the boundary asks the last one.
	Challenge(w http.ResponseWriter, r *http.Request)
	// Headers are the request headers that may carry its credential; they
	// are removed before an authenticated request goes on.
	Headers() []string
	// Routes registers the authenticator's public endpoints on mux (full
	// paths) and returns the path prefixes they live under.
	Routes(mux *http.ServeMux) []string
	// Rewrite runs before routing and logging (a token in the path is
	// moved out of the URL there).
	Rewrite(next http.Handler) http.Handler
	// Security is what the OpenAPI document declares for it.
	Security() Security
}

// Boundary tries the configured authenticators in order. With none, every
// request acts for the configuration identity on the server's client
// (stdio-like trust).
type Boundary struct {
	ch      *clickhouse.Client
	auths   []Authenticator
	headers []string
	// bind gives a caller's identity the ClickHouse user its queries run
	// as (tests count the calls).
	bind func(*clickhouse.Client, identity.Identity) identity.Identity
}

// New builds the boundary over the server's ClickHouse client ch. Order
// matters: an authenticator that recognises its credential by shape (JWE)
// goes before one that takes any bearer token (OAuth), and the last one
// answers requests without credentials.
func New(ch *clickhouse.Client, auths ...Authenticator) *Boundary {
	b := &Boundary{ch: ch, auths: auths, bind: (*clickhouse.Client).Bind}
	for _, a := range auths {
		b.headers = append(b.headers, a.Headers()...)
	}
	return b
}

// Open: no authenticator is configured, the endpoints are open.
func (b *Boundary) Open() bool { return len(b.auths) == 0 }

// Middleware authenticates each request and runs next with its Caller in
// the context (and its identity and client where internal/mcp reads
// them), without the credential headers. The caller's release runs once
// next returns.
func (b *Boundary) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, release, ok := b.authenticate(w, r)
		if !ok {
			return
		}
		defer release()
		r2 := r.WithContext(With(r.Context(), c))
		if len(b.headers) > 0 {
			r2.Header = r.Header.Clone() // the caller's header map stays untouched
			for _, h := range b.headers {
				r2.Header.Del(h) // credentials never travel further
			}
		}
		next.ServeHTTP(w, r2)
	})
}

// authenticate finds the request's Caller, or answers it and returns false.
func (b *Boundary) authenticate(w http.ResponseWriter, r *http.Request) (Caller, func(), bool) {
	if b.Open() {
		return b.complete(Caller{Identity: identity.Identity{Source: identity.SourceConfig}}), func() {}, true
	}
	for _, a := range b.auths {
		c, release, v := a.Authenticate(w, r)
		switch v {
		case Refused:
			return Caller{}, nil, false
		case Accepted:
			if release == nil {
				release = func() {}
			}
			return b.complete(c), release, true
		}
	}
	b.auths[len(b.auths)-1].Challenge(w, r)
	return Caller{}, nil, false
}

// complete fills in the server's client and binds the identity to the
// client: the ClickHouse user its queries run as is worked out here, once
// per request, and carried.
func (b *Boundary) complete(c Caller) Caller {
	if c.Client == nil {
		c.Client = b.ch
	}
	c.Identity = b.bind(c.Client, c.Identity)
	return c
}

// wellKnown is never the MCP endpoint's (RFC 8615): a client probing for
// OAuth metadata on a server without OAuth, open ones included, gets a 404.
const wellKnown = "/.well-known/"

// reservedPrefixes are the authenticators' path prefixes whether they are
// configured or not, once any is: /.well-known/, OAuth's and JWE's. With
// one authenticator off, its paths are a 404 too, not the MCP endpoint
// answering the other one's credential challenge. (Without any, /oauth/
// and /jwe/ are the open MCP endpoint's, as they always were.)
var reservedPrefixes = []string{wellKnown, "/oauth/", "/jwe/"}

// Register adds every authenticator's public routes to mux, each under its
// prefixes, so an unknown path there is a 404 rather than the MCP
// endpoint (and so is every path under reservedPrefixes). The routes are
// not behind the boundary; they set CORS themselves.
func (b *Boundary) Register(mux *http.ServeMux) {
	if b.Open() {
		mux.Handle(wellKnown, http.NotFoundHandler())
		return
	}
	routes := http.NewServeMux()
	prefixes := map[string]bool{}
	for _, p := range reservedPrefixes {
		prefixes[p] = true
	}
	for _, a := range b.auths {
		for _, p := range a.Routes(routes) {
			prefixes[p] = true
		}
	}
	for p := range prefixes {
		mux.Handle(p, routes)
	}
}

// Rewrite applies the authenticators' rewriting, the first one's
// outermost, before routing and logging.
func (b *Boundary) Rewrite(next http.Handler) http.Handler {
	for i := len(b.auths) - 1; i >= 0; i-- {
		next = b.auths[i].Rewrite(next)
	}
	return next
}

// Security is what the OpenAPI document declares: the last authenticator
// that declares a scheme (OAuth when it is on: clients can run its flow;
// a JWE is presented as a bearer token either way).
func (b *Boundary) Security() Security {
	var s Security
	for _, a := range b.auths {
		if as := a.Security(); as.Scheme != "" && as.Scheme != SecurityNone {
			s = as
		}
	}
	return s
}

type callerKey struct{}

// With returns ctx carrying c, and c's identity and client where
// internal/mcp and internal/clickhouse read them.
func With(ctx context.Context, c Caller) context.Context {
	ctx = context.WithValue(ctx, callerKey{}, c)
	ctx = identity.With(ctx, c.Identity)
	if c.Client != nil {
		ctx = clickhouse.WithClient(ctx, c.Client)
	}
	return ctx
}

// From returns the Caller in ctx: the zero Caller (the configuration
// identity, nothing held) outside an authenticated request.
func From(ctx context.Context) Caller {
	if c, ok := ctx.Value(callerKey{}).(Caller); ok {
		return c
	}
	return Caller{Identity: identity.Identity{Source: identity.SourceConfig}}
}

type pathCredentialKey struct{}

// WithPathCredential records that the request carried seg, a credential,
// as the first segment of its path, which Rewrite removed from the URL
// (/{token}/sse is routed as /sse).
func WithPathCredential(ctx context.Context, seg string) context.Context {
	return context.WithValue(ctx, pathCredentialKey{}, seg)
}

// PathCredential returns the credential a request carried in its path, if
// any. Handlers that build URLs for the client to call back (the SSE
// session endpoint, the OpenAPI document's server URL) put it back as
// "/" + seg.
func PathCredential(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(pathCredentialKey{}).(string)
	return s, ok && s != ""
}
