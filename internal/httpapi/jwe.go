package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
	"github.com/chmcp/chmcp/internal/mcphttp"
)

// HeaderJWE carries a JWE connection token (altinity-mcp's header name).
const HeaderJWE = "X-Altinity-Mcp-Key"

// SourceJWE marks identities established by a JWE connection token.
const SourceJWE identity.Source = "jwe"

// PathMint is the token-minting endpoint, served only when
// server.jwe.mint_enabled.
const PathMint = "/jwe/token"

// defaultMintTTL is the lifetime of a minted token when the request names
// none (capped by server.jwe.max_ttl).
const defaultMintTTL = 24 * time.Hour

// JWE authenticates MCP requests that carry a JWE connection token
// (docs/jwe.md) and routes their queries to the connection the token names.
// It is an Authorizer: it wraps the OAuth authorizer when OAuth is also on
// (a request without a JWE then goes through OAuth), and without OAuth a
// request without a token is refused.
type JWE struct {
	cfg      config.JWEConfig
	key      []byte // server.jwe.secret_key
	jwtKey   []byte // server.jwe.jwt_secret_key, may be empty
	adminKey []byte // server.jwe.mint_admin_key, may be empty
	ch       *clickhouse.Client
	reg      *clickhouse.Registry
	oauth    Authorizer // may be nil
	log      *slog.Logger
	now      func() time.Time
}

// NewJWE builds the JWE authenticator over the server's own ClickHouse
// client ch (whose configuration and identity policy bound what a token may
// name) and, optionally, the OAuth authorizer. Close releases the clients
// it opened.
func NewJWE(cfg config.JWEConfig, ch *clickhouse.Client, oauth Authorizer, log *slog.Logger) (*JWE, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := cfg.ReadSecretKey()
	if err != nil {
		return nil, err
	}
	if len(key) < 32 {
		return nil, errors.New("server.jwe.secret_key: need at least 32 bytes")
	}
	if cfg.MintEnabled && oauth == nil && len(cfg.MintAdminKey) < 32 {
		return nil, errors.New("server.jwe.mint_enabled: needs server.oauth.enabled or a server.jwe.mint_admin_key of at least 32 bytes: minting is never open")
	}
	return &JWE{
		cfg: cfg, key: []byte(key.Reveal()), jwtKey: []byte(cfg.JWTSecretKey.Reveal()), adminKey: []byte(cfg.MintAdminKey.Reveal()),
		ch: ch, oauth: oauth, log: log, now: time.Now,
		// A session holds its client while it lives (sessionGate).
		reg: clickhouse.NewRegistry(ch, clickhouse.RegistryOptions{Log: log}),
	}, nil
}

// Close closes the ClickHouse clients opened for tokens.
func (j *JWE) Close() error { return j.reg.Close() }

// Register adds the OAuth routes (when OAuth is on) and the minting
// endpoint (when enabled). The server mounts /.well-known/, /oauth/ and
// /jwe/ from this mux.
func (j *JWE) Register(mux *http.ServeMux) {
	if j.oauth != nil {
		j.oauth.Register(mux)
	}
	if j.cfg.MintEnabled {
		mux.Handle("POST "+PathMint, j.mintGuard(http.HandlerFunc(j.mint)))
	}
}

// Middleware authenticates a request by its JWE (path, header, bearer, in
// that order). A request without one goes to OAuth when it is on, and is
// refused otherwise: with JWE on and OAuth off, a token is required.
func (j *JWE) Middleware(next http.Handler) http.Handler {
	var fallback http.Handler
	if j.oauth != nil {
		fallback = j.oauth.Middleware(next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, where, err := findToken(r)
		switch {
		case err != nil:
			j.refuse(w, r, where, err)
			return
		case token == "" && fallback != nil:
			fallback.ServeHTTP(w, r)
			return
		case token == "":
			authError(w, http.StatusUnauthorized, "", "a JWE connection token is required: in the path (/{token}/), the "+HeaderJWE+" header or Authorization: Bearer")
			return
		}
		ctx, release, err := j.authenticate(r.Context(), token)
		if err != nil {
			j.refuse(w, r, where, err)
			return
		}
		defer release()
		r2 := r.WithContext(ctx)
		r2.Header = r.Header.Clone()
		r2.Header.Del(HeaderJWE) // credentials never travel further
		r2.Header.Del("Authorization")
		next.ServeHTTP(w, r2)
	})
}

