package config

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		wantLines     int // of debug, info, warn, error
		wantLevel     slog.Level
	}{
		{"debug", "text", 4, slog.LevelDebug},
		{"info", "text", 3, slog.LevelInfo},
		{"warn", "json", 2, slog.LevelWarn},
		{"error", "json", 1, slog.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			lc := LoggingConfig{Level: tt.level, Format: tt.format}
			if lc.SlogLevel() != tt.wantLevel {
				t.Errorf("SlogLevel() = %v", lc.SlogLevel())
			}
			var buf bytes.Buffer
			log := lc.NewLogger(&buf)
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e", "password", Secret("pw-value"))
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != tt.wantLines {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), tt.wantLines, buf.String())
			}
			for _, l := range lines {
				if tt.format == "json" {
					if !json.Valid([]byte(l)) {
						t.Errorf("not JSON: %s", l)
					}
				} else if !strings.HasPrefix(l, "time=") {
					t.Errorf("not text: %s", l)
				}
			}
			if strings.Contains(buf.String(), "pw-value") || !strings.Contains(buf.String(), "[REDACTED]") {
				t.Errorf("secret not redacted: %s", buf.String())
			}
		})
	}
}
