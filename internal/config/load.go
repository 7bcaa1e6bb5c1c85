package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadFile reads a YAML or JSON config file over Defaults(). Files ending in
// .json are parsed as JSON; anything else (.yaml, .yml, ...) as YAML, which
// also reads JSON.
//
// Loading is strict: an unknown key, a section that is not a mapping or a
// value of the wrong type is an error that names the file and the dotted
// key (e.g. `chmcp.yaml:4:3: clickhouse.prot: unknown key (did you mean
// "clickhouse.port"?)`). All such problems are reported together. A null
// value (`key:` with nothing after it) leaves the default in place.
//
// LoadFile does not Validate the values; FromCommand does.
func LoadFile(path string) (Config, error) {
	cfg, _, err := loadFile(path)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// loadFile is LoadFile that also returns what the walk learned: the keys
// the file sets and the notes about other servers' names it accepted.
func loadFile(path string) (Config, *fileErrors, error) {
	fe := &fileErrors{path: path}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fe, fmt.Errorf("config file: %w", err)
	}
	cfg := Defaults()
	if strings.EqualFold(filepath.Ext(path), ".json") {
		err = loadJSON(fe, data, &cfg)
	} else {
		err = loadYAML(fe, data, &cfg)
	}
	return cfg, fe, err // on error, cfg is what could be read, for checkMeanings
}

// fileErrors collects the problems found in one file, the keys it sets
// (chmcp key -> the name written) and notes for the startup log.
type fileErrors struct {
	path  string
	errs  []error
	set   map[string]string
	notes []string
}

func (f *fileErrors) add(line, col int, key, format string, args ...any) {
	loc := f.path
	if line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", f.path, line, col)
	}
	if key != "" {
		loc += ": " + key
	}
	f.errs = append(f.errs, fmt.Errorf("%s: %s", loc, fmt.Sprintf(format, args...)))
}

func (f *fileErrors) err() error { return errors.Join(f.errs...) }

// childKey joins a section path and a key.
func childKey(section, key string) string {
	if section == "" {
		return key
	}
	return section + "." + key
}

// unknownKey describes a key that is neither an option nor a section.
func unknownKey(key string) string {
	if s := suggest(key); s != "" {
		return fmt.Sprintf("unknown key (did you mean %q?)", s)
	}
	return "unknown key"
}

// ---- YAML ----

func loadYAML(fe *fileErrors, data []byte, cfg *Config) error {
	path := fe.path
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // empty file: defaults
			return nil
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		fe.add(extra.Line, extra.Column, "", "more than one YAML document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	walkYAML(fe, root, "", cfg)
	return fe.err()
}

func walkYAML(fe *fileErrors, n *yaml.Node, section string, cfg *Config) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		fe.add(n.Line, n.Column, section, "expected a mapping of keys, got %s", yamlKind(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		key := childKey(section, kn.Value)
		if seen[kn.Value] {
			fe.add(kn.Line, kn.Column, key, "duplicate key")
			continue
		}
		seen[kn.Value] = true
		if vn.Kind == yaml.AliasNode {
			vn = vn.Alias
		}
		switch o := optionByKey[key]; {
		case o != nil:
			if vn.Tag == "!!null" {
				continue
			}
			fe.mark(kn.Line, kn.Column, key, key)
			if err := decodeYAMLValue(vn, o.field(cfg)); err != nil {
				fe.add(vn.Line, vn.Column, key, "%s", err)
			}
		case prefixes[key]:
			walkYAML(fe, vn, key, cfg)
		case fe.otherYAML(kn, vn, key, cfg):
		default:
			fe.add(kn.Line, kn.Column, key, "%s", unknownKey(key))
		}
	}
}

// decodeYAMLValue decodes a leaf, replacing yaml's type errors (which do not
// name the key) with a message about the expected type.
func decodeYAMLValue(n *yaml.Node, ptr any) error {
	want := kindOfPtr(ptr)
	if rules, ok := ptr.(*[]ToolRule); ok {
		return decodeYAMLRules(n, rules)
	}
	_, wantList := ptr.(*[]string)
	if (n.Kind == yaml.SequenceNode) != wantList || n.Kind == yaml.MappingNode {
		return fmt.Errorf("expected %s, got %s", want, yamlKind(n))
	}
	// yaml.v3 truncates 1.5 into an int and reads "yes" as a bool: demand
	// the exact scalar type instead.
	switch ptr.(type) {
	case *int, *int64:
		if n.Tag != "!!int" {
			return fmt.Errorf("expected %s, got %s", want, yamlKind(n))
		}
	case *bool:
		if n.Tag != "!!bool" {
			return fmt.Errorf("expected %s, got %s", want, yamlKind(n))
		}
	}
	err := n.Decode(ptr)
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return fmt.Errorf("expected %s, got %s", want, yamlKind(n))
	}
	return err
}

