package clickhouse

import "context"

type clientKey struct{}

// WithClient routes the queries of one request to c instead of the
// server's default target (a JWE connection token names its own).
func WithClient(ctx context.Context, c *Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client attached to ctx, or fallback.
func ClientFrom(ctx context.Context, fallback *Client) *Client {
	if c, ok := ctx.Value(clientKey{}).(*Client); ok && c != nil {
		return c
	}
	return fallback
}
