// Package oauth makes chmcp the OAuth 2.1 authorization server of its MCP
// endpoint. People log in at an upstream OpenID Connect provider; chmcp
// then issues its own audience-bound tokens ("gating" mode). Client ids,
// consent tickets, upstream state, authorization codes and refresh tokens
// are sealed with keys derived from the signing key, so any replica serves
// any step; only used codes and refresh-token families live in a Store.
// See docs/oauth.md.
package oauth

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// Routes, relative to chmcp's root (the issuer).
const (
	PathProtectedResource = "/.well-known/oauth-protected-resource"
	PathAuthServer        = "/.well-known/oauth-authorization-server"
	PathOpenIDConfig      = "/.well-known/openid-configuration"
	PathAuthorize         = "/oauth/authorize"
	PathCallback          = "/oauth/callback"
	PathToken             = "/oauth/token"
	PathRegister          = "/oauth/register"
)

// Deps are the collaborators of a Server.
type Deps struct {
	// Store records used codes and refresh-token families; nil means a
	// MemoryStore (only valid with store: memory).
	Store Store
	// Policy maps verified claims to a ClickHouse identity. Required.
	Policy *identity.Policy
	Log    *slog.Logger
	// HTTPClient makes the upstream OpenID Connect calls (discovery, JWKS,
	// token exchange). Client ID metadata documents are fetched by a
	// separate, SSRF-hardened client that only borrows its TLS settings.
	HTTPClient *http.Client
	Now        func() time.Time
	// AllowPrivateCIMD lets client ID metadata documents live on private
	// and loopback addresses. For tests only.
	AllowPrivateCIMD bool
}

// Server is chmcp's authorization server and the bearer-token check of its
// MCP endpoint.
type Server struct {
	issuer       string // no trailing slash
	resource     string // issuer + "/"
	scopes       []string
	cfg          config.OAuthConfig
	log          *slog.Logger
	now          func() time.Time
	store        Store
	policy       *identity.Policy
	upstream     connector
	cimd         *cimdFetcher
	accessKey    []byte      // verifies access tokens
	signer       jose.Signer // signs them, with accessKey
	client       *sealer
	consent      *sealer
	state        *sealer
	code         *sealer
	refresh      *sealer
	cookieName   string
	secureCookie bool
}

// New builds the server. Configuration was validated by config.Validate;
// New only fails on what it cannot use (an unreadable or short key, a
// missing policy or store).
func New(cfg config.OAuthConfig, deps Deps) (*Server, error) {
	key, err := cfg.ReadSigningKey()
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	if len(key.Reveal()) < 32 {
		return nil, errors.New("oauth: server.oauth.signing_key must be at least 32 bytes")
	}
	if deps.Policy == nil {
		return nil, errors.New("oauth: an identity policy is required")
	}
	issuer := strings.TrimRight(cfg.Issuer, "/")
	iu, err := url.Parse(issuer)
	if err != nil || iu.Host == "" || (iu.Scheme != "https" && iu.Scheme != "http") {
		return nil, fmt.Errorf("oauth: server.oauth.issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	if deps.Store == nil {
		if cfg.Store == config.StoreClickHouse {
			return nil, errors.New("oauth: store clickhouse needs a Store")
		}
		deps.Store = NewMemoryStore()
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	secret, err := cfg.Upstream.ReadClientSecret()
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	s := &Server{
		issuer:       issuer,
		resource:     issuer + "/",
		scopes:       cfg.Scopes,
		cfg:          cfg,
		log:          deps.Log.With("component", "oauth"),
		now:          deps.Now,
		store:        deps.Store,
		policy:       deps.Policy.WithEmailDomains("server.oauth.allowed_email_domains", cfg.AllowedEmailDomains),
		secureCookie: iu.Scheme == "https",
		cookieName:   "chmcp-consent",
	}
	if s.secureCookie {
		s.cookieName = "__Host-chmcp-consent"
	}
	raw := []byte(key.Reveal())
	if s.accessKey, err = deriveKey(raw, purposeAccessToken); err != nil {
		return nil, err
	}
	if s.signer, err = newAccessSigner(s.accessKey); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		dst     **sealer
		purpose string
	}{{&s.client, purposeClient}, {&s.consent, purposeConsent}, {&s.state, purposeState}, {&s.code, purposeCode}, {&s.refresh, purposeRefresh}} {
		if *p.dst, err = newSealer(raw, p.purpose); err != nil {
			return nil, err
		}
	}
	s.upstream = newOIDCConnector(cfg.Upstream, secret.Reveal(), s.issuer+PathCallback, deps.HTTPClient, deps.Now)
	s.cimd = newCIMDFetcher(deps.HTTPClient, deps.AllowPrivateCIMD, deps.Now)
	return s, nil
}

// Register adds every OAuth route to mux. The MCP endpoint itself is the
// caller's to register, wrapped in Middleware.
func (s *Server) Register(mux *http.ServeMux) {
	prm := cors(http.HandlerFunc(s.handleProtectedResource))
	asm := cors(http.HandlerFunc(s.handleAuthServerMetadata))
	for _, p := range []string{PathProtectedResource, PathProtectedResource + "/{rest...}"} {
		mux.Handle("GET "+p, prm)
		mux.Handle("OPTIONS "+p, prm)
	}
	for _, p := range []string{PathAuthServer, PathAuthServer + "/{rest...}", PathOpenIDConfig} {
		mux.Handle("GET "+p, asm)
		mux.Handle("OPTIONS "+p, asm)
	}
	mux.HandleFunc("GET "+PathAuthorize, s.handleAuthorize)
	mux.HandleFunc("POST "+PathAuthorize, s.handleConsent)
	mux.HandleFunc("GET "+PathCallback, s.handleCallback)
	for _, p := range []struct {
		path string
		h    http.HandlerFunc
	}{{PathToken, s.handleToken}, {PathRegister, s.handleRegister}} {
		h := cors(p.h)
		mux.Handle("POST "+p.path, h)
		mux.Handle("OPTIONS "+p.path, h)
	}
}

// cors opens an endpoint to browser-based MCP clients (MCP Inspector runs
// discovery, registration and the token exchange from a web page). None of
// these endpoints uses cookies or ambient credentials, so any origin is safe.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logStep writes the one log line of an OAuth step. Never pass tokens,
// codes or secrets: client ids are shortened by clientLabel.
func (s *Server) logStep(r *http.Request, step, clientID string, err error, attrs ...any) {
	attrs = append([]any{"step", step, "client", clientLabel(clientID)}, attrs...)
	var oe *oauthError
	switch {
	case err == nil:
		s.log.InfoContext(r.Context(), "oauth", append(attrs, "outcome", "ok")...)
	case errors.As(err, &oe) && oe.Code != errServerError:
		s.log.InfoContext(r.Context(), "oauth", append(attrs, "outcome", "refused", "error", oe.Code, "reason", oe.Description)...)
	default:
		s.log.WarnContext(r.Context(), "oauth", append(attrs, "outcome", "error", "error", err.Error())...)
	}
}

// clientLabel names a client in logs: a metadata document URL as is
// (public, bounded), a sealed registration by a short hash.
func clientLabel(clientID string) string {
	switch {
	case clientID == "":
		return "-"
	case strings.HasPrefix(clientID, "https://"):
		if len(clientID) > 120 {
			return clientID[:120] + "..."
		}
		return clientID
	default:
		return "dcr:" + shortHash(clientID)
	}
}
