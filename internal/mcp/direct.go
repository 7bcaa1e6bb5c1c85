package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// WithReceivingMiddleware adds mw to every go-sdk server of the service,
// outside chmcp's own. Call does not run it, so the HTTP fast path
// (internal/mcphttp) leaves every tools/call to the go-sdk servers while
// the service has any (DirectCall). Install receiving middleware only
// this way: one added to a server directly is bypassed by the fast path.
func WithReceivingMiddleware(mw ...sdk.Middleware) Option {
	return func(s *Service) { s.middleware = append(s.middleware, mw...) }
}

// DirectCall reports whether Call may answer a tools/call of name for the
// caller in ctx in place of the go-sdk server ServerFor(ctx), and returns
// the tool's definition. Call does what that server does around a tool
// (the tools/call part of an identity server's middleware: the lookup
// that rediscovers an unknown tool) but no middleware added with
// WithReceivingMiddleware: with any, or without such a tool, false.
func (s *Service) DirectCall(ctx context.Context, name string) (*sdk.Tool, bool) {
	if len(s.middleware) > 0 {
		return nil, false
	}
	t, ok := s.lookup(ctx, name)
	return t.Def, ok
}