// findToken returns the request's JWE and where it was: the first path
// segment (moved to the context by stripTokenPath), the x-altinity-mcp-key
// header, or a bearer token shaped like a JWE (any other bearer is an
// OAuth access token and not ours).
func findToken(r *http.Request) (token, where string, err error) {
	if token, ok := jwe.PathToken(r.Context()); ok {
		return token, "path", nil
	}
	switch h := r.Header.Values(HeaderJWE); {
	case len(h) > 1:
		return "", "header", &jweError{status: http.StatusUnauthorized, code: "invalid_token", desc: "more than one " + HeaderJWE + " header"}
	case len(h) == 1 && strings.TrimSpace(h[0]) != "":
		return strings.TrimSpace(h[0]), "header", nil
	}
	if b, ok := bearerToken(r); ok && jwe.LooksLikeJWE(b) {
		return b, "bearer", nil
	}
	return "", "", nil
}

// bearerToken is the single Authorization: Bearer credential, if any.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return "", false
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(h[0]), " ")
	token = strings.TrimSpace(token)
	return token, strings.EqualFold(scheme, "Bearer") && token != ""
}

// authenticate decodes token, applies the server's rules to its claims and
// returns a context that routes the request's queries to the connection
// the token names (and, with a cluster secret, runs them as its user).
func (j *JWE) authenticate(ctx context.Context, token string) (context.Context, func(), error) {
	claims, err := jwe.Decode(j.key, j.jwtKey, token, j.now())
	if err != nil {
		return nil, nil, err
	}
	target, err := jwe.Resolve(j.ch.Config(), j.cfg, j.ch.Policy(), claims.Connection)
	if err != nil {
		return nil, nil, err
	}
	client, release, err := j.reg.Acquire(target.Config)
	if err != nil {
		return nil, nil, err
	}
	ctx = clickhouse.WithClient(ctx, client)
	ctx = mcphttp.WithSessionTarget(ctx, clickhouse.Fingerprint(target.Config))
	// A session opened by this request keeps the client until it ends: its
	// calls run with this context, and so with this client.
	ctx = mcphttp.WithSessionHold(ctx, func() func() {
		if _, release, err := j.reg.Acquire(target.Config); err == nil {
			return release // the same client: this request holds it
		}
		return func() {} // the registry is closing
	})
	// User is empty without a cluster secret: the client's own login runs
	// the queries. With one, the token's user is impersonated.
	ctx = identity.With(ctx, identity.Identity{User: target.User, Source: SourceJWE})
	return ctx, release, nil
}

// jweError is an HTTP refusal with an OAuth-style error code.
type jweError struct {
	status     int
	code, desc string
}

func (e *jweError) Error() string { return e.desc }

// refuse answers a failed authentication: 401 for a bad or expired token,
// 403 for a genuine token the server's rules refuse.
func (j *JWE) refuse(w http.ResponseWriter, r *http.Request, where string, err error) {
	var je *jweError
	switch {
	case errors.As(err, &je):
	case errors.Is(err, jwe.ErrExpired):
		je = &jweError{http.StatusUnauthorized, "invalid_token", "token expired"}
	case errors.Is(err, jwe.ErrInvalid):
		je = &jweError{http.StatusUnauthorized, "invalid_token", err.Error()}
	case errors.Is(err, jwe.ErrNotAllowed):
		je = &jweError{http.StatusForbidden, "access_denied", err.Error()}
	case errors.Is(err, clickhouse.ErrRegistryFull):
		w.Header().Set("Retry-After", "5")
		je = &jweError{http.StatusServiceUnavailable, "temporarily_unavailable", err.Error()}
	default:
		j.log.ErrorContext(r.Context(), "jwe: cannot open the token's ClickHouse connection", "error", err)
		je = &jweError{http.StatusInternalServerError, "server_error", "internal error"}
	}
	j.log.InfoContext(r.Context(), "jwe token refused", "token_in", where, "status", je.status, "reason", je.desc,
		"request_id", w.Header().Get("X-Request-Id"))
	authError(w, je.status, je.code, je.desc)
}

