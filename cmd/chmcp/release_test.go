package main

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRelease runs `make release` (for this machine's platform only, to stay
// quick) in a fresh repository of this tree: it refuses what is not a
// release (no tag, no CHANGELOG section, a chart for another version, a
// dirty checkout), and otherwise writes a static binary that says its
// version, checksums that match, and the version's CHANGELOG section; a
// second run gives the same bytes.
func TestRelease(t *testing.T) {
	t.Parallel()
	src, git := snapshot(t)
	platform := runtime.GOOS + "/" + runtime.GOARCH
	release := func(out string) (string, error) {
		t.Helper()
		b, err := makeIn(src, "release", "PLATFORMS="+platform, "OUT="+out).CombinedOutput()
		return string(b), err
	}
	refused := func(why, want string) {
		t.Helper()
		out, err := release(t.TempDir())
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("%s: make release must fail saying %q; got err %v:\n%s", why, want, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitAndTag := func() {
		git("commit", "-q", "-a", "-m", "release")
		git("tag", "-f", "v1.2.3")
	}

	refused("no tag", `version "`+git("rev-parse", "--short", "HEAD")+`" is not a release version`)

	git("tag", "v1.2.3")
	refused("no CHANGELOG section", `CHANGELOG.md has no section "## v1.2.3"`)

	write("CHANGELOG.md", "# Changelog\n\n## v1.2.3 (2026-03-04)\n\n- New: everything.\n\n## v1.2.2\n\n- Old news.\n")
	chart := filepath.Join("deploy", "helm", "chmcp", "Chart.yaml")
	meta, err := os.ReadFile(filepath.Join(src, chart))
	if err != nil {
		t.Fatal(err)
	}
	write(chart, strings.Replace(string(meta), `appVersion: "v0.1.0"`, `appVersion: "v1.2.2"`, 1))
	commitAndTag()
	refused("the chart deploys another version", `has appVersion "v1.2.2"; set it to "v1.2.3"`)

	write(chart, strings.Replace(string(meta), `appVersion: "v0.1.0"`, `appVersion: "v1.2.3"`, 1))
	commitAndTag()
	dist := t.TempDir()
	if out, err := release(dist); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	name := "chmcp-v1.2.3-" + strings.ReplaceAll(platform, "/", "-")
	sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, f := range []string{name, "RELEASE_NOTES.md"} {
		b, err := os.ReadFile(filepath.Join(dist, f))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		fmt.Fprintf(&want, "%s  %s\n", hex.EncodeToString(h[:]), f)
	}
	if string(sums) != want.String() {
		t.Errorf("SHA256SUMS:\n%s\nwant:\n%s", sums, want.String())
	}
	notes, _ := os.ReadFile(filepath.Join(dist, "RELEASE_NOTES.md"))
	if !strings.Contains(string(notes), "- New: everything.") || strings.Contains(string(notes), "Old news") {
		t.Errorf("RELEASE_NOTES.md must be the v1.2.3 section only:\n%s", notes)
	}
	bin := filepath.Join(dist, name)
	out, err := exec.Command(bin, "version").CombinedOutput()
	long := git("rev-parse", "--short=12", "HEAD")
	if prefix := "chmcp v1.2.3 (commit " + long + ", date 2026-03-04T03:06:07Z, "; err != nil || !strings.HasPrefix(string(out), prefix) {
		t.Errorf("%s version: %v %q, want %q...", name, err, out, prefix)
	}
	if f, err := elf.Open(bin); err == nil { // Linux: no interpreter, no shared libraries
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", name)
			}
		}
	} else if runtime.GOOS == "linux" {
		t.Fatal(err)
	}

	again := t.TempDir()
	if out, err := release(again); err != nil {
		t.Fatalf("make release again: %v\n%s", err, out)
	}
	if sums2, _ := os.ReadFile(filepath.Join(again, "SHA256SUMS")); string(sums2) != string(sums) {
		t.Errorf("not reproducible:\n%s\nthen\n%s", sums, sums2)
	}

	write("README.md", "changed\n")
	refused("uncommitted changes", "uncommitted changes")
}
