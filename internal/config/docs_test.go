package config

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated reference in docs/configuration.md")

const (
	docsPath   = "../../docs/configuration.md"
	beginMark  = "<!-- BEGIN GENERATED: options (go test ./internal/config -run TestDocs -update-docs) -->"
	endMark    = "<!-- END GENERATED: options -->"
	docSection = "### "
)

// referenceTable renders the option table as Markdown, one table per
// top-level section.
func referenceTable() string {
	var b strings.Builder
	section := ""
	for _, o := range options {
		if s := o.key[:strings.Index(o.key, ".")]; s != section {
			section = s
			fmt.Fprintf(&b, "\n%s`%s`\n\n", docSection, s)
			b.WriteString("| Key | Flag | Env var | Type | Default | Allowed | Meaning |\n")
			b.WriteString("|---|---|---|---|---|---|---|\n")
		}
		def := "`" + o.defaultText() + "`"
		if o.defaultText() == "" {
			def = "(empty)"
		}
		allowed := o.allowed
		if allowed == "" {
			allowed = "any"
		}
		kind := strings.TrimPrefix(strings.TrimPrefix(kindOfPtr(o.field(&Config{})), "an "), "a ")
		if _, secret := o.field(&Config{}).(*Secret); secret {
			kind = "secret string"
		}
		flag, env := "`--"+o.flag+"`", "`"+o.env+"`"
		if o.fileOnly() {
			flag, env = "(file only)", "(file only)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n",
			o.key, flag, env, kind, def, mdEscape(allowed), mdEscape(o.usage))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// TestDocsReference keeps docs/configuration.md in sync with the option
// table: the block between the markers must be exactly what the table
// generates. Run with -update-docs to regenerate it.
func TestDocsReference(t *testing.T) {
	raw, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if i < 0 || j < i {
		t.Fatalf("%s: generated block markers not found", docsPath)
	}
	want := referenceTable() + "\n"
	got := doc[i+len(beginMark) : j]
	if got == want {
		return
	}
	if *updateDocs {
		doc = doc[:i+len(beginMark)] + want + doc[j:]
		if err := os.WriteFile(docsPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the option table; run: go test ./internal/config -run TestDocs -update-docs", docsPath)
}

// TestDocsExample loads the annotated example of docs/configuration.md: it
// must be a valid, strict config file that sets every key.
func TestDocsExample(t *testing.T) {
	raw, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- example -->\\s*```yaml\\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatal("example yaml block (after <!-- example -->) not found")
	}
	example := string(m[1])
	cfg, err := LoadFile(writeFile(t, "example.yaml", example))
	if err != nil {
		t.Fatalf("docs example does not load: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("docs example is invalid: %v", err)
	}
	for _, o := range options {
		leaf := o.key[strings.LastIndex(o.key, ".")+1:]
		if !regexp.MustCompile(`(?m)^\s*#?\s*` + leaf + `:`).MatchString(example) {
			t.Errorf("docs example does not show %s", o.key)
		}
	}
}
