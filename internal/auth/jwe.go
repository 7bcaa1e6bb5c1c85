package auth

import (
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

// JWE authenticates requests that carry a JWE connection token
// (docs/jwe.md) and routes their queries to the connection the token
// names. A request without a JWE is left to the next authenticator (OAuth,
// when it is on); with JWE alone, Challenge refuses it.
type JWE struct {
	cfg      config.JWEConfig
	key      []byte // server.jwe.secret_key
	jwtKey   []byte // server.jwe.jwt_secret_key, may be empty
	adminKey []byte // server.jwe.mint_admin_key, may be empty
	ch       *clickhouse.Client
	policy   *identity.Policy
	reg      *clickhouse.Registry
	mintVia  Authenticator // may be nil
	log      *slog.Logger
	now      func() time.Time
}

// JWEOptions are the JWE authenticator's collaborators beyond its
// configuration.
type JWEOptions struct {
	// Mint, when not nil, lets its callers (OAuth) mint tokens for
	// themselves at POST /jwe/token.
	Mint Authenticator
	Log  *slog.Logger
	// Registry bounds the clients opened for tokens (its Log defaults to
	// Log).
	Registry clickhouse.RegistryOptions
}

// NewJWE builds the JWE authenticator over the server's own ClickHouse
// client ch, whose configuration, with the identity policy, bounds what a
// token may name. Close releases the clients it opened.
func NewJWE(cfg config.JWEConfig, ch *clickhouse.Client, policy *identity.Policy, o JWEOptions) (*JWE, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Registry.Log == nil {
		o.Registry.Log = log
	}
	key, err := cfg.ReadSecretKey()
	if err != nil {
		return nil, err
	}
	if len(key) < 32 {
		return nil, errors.New("server.jwe.secret_key: need at least 32 bytes")
	}
	if policy == nil {
		return nil, errors.New("jwe: an identity policy is required")
	}
	if cfg.MintEnabled && o.Mint == nil && len(cfg.MintAdminKey) < 32 {
		return nil, errors.New("server.jwe.mint_enabled: needs server.oauth.enabled or a server.jwe.mint_admin_key of at least 32 bytes: minting is never open")
	}
	return &JWE{
		cfg: cfg, key: []byte(key.Reveal()), jwtKey: []byte(cfg.JWTSecretKey.Reveal()), adminKey: []byte(cfg.MintAdminKey.Reveal()),
		ch: ch, policy: policy, mintVia: o.Mint, log: log, now: time.Now,
		// A session holds its client while it lives (Caller.Keep).
		reg: clickhouse.NewRegistry(ch, o.Registry),
	}, nil
}

// Close closes the ClickHouse clients opened for tokens.
func (j *JWE) Close() error { return j.reg.Close() }

// Routes adds the minting endpoint when it is enabled, under /jwe/ (a 404
// there otherwise).
func (j *JWE) Routes(mux *http.ServeMux) []string {
	if j.cfg.MintEnabled {
		mux.Handle("POST "+PathMint, j.mintGuard(http.HandlerFunc(j.mint)))
	}
	return []string{"/jwe/"}
}

// Headers: a JWE comes in its own header or as a bearer token.
func (j *JWE) Headers() []string { return []string{HeaderJWE, "Authorization"} }

// Security: a JWE is presented as a bearer token.
func (j *JWE) Security() Security { return Security{Scheme: SecurityBearer} }

// Authenticate authenticates a request by its JWE (path, header, bearer,
// in that order): the caller is the token's user on the connection the
// token names, whose client the request holds until it is done.
func (j *JWE) Authenticate(w http.ResponseWriter, r *http.Request) (Caller, func(), Verdict) {
	token, where, err := findToken(r)
	switch {
	case err != nil:
		j.refuse(w, r, where, err)
		return Caller{}, nil, Refused
	case token == "":
		return Caller{}, nil, Absent
	}
	c, release, err := j.authenticate(token)
	if err != nil {
		j.refuse(w, r, where, err)
		return Caller{}, nil, Refused
	}
	return c, release, Accepted
}

// Challenge refuses a request without a token: with JWE on and OAuth off,
// a token is required.
func (j *JWE) Challenge(w http.ResponseWriter, _ *http.Request) {
	authError(w, http.StatusUnauthorized, "", "a JWE connection token is required: in the path (/{token}/), the "+HeaderJWE+" header or Authorization: Bearer")
}

// findToken returns the request's JWE and where it was: the first path
// segment (moved to the context by Rewrite), the x-altinity-mcp-key
// header, or a bearer token shaped like a JWE (any other bearer is an
// OAuth access token and not ours).
func findToken(r *http.Request) (token, where string, err error) {
	if token, ok := PathCredential(r.Context()); ok {
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

// authenticate decodes token and applies the server's rules to its
// claims. The caller runs on the connection the token names (and, with a
// cluster secret, as its user); release gives its client back.
func (j *JWE) authenticate(token string) (Caller, func(), error) {
	claims, err := jwe.Decode(j.key, j.jwtKey, token, j.now())
	if err != nil {
		return Caller{}, nil, err
	}
	target, err := jwe.Resolve(j.ch.Config(), j.cfg, j.policy, claims.Connection)
	if err != nil {
		return Caller{}, nil, err
	}
	client, release, err := j.reg.Acquire(target.Config)
	if err != nil {
		return Caller{}, nil, err
	}
	return Caller{
		// User is empty without a cluster secret: the client's own login
		// runs the queries. With one, the token's user is impersonated.
		Identity: identity.Identity{User: target.User, Source: SourceJWE},
		Client:   client,
		Target:   clickhouse.Fingerprint(target.Config),
		// A session opened by this request keeps the client until it
		// ends: its calls run with this caller, and so with this client.
		Hold: func() func() {
			if _, release, err := j.reg.Acquire(target.Config); err == nil {
				return release // the same client: this request holds it
			}
			return func() {} // the registry is closing
		},
	}, release, nil
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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

// Rewrite moves a JWE in the first path segment into the context
// (/{token} -> /, /{token}/sse -> /sse, /{token}/openapi/x -> /openapi/x;
// PathCredential gives it back), so the routes, the logs and every handler
// see the path without it.
func (j *JWE) Rewrite(next http.Handler) http.Handler {
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
		r2 := r.WithContext(WithPathCredential(r.Context(), seg))
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

// --- minting ---

// mintGuard lets through a request with Authorization: Bearer
// <mint_admin_key> or, when OAuth is on, a valid OAuth access token. Nothing
// else mints.
func (j *JWE) mintGuard(next http.Handler) http.Handler {
	var viaOAuth http.Handler
	if j.mintVia != nil {
		viaOAuth = New(j.ch, j.mintVia).Middleware(next)
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
	minter := jwe.Minter{Base: base, Config: j.cfg, Policy: j.policy, Key: j.key, JWTKey: j.jwtKey}
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
