package jwe

import "context"

type pathTokenKey struct{}

// WithPathToken records that a request carried token as the first segment
// of its path, which the HTTP edge removed from the URL (/{token}/sse is
// routed as /sse).
func WithPathToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, pathTokenKey{}, token)
}

// PathToken returns the token a request carried in its path, if any.
// Handlers that build URLs for the client to call back (the SSE session
// endpoint, the OpenAPI document's server URL) put it back as "/" + token.
func PathToken(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(pathTokenKey{}).(string)
	return t, ok && t != ""
}
