// Package identity is the typed answer to "who is asking": resolved once at
// the edge (stdio config, HTTP auth middleware) and carried in the context
// down to the ClickHouse layer, which decides how to present it.
package identity

import "context"

// Source says where an identity came from; it is logged with every query.
type Source string

const (
	// SourceConfig: no caller identity; queries run as the configured user.
	SourceConfig Source = "config"
	// SourceEmail / SourceSubject: mapped from a verified OAuth claim.
	SourceEmail   Source = "email"
	SourceSubject Source = "sub"
)

// Identity is the person (or configuration) on whose behalf a query runs.
type Identity struct {
	// User is the ClickHouse user the query runs as. Empty means "the
	// configured connection user" and is never sent as an impersonated user.
	User    string `json:"user,omitempty"`
	Email   string `json:"email,omitempty"`
	Subject string `json:"subject,omitempty"`
	Source  Source `json:"source"`
	// RunAs is the ClickHouse user the queries run as on the request's
	// client, worked out once when the identity is bound to that client
	// (clickhouse.Client.Bind, at authentication) and carried from there.
	// Empty: not bound; the client works it out.
	RunAs string `json:"-"`
}

type ctxKey struct{}

// With returns a context carrying id.
func With(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the identity in ctx, or the configuration identity when none
// was attached (stdio, unauthenticated HTTP).
func From(ctx context.Context) Identity {
	if id, ok := ctx.Value(ctxKey{}).(Identity); ok {
		return id
	}
	return Identity{Source: SourceConfig}
}
