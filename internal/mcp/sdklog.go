package mcp

import (
	"context"
	"log/slog"
)

// SDKLogger is the logger to hand the go-sdk. It logs every stateless
// request's session set-up and tear-down at info level (three lines per
// call); those are kept only when chmcp itself logs at debug level.
func SDKLogger(l *slog.Logger) *slog.Logger {
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return l
	}
	return slog.New(warnFloor{l.Handler()})
}

// warnFloor passes only records at warn level and above.
type warnFloor struct{ slog.Handler }

func (w warnFloor) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && w.Handler.Enabled(ctx, level)
}

func (w warnFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnFloor{w.Handler.WithAttrs(attrs)}
}

func (w warnFloor) WithGroup(name string) slog.Handler { return warnFloor{w.Handler.WithGroup(name)} }
