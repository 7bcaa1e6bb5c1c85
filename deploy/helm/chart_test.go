//go:build packaging

// Package helm tests the chart in chmcp/: helm lint, then helm template with
// the default values and one values file per identity mode (testdata/),
// checking the rendered objects and that chmcp accepts the configuration
// they give it. Run it with `make helm-test` (it sets $HELM).
package helm

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var chmcp string // the chmcp binary, built by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chmcp-helm-")
	if err != nil {
		panic(err)
	}
	chmcp = filepath.Join(dir, "chmcp")
	if out, err := exec.Command("go", "build", "-o", chmcp, "../../cmd/chmcp").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		t.Fatal("$HELM must name a helm v4 binary: run `make helm-test`")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.String(), err
	}
	return stdout.String(), nil
}

// rendered is the output of helm template, by kind.
type rendered struct {
	kinds      []string
	byKind     map[string]map[string]any
	deployment deployment
	config     map[string]any // the chmcp config file in the ConfigMap
	configText string
	secret     map[string]string // decoded
}

func render(t *testing.T, valuesFiles ...string) rendered {
	t.Helper()
	args := []string{"template", "rel", "chmcp", "--namespace", "mcp"}
	lint := []string{"lint", "--strict", "chmcp"}
	for _, f := range valuesFiles {
		args = append(args, "-f", f)
		lint = append(lint, "-f", f)
	}
	if out, err := helm(t, lint...); err != nil {
		t.Fatalf("helm lint %v: %v\n%s", valuesFiles, err, out)
	}
	out, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", valuesFiles, err, out)
	}
	r := rendered{byKind: map[string]map[string]any{}}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("helm template output is not YAML: %v", err)
		}
		if doc == nil {
			continue
		}
		kind, _ := doc["kind"].(string)
		if _, dup := r.byKind[kind]; dup {
			t.Fatalf("two %s objects", kind)
		}
		r.kinds = append(r.kinds, kind)
		r.byKind[kind] = doc
		if name := doc["metadata"].(map[string]any)["name"]; !strings.HasPrefix(name.(string), "rel-chmcp") {
			t.Errorf("%s is named %q, want rel-chmcp...", kind, name)
		}
	}
	slices.Sort(r.kinds)
	recode(t, r.byKind["Deployment"], &r.deployment)
	cm, _ := r.byKind["ConfigMap"]["data"].(map[string]any)
	r.configText, _ = cm["config.yaml"].(string)
	if err := yaml.Unmarshal([]byte(r.configText), &r.config); err != nil {
		t.Fatalf("config.yaml in the ConfigMap: %v\n%s", err, r.configText)
	}
	if s := r.byKind["Secret"]; s != nil {
		r.secret = map[string]string{}
		for k, v := range s["data"].(map[string]any) {
			b, err := base64.StdEncoding.DecodeString(v.(string))
			if err != nil {
				t.Fatalf("Secret key %s: %v", k, err)
			}
			r.secret[k] = string(b)
		}
	}
	return r
}

// recode turns a generic YAML value into a typed one.
func recode(t *testing.T, from any, to any) {
	t.Helper()
	b, err := yaml.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, to); err != nil {
		t.Fatal(err)
	}
}

// at returns the value at a dotted path of a YAML map ("" when absent).
func at(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
