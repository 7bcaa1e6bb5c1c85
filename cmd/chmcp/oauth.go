package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/oauth"
	"github.com/chmcp/chmcp/internal/oauth/chstore"
)

// authenticators builds the configured authenticators in the order the
// boundary tries them: JWE connection tokens first (recognised by their
// shape), then OAuth access tokens (docs/jwe.md). Both map and check
// identities with policy. close releases what they opened.
func authenticators(ctx context.Context, cfg config.ServerConfig, ch *clickhouse.Client, policy *identity.Policy, log *slog.Logger) ([]auth.Authenticator, func(), error) {
	var out []auth.Authenticator
	var oauthAuth auth.Authenticator
	if cfg.OAuth.Enabled {
		s, err := oauthServer(ctx, cfg.OAuth, ch, policy, log) // oauth adds its own component
		if err != nil {
			return nil, nil, err
		}
		oauthAuth = auth.OAuth(s)
	}
	closeAll := func() {}
	if cfg.JWE.Enabled {
		j, err := auth.NewJWE(cfg.JWE, ch, policy, auth.JWEOptions{Mint: oauthAuth, Log: log.With("component", "jwe")})
		if err != nil {
			return nil, nil, err
		}
		out, closeAll = append(out, j), func() { _ = j.Close() }
	}
	if oauthAuth != nil {
		out = append(out, oauthAuth)
	}
	return out, closeAll, nil
}

// oauthServer builds the OAuth authorization server.
func oauthServer(ctx context.Context, cfg config.OAuthConfig, ch *clickhouse.Client, policy *identity.Policy, log *slog.Logger) (*oauth.Server, error) {
	var store oauth.Store = oauth.NewMemoryStore()
	if cfg.Store == config.StoreClickHouse {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chstore.New(sctx, ch, cfg.StoreTable)
		if err != nil {
			return nil, fmt.Errorf("server.oauth.store: %w", err)
		}
		store = s
	}
	return oauth.New(cfg, oauth.Deps{
		Store:      store,
		Policy:     policy,
		Log:        log,
		HTTPClient: &http.Client{Timeout: 15 * time.Second},
	})
}
