package mcp

import (
	"context"
	"errors"
	"fmt"
)

// ErrShuttingDown is the cause a server gives WithCutoff when it stops:
// the calls it cuts answer "query cancelled: the server is shutting down".
var ErrShuttingDown = errors.New("the server is shutting down")

type cutoffKey struct{}

// WithCutoff returns ctx carrying cut: once cut is done, every tool call
// run under ctx (or under a session opened with it) is cancelled with
// cut's cause and answers with it, while the transport can still deliver
// the answer. Cancelling the transport's own context instead would lose
// the answer along with the connection.
func WithCutoff(ctx, cut context.Context) context.Context {
	return context.WithValue(ctx, cutoffKey{}, cut)
}

// cutoff derives a call's context that ends when ctx's cutoff does.
func cutoff(ctx context.Context) (context.Context, context.CancelFunc) {
	cut, _ := ctx.Value(cutoffKey{}).(context.Context)
	if cut == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(cut, func() { cancel(context.Cause(cut)) })
	return ctx, func() { stop(); cancel(nil) }
}

// cancelReason is what a cancelled call tells its caller.
func cancelReason(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return "query cancelled: " + cause.Error()
	}
	return "query cancelled"
}

// CutError reports a shutdown that had to cut calls: Calls were still
// running when the shutdown timeout ran out, and were cancelled.
type CutError struct{ Calls int }

func (e *CutError) Error() string {
	return fmt.Sprintf("shutdown timeout reached: %d call(s) cut", e.Calls)
}
