package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/httpapi"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/oauth"
	"github.com/chmcp/chmcp/internal/oauth/chstore"
)

// authorizer builds the OAuth authorization server when it is enabled.
func authorizer(ctx context.Context, cfg config.OAuthConfig, ch *clickhouse.Client, policy *identity.Policy, log *slog.Logger) (httpapi.Authorizer, error) {
	if !cfg.Enabled {
		return nil, nil
	}
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
