package chtest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// fetchLibrary puts libchdb.so at dst. A tarball pre-seeded in <cache>/dl is used
// when its checksum matches (offline installs); otherwise npm downloads one.
func fetchLibrary(ctx context.Context, cache, dst string, logf func(string, ...any)) error {
	seeded := filepath.Join(cache, "dl", tarballName)
	if exists(seeded) {
		if err := verifyTarball(seeded); err != nil {
			logf("chtest: ignoring %s: %v", seeded, err)
		} else {
			logf("chtest: using pre-downloaded %s", seeded)
			return extractLibrary(ctx, seeded, dst, logf)
		}
	}
	// Download next to the destination so the temp dir is on the same disk and
	// leftovers of an interrupted run stay inside the cache.
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".npm-pack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	tgz, err := npmPack(ctx, tmp, logf)
	if err != nil {
		return err
	}
	if err := verifyTarball(tgz); err != nil {
		return err
	}
	return extractLibrary(ctx, tgz, dst, logf)
}

func npmPack(ctx context.Context, tmp string, logf func(string, ...any)) (string, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm: %w (install Node.js and npm)", errNotFound)
	}
	spec := npmPackage + "@" + EngineVersion
	logf("chtest: downloading the ClickHouse engine: npm pack %s (~178 MB, once per machine)", spec)
	start := time.Now()
	// A private npm cache keeps npm from storing a second 178 MB copy in ~/.npm.
	cmd := exec.CommandContext(ctx, npm, "pack", spec, "--pack-destination", tmp,
		"--cache", filepath.Join(tmp, "npm-cache"), "--loglevel=error")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm pack %s: %w\n%s", spec, err, tail(string(out), 20))
	}
	tgz := filepath.Join(tmp, tarballName)
	if !exists(tgz) {
		return "", fmt.Errorf("npm pack %s did not produce %s:\n%s", spec, tarballName, tail(string(out), 20))
	}
	logf("chtest: downloaded in %s", time.Since(start).Round(100*time.Millisecond))
	return tgz, nil
}

func verifyTarball(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != tarballSHA512 {
		return fmt.Errorf("checksum mismatch for %s: got sha512-%s, want sha512-%s", path, got, tarballSHA512)
	}
	return nil
}

// extractLibrary copies only libchdb.so out of the tarball, via a temp file and a rename.
func extractLibrary(ctx context.Context, tgz, dst string, logf func(string, ...any)) error {
	start := time.Now()
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", tgz, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s has no %s", tgz, libraryMember)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", tgz, err)
		}
		if hdr.Name != libraryMember {
			continue
		}
		if err := writeFileAtomic(dst, ctxReader{ctx, tr}, hdr.Size, 0o755); err != nil {
			return err
		}
		logf("chtest: extracted %s (%d MiB) in %s", dst, hdr.Size>>20, time.Since(start).Round(100*time.Millisecond))
		return nil
	}
}

// writeFileAtomic writes exactly size bytes from r to path without ever exposing a partial file.
func writeFileAtomic(path string, r io.Reader, size int64, mode os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("short write of %s: %d of %d bytes", path, n, size)
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ctxReader makes a long copy stop when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tail returns the last n non-empty lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
