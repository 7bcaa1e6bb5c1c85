package mcp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSDKLogger(t *testing.T) {
	for _, tc := range []struct {
		level    slog.Level
		wantInfo bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		var buf bytes.Buffer
		l := SDKLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level})))
		l.Info("server session connected")
		l.Warn("something odd")
		if got := strings.Contains(buf.String(), "session connected"); got != tc.wantInfo {
			t.Errorf("level %v: info line logged=%v, want %v", tc.level, got, tc.wantInfo)
		}
		if !strings.Contains(buf.String(), "something odd") {
			t.Errorf("level %v: warning dropped", tc.level)
		}
	}
}
