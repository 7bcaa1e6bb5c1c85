package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/chmcp/chmcp/internal/config"
)

// upstreamUser is what chmcp keeps of an upstream login: verified claims
// only, never the upstream tokens (no token passthrough).
type upstreamUser struct {
	Subject           string `json:"sub"`
	Email             string `json:"email,omitempty"`
	EmailVerified     bool   `json:"ev,omitempty"`
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"pu,omitempty"`
	HostedDomain      string `json:"hd,omitempty"`
}

// connector is an upstream identity provider, in the manner of Dex's
// connectors: it builds the login URL and turns the callback's code into a
// verified user. OpenID Connect is the one kind today; others (GitHub's
// plain OAuth, SAML) would implement the same two methods.
type connector interface {
	// LoginURL is where the browser goes to log in; state, nonce and the
	// PKCE verifier are chmcp's own.
	LoginURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Exchange redeems the upstream code and returns the verified user.
	Exchange(ctx context.Context, code, verifier, nonce string) (*upstreamUser, error)
}

// oidcConnector talks to any OpenID Connect provider. Discovery happens on
// first use, not at start-up, so chmcp starts while the provider is down;
// a failed discovery is retried by a later request (at most every 5 s).
type oidcConnector struct {
	cfg         config.UpstreamConfig
	secret      string
	redirectURL string
	client      *http.Client
	now         func() time.Time

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
	lastTry  time.Time
	lastErr  error
}

const discoveryRetry = 5 * time.Second

func newOIDCConnector(cfg config.UpstreamConfig, secret, redirectURL string, client *http.Client, now func() time.Time) *oidcConnector {
	return &oidcConnector{cfg: cfg, secret: secret, redirectURL: redirectURL, client: client, now: now}
}

func (c *oidcConnector) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.client)
}

// discover returns the OAuth config and ID token verifier, discovering the
// provider on first use.
func (c *oidcConnector) discover(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oauth != nil {
		return c.oauth, c.verifier, nil
	}
	if c.lastErr != nil && c.now().Sub(c.lastTry) < discoveryRetry {
		return nil, nil, c.lastErr
	}
	c.lastTry = c.now()
	// Not cut short by the request that happens to trigger it: a failure is
	// cached for discoveryRetry, so a browser closing its tab would fail
	// every other login for that long.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// The provider keeps the client (not the context) for JWKS refreshes.
	p, err := oidc.NewProvider(c.ctx(dctx), c.cfg.Issuer)
	if err != nil {
		c.lastErr = fmt.Errorf("upstream discovery at %s: %w", c.cfg.Issuer, err)
		return nil, nil, c.lastErr
	}
	c.lastErr = nil
	c.oauth = &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.secret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  c.redirectURL,
		Scopes:       c.cfg.Scopes,
	}
	c.verifier = p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.now})
	return c.oauth, c.verifier, nil
}

func (c *oidcConnector) LoginURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), nil
}

// idClaims are the ID token claims chmcp reads. email_verified is a
// string on some providers.
type idClaims struct {
	Email             string   `json:"email"`
	EmailVerified     flexBool `json:"email_verified"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	HostedDomain      string   `json:"hd"`
}

type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	switch string(p) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("invalid boolean %s", p)
	}
	return nil
}

func (c *oidcConnector) Exchange(ctx context.Context, code, verifier, nonce string) (*upstreamUser, error) {
	oc, v, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx(ctx), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("upstream token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("upstream token response has no id_token (is the openid scope requested?)")
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("upstream id_token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, errors.New("upstream id_token: nonce mismatch")
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return nil, fmt.Errorf("upstream id_token claims: %w", err)
	}
	if idt.Subject == "" {
		return nil, errors.New("upstream id_token has no sub")
	}
	return &upstreamUser{
		Subject:           idt.Subject,
		Email:             cl.Email,
		EmailVerified:     bool(cl.EmailVerified),
		Name:              cl.Name,
		PreferredUsername: cl.PreferredUsername,
		HostedDomain:      cl.HostedDomain,
	}, nil
}
