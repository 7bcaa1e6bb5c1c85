package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
)

// bindSessions ties a streamable-HTTP session to the caller that opened it.
// A session's tool calls run with the identity of the request that opened
// it, so a request from anyone else must not reach it: the go-sdk refuses
// (403) a session request whose auth.TokenInfo.UserID differs from the
// opener's. The only way to set TokenInfo is its bearer middleware, so the
// already-verified caller is presented to it under a placeholder token.
func bindSessions(next http.Handler) http.Handler {
	present := auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		return &auth.TokenInfo{UserID: sessionOwner(ctx), Expiration: time.Now().Add(time.Minute)}, nil
	}, nil)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Authorization") // the placeholder goes no further
		next.ServeHTTP(w, r)
	})
	h := present(inner)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer session-binding")
		h.ServeHTTP(w, r)
	})
}

// sessionOwner names the caller: the identity, and the ClickHouse target a
// JWE token chose (two tokens for one user name may point elsewhere).
func sessionOwner(ctx context.Context) string {
	id := identity.From(ctx)
	return fmt.Sprintf("%s|%s|%s|%p", id.Source, id.User, id.Subject, clickhouse.ClientFrom(ctx, nil))
}
