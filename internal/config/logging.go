package config

import (
	"io"
	"log/slog"
)

// SlogLevel maps logging.level to a slog.Level (unknown values: info;
// Validate rejects them).
func (c LoggingConfig) SlogLevel() slog.Level {
	switch c.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// NewLogger returns a slog.Logger writing to w with the configured format
// (text or json) and level. Secret values log as [REDACTED].
func (c LoggingConfig) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
