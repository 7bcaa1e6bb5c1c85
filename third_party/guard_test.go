// Package thirdparty holds the guard of the patched modules vendored here.
package thirdparty

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	clickhouseGo        = "github.com/ClickHouse/clickhouse-go/v2"
	clickhouseGoVersion = "v2.51.0"
	clickhouseGoDir     = "./third_party/clickhouse-go"
)

// TestClickHouseGoPatchPinned fails when go.mod moves clickhouse-go away from
// the version the patch in clickhouse-go/ was made and reviewed against, or
// stops using the patched copy: re-evaluate the patch first.
func TestClickHouseGoPatchPinned(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	require, replace := modLines(string(b))
	const hint = "; the patched copy in third_party/clickhouse-go is clickhouse-go " + clickhouseGoVersion +
		": re-evaluate each hunk of third_party/clickhouse-go/PATCHES.md against the new version (is it upstream now? " +
		"does it still apply?), then update the copy, PATCHES.md and this test together"
	if got := require[clickhouseGo]; got != clickhouseGoVersion {
		t.Fatalf("go.mod requires %s %q, not %s%s", clickhouseGo, got, clickhouseGoVersion, hint)
	}
	if got := replace[clickhouseGo]; got != clickhouseGoDir {
		t.Fatalf("go.mod replaces %s with %q, not %s%s", clickhouseGo, got, clickhouseGoDir, hint)
	}
	// The copy itself is of that version (client_info.go carries it).
	info, err := os.ReadFile(filepath.Join("clickhouse-go", "client_info.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ClientVersionMajor = 2", "ClientVersionMinor = 51", "ClientVersionPatch = 0"} {
		if !strings.Contains(strings.Join(strings.Fields(string(info)), " "), want) {
			t.Fatalf("third_party/clickhouse-go/client_info.go lacks %q%s", want, hint)
		}
	}
}

// modLines reads go.mod's require and replace directives (single-line or
// in blocks) into module -> version and module -> replacement path.
func modLines(gomod string) (require, replace map[string]string) {
	require, replace = map[string]string{}, map[string]string{}
	block := ""
	for _, line := range strings.Split(gomod, "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		directive := block
		switch {
		case len(f) == 0:
			continue
		case len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case f[0] == ")":
			block = ""
			continue
		case block == "":
			directive, f = f[0], f[1:]
		}
		switch {
		case directive == "require" && len(f) >= 2:
			require[f[0]] = f[1]
		case directive == "replace" && len(f) >= 3:
			// module [version] => path [version]
			if i := slices.Index(f, "=>"); i > 0 && i+1 < len(f) {
				replace[f[0]] = f[i+1]
			}
		}
	}
	return require, replace
}
