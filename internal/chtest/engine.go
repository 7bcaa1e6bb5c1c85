// Package chtest runs a real ClickHouse server for tests and local development.
//
// The engine is ClickHouse built as a shared library (chdb's libchdb.so, from npm),
// driven by a tiny C launcher that runs clickhouse-local with its TCP and HTTP
// listeners switched on. No Docker, no system packages, no root.
package chtest

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// EngineVersion is the pinned version of the npm package that carries the engine.
const EngineVersion = "26.7.3-stable.1"

const (
	npmPackage  = "@chdb/lib-linux-x64-gnu"
	tarballName = "chdb-lib-linux-x64-gnu-" + EngineVersion + ".tgz"
	// tarballSHA512 is npm's "integrity" for the pinned tarball (base64 SHA-512).
	tarballSHA512 = "XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw=="
	libraryMember = "package/libchdb.so"
)

//go:embed csrc/launcher.c
var launcherSource []byte

// Engine locates the two files needed to run a server.
type Engine struct {
	Library  string // libchdb.so
	Launcher string // compiled launcher.c
}

// CacheDir returns $CHMCP_CACHE_DIR, else $XDG_CACHE_HOME/chmcp, else ~/.cache/chmcp.
func CacheDir() (string, error) {
	if d := os.Getenv("CHMCP_CACHE_DIR"); d != "" {
		return filepath.Abs(d)
	}
	// The XDG spec says relative values are invalid and must be ignored.
	if d := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "chmcp"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("chtest: no cache dir (set CHMCP_CACHE_DIR): %w", err)
	}
	return filepath.Join(home, ".cache", "chmcp"), nil
}

// EnsureEngine returns the engine, fetching libchdb.so with npm and compiling the
// launcher into the cache when missing. Safe to call from many processes at once.
func EnsureEngine(ctx context.Context, logf func(format string, args ...any)) (Engine, error) {
	if logf == nil {
		logf = discard
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return Engine{}, fmt.Errorf("chtest: the ClickHouse engine (%s) is only available for linux/amd64, not %s/%s",
			npmPackage, runtime.GOOS, runtime.GOARCH)
	}
	cache, err := CacheDir()
	if err != nil {
		return Engine{}, err
	}
	dir := filepath.Join(cache, "engine", EngineVersion)
	// The launcher name carries a hash of its source so an edited launcher.c gets rebuilt.
	sum := sha256.Sum256(launcherSource)
	eng := Engine{
		Library:  filepath.Join(dir, "libchdb.so"),
		Launcher: filepath.Join(dir, "launcher-"+hex.EncodeToString(sum[:6])),
	}
	// Files only appear by rename once complete, so existence means ready.
	if exists(eng.Library) && exists(eng.Launcher) {
		return eng, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Engine{}, fmt.Errorf("chtest: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".lock"), logf)
	if err != nil {
		return Engine{}, fmt.Errorf("chtest: locking the engine cache: %w", err)
	}
	defer unlock()
	// Re-check under the lock: another process may have finished meanwhile.
	if !exists(eng.Library) {
		if err := fetchLibrary(ctx, cache, eng.Library, logf); err != nil {
			return Engine{}, fmt.Errorf("chtest: fetching the ClickHouse engine: %w\n%s", err, howToGetEngine(cache))
		}
	}
	if !exists(eng.Launcher) {
		if err := buildLauncher(ctx, eng.Launcher, logf); err != nil {
			return Engine{}, fmt.Errorf("chtest: building the launcher: %w", err)
		}
	}
	return eng, nil
}

// howToGetEngine is appended to fetch errors so a failing test says what to do.
func howToGetEngine(cache string) string {
	return fmt.Sprintf("To get the engine run `make engine` or `go run ./cmd/chlocal fetch` "+
		"(needs npm and network access to the npm registry). Offline: on a machine with npm run "+
		"`npm pack %s@%s` and copy the .tgz to %s",
		npmPackage, EngineVersion, filepath.Join(cache, "dl", tarballName))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func discard(string, ...any) {}

var errNotFound = errors.New("not found in PATH")