func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// ---- JSON ----

func loadJSON(fe *fileErrors, data []byte, cfg *Config) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := checkJSONSyntax(data); err != nil {
		return fmt.Errorf("%s: %w", fe.path, err)
	}
	walkJSON(fe, data, "", cfg)
	return fe.err()
}

// checkJSONSyntax reports a syntax error with its line and column, and
// refuses trailing data after the top-level value.
func checkJSONSyntax(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	err := dec.Decode(&v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return fmt.Errorf("line %d: unexpected data after the top-level JSON value", lineOf(data, dec.InputOffset()))
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %w", lineOf(data, se.Offset), err)
	}
	return err
}

func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func walkJSON(fe *fileErrors, data json.RawMessage, section string, cfg *Config) {
	if string(data) == "null" {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		fe.add(0, 0, section, "expected an object, got %s", jsonKind(data))
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic error order
	for _, k := range keys {
		key, raw := childKey(section, k), m[k]
		switch o := optionByKey[key]; {
		case o != nil:
			if string(raw) == "null" {
				continue
			}
			fe.mark(0, 0, key, key)
			if err := decodeJSONValue(raw, o.field(cfg)); err != nil {
				fe.add(0, 0, key, "%s", err)
			}
		case prefixes[key]:
			walkJSON(fe, raw, key, cfg)
		case fe.otherJSON(raw, key, cfg):
		default:
			fe.add(0, 0, key, "%s", unknownKey(key))
		}
	}
}

// decodeJSONValue decodes a leaf strictly; encoding/json's type errors are
// replaced by a message about the expected type.
func decodeJSONValue(raw json.RawMessage, ptr any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(ptr)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("expected %s, got %s", kindOfPtr(ptr), jsonKind(raw))
	}
	return err
}

func jsonKind(raw json.RawMessage) string {
	switch raw = bytes.TrimSpace(raw); {
	case len(raw) > 0 && raw[0] == '{':
		return "an object"
	case len(raw) > 0 && raw[0] == '[':
		return "an array"
	default:
		return string(raw)
	}
}

// decodeYAMLRules decodes a list of objects strictly: an unknown field in
// one rule is an error, like an unknown key anywhere else.
func decodeYAMLRules(n *yaml.Node, rules *[]ToolRule) error {
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("expected a list of tool rules, got %s", yamlKind(n))
	}
	out := make([]ToolRule, 0, len(n.Content))
	for i, item := range n.Content {
		b, err := yaml.Marshal(item)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		var r ToolRule
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("rule %d: %s", i+1, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		out = append(out, r)
	}
	*rules = out
	return nil
}

// kindOfPtr names what a field pointer expects.
func kindOfPtr(ptr any) string {
	switch ptr.(type) {
	case *bool:
		return "a boolean"
	case *int, *int64:
		return "an integer"
	case *Duration:
		return "a duration"
	case *[]string:
		return "a list of strings"
	case *[]ToolRule:
		return "a list of tool rules"
	default:
		return "a string"
	}
}

// ---- suggestions ----

// suggest returns the known key or section closest to an unknown key, if it
// is close enough to be a typo.
func suggest(key string) string {
	best, bestDist := "", 3
	for _, k := range knownKeys {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
