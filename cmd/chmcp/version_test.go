package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionFromCleanCheckout builds chmcp the way `make build` does, in a
// fresh git repository holding this tree (a clean clone without tags, as CI
// has), and checks what `chmcp version` says: never "dev", the commit, and
// the commit's own time; then with a tag, then with an uncommitted change.
func TestVersionFromCleanCheckout(t *testing.T) {
	t.Parallel()
	src, git := snapshot(t)
	short, long := git("rev-parse", "--short", "HEAD"), git("rev-parse", "--short=12", "HEAD")

	version := func() string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "bin")
		cmd := makeIn(src, "build", "BINDIR="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make build: %v\n%s", err, out)
		}
		out, err := exec.Command(filepath.Join(bin, "chmcp"), "version").CombinedOutput()
		if err != nil {
			t.Fatalf("chmcp version: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// The date is the commit's, in UTC, whenever the build runs.
	tail := regexp.QuoteMeta(" (commit "+long+", date 2026-03-04T03:06:07Z, ") + `go1\.\d+.* \w+/\w+\)$`
	if got := version(); !regexp.MustCompile("^chmcp " + regexp.QuoteMeta(short) + tail).MatchString(got) {
		t.Fatalf("clean checkout without tags: got %q, want the short commit %s as the version, commit %s and the commit date", got, short, long)
	}
	git("tag", "v9.8.7")
	if got := version(); !regexp.MustCompile("^chmcp v9\\.8\\.7" + tail).MatchString(got) {
		t.Fatalf("tagged checkout: got %q", got)
	}
	if err := os.WriteFile(filepath.Join(src, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := version(); !regexp.MustCompile("^chmcp v9\\.8\\.7-dirty" + tail).MatchString(got) {
		t.Fatalf("uncommitted change: got %q", got)
	}
}

// TestVersionFromBuildInfo: without -ldflags, `go install ...@v1.2.3` and a
// plain `go build` in a checkout still say which code they are.
func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}
	if v, c, d := fromBuildInfo(installed, "dev", "", ""); v != "v1.2.3" || c != "" || d != "" {
		t.Fatalf("go install: %q %q %q", v, c, d)
	}
	built := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if v, c, d := fromBuildInfo(built, "dev", "", ""); v != "dev-0123456789ab-dirty" || c != "0123456789ab" || d != "2026-01-02T03:04:05Z" {
		t.Fatalf("go build in a checkout: %q %q %q", v, c, d)
	}
	if v, c, d := fromBuildInfo(built, "v2.0.0", "fedcba987654", "2026-05-06T07:08:09Z"); v != "v2.0.0" || c != "fedcba987654" || d != "2026-05-06T07:08:09Z" {
		t.Fatalf("-ldflags must win: %q %q %q", v, c, d)
	}
}

// snapshot makes a fresh git repository of this tree as it is on disk (one
// commit, dated 2026-03-04T05:06:07+02:00, no tags) and returns its
// directory and a git runner in it.
func snapshot(t *testing.T) (string, func(args ...string) string) {
	t.Helper()
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to build chmcp the way the Makefile does: %v", tool, err)
		}
	}
	src := copyTree(t, repoRoot(t), t.TempDir())
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2026-03-04T05:06:07+02:00", "GIT_COMMITTER_DATE=2026-03-04T05:06:07+02:00")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "snapshot")
	return src, git
}

// makeIn runs make in dir as a user would from a shell: without what an
// enclosing `make test` passes down (its flags, job server, VERSION=...).
func makeIn(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("make", append([]string{"-s"}, args...)...)
	cmd.Dir = dir
	for _, e := range os.Environ() {
		switch name, _, _ := strings.Cut(e, "="); name {
		case "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL":
		default:
			cmd.Env = append(cmd.Env, e)
		}
	}
	return cmd
}

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("the version test needs the git checkout of chmcp: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// copyTree copies the files git would commit (tracked and new, not ignored)
// from root to dst, as they are on disk now.
func copyTree(t *testing.T, root, dst string) string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		} else if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
