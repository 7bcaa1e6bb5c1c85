package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time by `make build` / `make release`:
// -ldflags "-X main.version=v1.2.3 -X main.commit=0123abcd -X main.date=2026-01-02T03:04:05Z".
// The date is the commit's time, not the build's, so a build is reproducible.
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// init fills what the linker did not set from the module's build info:
// `go install github.com/chmcp/chmcp/cmd/chmcp@v1.2.3` records the module
// version, and a `go build` in a git checkout records the commit.
func init() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	version, commit, date = fromBuildInfo(info, version, commit, date)
}

func fromBuildInfo(info *debug.BuildInfo, version, commit, date string) (string, string, string) {
	if version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if commit == "" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		case "vcs.time":
			if date == "" {
				date = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if version == "dev" && commit != "" { // a plain `go build` in a checkout
		version = "dev-" + commit
		if modified {
			version += "-dirty"
		}
	}
	return version, commit, date
}

// versionLine is what `chmcp version` prints: one line, the fields a bug
// report needs.
func versionLine() string { return "chmcp " + versionDetail() }

// versionDetail is the version with its commit, date and toolchain
// (`chmcp --version` prints "chmcp version " before it).
func versionDetail() string {
	c, d := commit, date
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("%s (commit %s, date %s, %s %s/%s)", version, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
