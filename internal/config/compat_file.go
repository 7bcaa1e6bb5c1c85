package config

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// mark records that the file sets the chmcp key target, written as name;
// the same key under two names (say signing_key and signing_secret) is an
// error rather than a silent choice.
func (f *fileErrors) mark(line, col int, target, name string) {
	if f.set == nil {
		f.set = map[string]string{}
	}
	if prev, ok := f.set[target]; ok && prev != name {
		f.add(line, col, name, "sets %s, which %s already sets: keep one", target, prev)
		return
	}
	f.set[target] = name
}

// otherYAML reads a key of another server's layout: an alias is decoded
// into its chmcp key, an alias-only section is walked, a foreign key is
// accepted when its value changes nothing and refused with a hint
// otherwise. It reports false for a key it does not know.
func (f *fileErrors) otherYAML(kn, vn *yaml.Node, key string, cfg *Config) bool {
	if a := aliasByKey[key]; a != nil {
		var v any
		if vn.Decode(&v) == nil && (foreign{}).isNeutral(v) {
			f.notes = append(f.notes, fmt.Sprintf("%s: ignored, empty (%s in chmcp)", key, a.target))
		} else {
			f.useAlias(kn.Line, kn.Column, a)
			if err := decodeYAMLValue(vn, optionByKey[a.target].field(cfg)); err != nil {
				f.add(vn.Line, vn.Column, key, "%s", err)
			}
		}
		return true
	}
	if aliasSections[key] {
		walkYAML(f, vn, key, cfg)
		return true
	}
	fk, ok := foreignKeys[key]
	if !ok {
		return false
	}
	var v any
	if err := vn.Decode(&v); err != nil {
		v = vn.Value
	}
	f.foreign(kn.Line, kn.Column, key, fk, v)
	return true
}

// otherJSON is otherYAML for JSON files.
func (f *fileErrors) otherJSON(raw json.RawMessage, key string, cfg *Config) bool {
	if a := aliasByKey[key]; a != nil {
		var v any
		if json.Unmarshal(raw, &v) == nil && (foreign{}).isNeutral(v) {
			f.notes = append(f.notes, fmt.Sprintf("%s: ignored, empty (%s in chmcp)", key, a.target))
		} else {
			f.useAlias(0, 0, a)
			if err := decodeJSONValue(raw, optionByKey[a.target].field(cfg)); err != nil {
				f.add(0, 0, key, "%s", err)
			}
		}
		return true
	}
	if aliasSections[key] {
		walkJSON(f, raw, key, cfg)
		return true
	}
	fk, ok := foreignKeys[key]
	if !ok {
		return false
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		v = string(raw)
	}
	if n, isNum := v.(float64); isNum && n == float64(int64(n)) {
		v = int(n) // compare like YAML integers
	}
	f.foreign(0, 0, key, fk, v)
	return true
}

func (f *fileErrors) useAlias(line, col int, a *alias) {
	f.mark(line, col, a.target, a.key)
	f.notes = append(f.notes, a.note(a.key))
}

func (f *fileErrors) foreign(line, col int, key string, fk foreign, v any) {
	if fk.isNeutral(v) {
		f.notes = append(f.notes, fmt.Sprintf("%s: ignored, its value changes nothing in chmcp (%s)", key, fk.hint))
		return
	}
	f.add(line, col, key, "not supported by chmcp: %s", fk.hint)
}
