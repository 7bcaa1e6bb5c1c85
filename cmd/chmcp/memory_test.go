package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// unsetEnv removes name for the test and puts it back after.
func unsetEnv(t *testing.T, name string) {
	t.Helper()
	if v, ok := os.LookupEnv(name); ok {
		os.Unsetenv(name)
		t.Cleanup(func() { os.Setenv(name, v) })
	}
}

// TestTuneMemoryFollowsTheContainer: with a cgroup limit of 256 MiB and no
// GOMEMLIMIT, the Go limit is 90% of it, the result budget an eighth of
// that, and the start-up log says so; an explicit budget wins; an
// unreadable limit stops the start.
func TestTuneMemoryFollowsTheContainer(t *testing.T) {
	unsetEnv(t, "GOMEMLIMIT")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("268435456\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	b, err := tuneMemory(config.ServerConfig{}, slog.New(slog.NewTextHandler(&logs, nil)), root)
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 241591860 {
		t.Errorf("Go memory limit %d, want 90%% of 256 MiB", got)
	}
	if got := b.Stats().Limit; got != 241591860/8 {
		t.Errorf("result budget %d, want an eighth of the limit", got)
	}
	for _, want := range []string{"go_memory_limit_bytes=241591860", "go_memory_limit_from=" + filepath.Join(root, "memory.max"),
		"max_inflight_result_bytes=30198982", `max_inflight_result_bytes_from="memory limit / 8"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q lacks %s", logs.String(), want)
		}
	}
	if b, err = tuneMemory(config.ServerConfig{MaxInflightResultBytes: 5 << 20}, slog.New(slog.DiscardHandler), root); err != nil || b.Stats().Limit != 5<<20 {
		t.Errorf("explicit budget: %+v, %v", b.Stats(), err)
	}
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("lots"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tuneMemory(config.ServerConfig{}, slog.New(slog.DiscardHandler), root); err == nil || !strings.Contains(err.Error(), "memory.max") {
		t.Errorf("unreadable limit: err = %v", err)
	}
}