// authError writes an RFC 6750 style refusal; 401s carry a Bearer challenge.
func authError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		challenge := `Bearer realm="chmcp"`
		if code != "" {
			challenge += `, error="` + code + `", error_description="` + strings.ReplaceAll(desc, `"`, `'`) + `"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if code == "" {
		code = "unauthorized"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// --- tokens in the path ---

// stripTokenPath moves a JWE in the first path segment into the context
// (/{token} -> /, /{token}/sse -> /sse, /{token}/openapi/x -> /openapi/x;
// jwe.PathToken gives it back), so the routes, the logs and every handler
// see the path without it. It is a no-op unless auth accepts JWE tokens.
func stripTokenPath(auth Authorizer, next http.Handler) http.Handler {
	if _, ok := auth.(*JWE); !ok {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if !strings.HasPrefix(r.URL.Path, "/") || !jwe.LooksLikeJWE(seg) {
			next.ServeHTTP(w, r)
			return
		}
		u := *r.URL
		u.Path, u.RawPath = pathWithout(r.URL.Path, seg), ""
		if strings.HasPrefix(r.URL.RawPath, "/"+seg) {
			u.RawPath = pathWithout(r.URL.RawPath, seg)
		}
		r2 := r.WithContext(jwe.WithPathToken(r.Context(), seg))
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
		next.ServeHTTP(w, r2)
	})
}

func pathWithout(p, seg string) string {
	if rest := strings.TrimPrefix(p, "/"+seg); rest != "" {
		return rest
	}
	return "/"
}

// keepTokenPath gives the legacy SSE handler the path with the token put
// back: the session endpoint it announces is built from the request URL, so
// a client that opened /{token}/sse posts to /{token}/sse?sessionid=...
func keepTokenPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := jwe.PathToken(r.Context()); ok {
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

// --- minting ---

// mintGuard lets through a request with Authorization: Bearer
// <mint_admin_key> or, when OAuth is on, a valid OAuth access token. Nothing
// else mints.
func (j *JWE) mintGuard(next http.Handler) http.Handler {
	var viaOAuth http.Handler
	if j.oauth != nil {
		viaOAuth = j.oauth.Middleware(next)
	}
	adminHash := sha256.Sum256(j.adminKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := bearerToken(r); ok && len(j.adminKey) > 0 {
			got := sha256.Sum256([]byte(b)) // equal lengths: the comparison time says nothing
			if subtle.ConstantTimeCompare(got[:], adminHash[:]) == 1 {
				r2 := r.Clone(r.Context())
				r2.Header.Del("Authorization")
				next.ServeHTTP(w, r2)
				return
			}
		}
		if viaOAuth != nil {
			viaOAuth.ServeHTTP(w, r)
			return
		}
		j.log.InfoContext(r.Context(), "jwe mint refused", "reason", "no valid admin key", "request_id", w.Header().Get("X-Request-Id"))
		authError(w, http.StatusUnauthorized, "invalid_token", "minting requires Authorization: Bearer <server.jwe.mint_admin_key>")
	})
}

// mintRequest is the body of POST /jwe/token: connection claims and a ttl
// ("24h" or seconds).
type mintRequest struct {
	jwe.Connection
	TTL config.Duration `json:"ttl"`
}

func (j *JWE) mint(w http.ResponseWriter, r *http.Request) {
	var req mintRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		authError(w, http.StatusBadRequest, "invalid_request", "the body must be a JSON object of connection claims and ttl: "+err.Error())
		return
	}
	ttl := req.TTL.D()
	if ttl == 0 {
		ttl = min(defaultMintTTL, j.cfg.MaxTTL.D())
	}
	base := j.ch.Config()
	mintedBy := "admin key"
	if caller := identity.From(r.Context()); caller.Source != identity.SourceConfig {
		// An OAuth caller mints only for itself: with a cluster secret, a
		// token's username is whom it acts as.
		mintedBy = "oauth:" + caller.User
		if base.ClusterSecretMode() {
			if req.Username != "" && req.Username != caller.User {
				authError(w, http.StatusForbidden, "access_denied", fmt.Sprintf("you can mint tokens only for your own ClickHouse user %q", caller.User))
				return
			}
			req.Username = caller.User
		}
	}
	minter := jwe.Minter{Base: base, Config: j.cfg, Policy: j.ch.Policy(), Key: j.key, JWTKey: j.jwtKey}
	token, exp, err := minter.Mint(req.Connection, ttl, j.now())
	switch {
	case errors.Is(err, jwe.ErrNotAllowed):
		authError(w, http.StatusForbidden, "access_denied", err.Error())
		return
	case errors.Is(err, jwe.ErrEncode):
		j.log.ErrorContext(r.Context(), "jwe: cannot mint", "error", err)
		authError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	case err != nil:
		authError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	j.log.InfoContext(r.Context(), "jwe token minted", "minted_by", mintedBy, "host", req.Host, "user", req.Username,
		"expires_at", exp.UTC().Format(time.RFC3339), "request_id", w.Header().Get("X-Request-Id"))
	writeJSON(w, http.StatusOK, map[string]any{
		"token": token, "token_type": "jwe", "expires_at": exp.UTC().Format(time.RFC3339), "expires_in": int64(ttl.Seconds()),
	})
}
