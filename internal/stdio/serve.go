package stdio

import (
	"context"
	"io"
	"log/slog"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/mcp"
)

// cutGrace is how long cut calls get to write their error answers.
const cutGrace = 5 * time.Second

// Serve runs server over in/out until the input ends (every answer owed is
// written first) or ctx is cancelled (a signal). Then calls still running
// get shutdownTimeout to finish; after that they are cancelled, answer
// "the server is shutting down", and Serve returns a *mcp.CutError.
func Serve(ctx context.Context, server *sdk.Server, in io.Reader, out io.Writer, shutdownTimeout time.Duration, log *slog.Logger) error {
	t := New(in, out, 0, log)
	cut, cutCalls := context.WithCancelCause(context.Background())
	defer cutCalls(nil)
	// The session outlives ctx: a signal ends the input, not the calls.
	runCtx := mcp.WithCutoff(context.WithoutCancel(ctx), cut)
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, t) }()
	select {
	case err := <-done:
		return err // end of input, answers written
	case <-ctx.Done():
	}
	t.Stop()
	log.Info("shutting down: waiting for calls in flight", "calls", t.Owed(), "timeout", shutdownTimeout)
	timer := time.NewTimer(shutdownTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
	}
	n := t.Owed()
	log.Warn("shutdown timeout reached; cutting calls in flight", "calls", n)
	cutCalls(mcp.ErrShuttingDown)
	select {
	case <-t.Drained():
	case <-time.After(cutGrace):
		log.Warn("cut calls did not answer in time; closing")
		t.Close()
	}
	<-done
	if n > 0 {
		return &mcp.CutError{Calls: n}
	}
	return nil
}
