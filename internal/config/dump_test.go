package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestDumpRoundTrip(t *testing.T) {
	in := fullWant()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			out, err := in.Dump(format)
			if err != nil {
				t.Fatal(err)
			}
			// The dump is a valid, strict config file...
			got, err := LoadFile(writeFile(t, "dump."+format, string(out)))
			if err != nil {
				t.Fatalf("dump does not load back: %v\n%s", err, out)
			}
			// ...with the password redacted, and Validate says so.
			if got.ClickHouse.Password.Reveal() != "[REDACTED]" {
				t.Errorf("password = %q, want the placeholder", got.ClickHouse.Password.Reveal())
			}
			if err := got.Validate(); err == nil || !strings.Contains(err.Error(), "clickhouse.password: is the [REDACTED] placeholder") {
				t.Errorf("Validate of a reloaded dump: %v", err)
			}
			got.ClickHouse.Password = in.ClickHouse.Password
			if !reflect.DeepEqual(got, in) {
				t.Errorf("round trip\ngot  %+v\nwant %+v", got, in)
			}
		})
	}
}

// TestDumpKeys checks that a dump lists exactly the documented keys, in
// table order.
func TestDumpKeys(t *testing.T) {
	var want []string
	for _, o := range options {
		want = append(want, o.key)
	}
	out, err := Defaults().Dump("yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := childKey(prefix, n.Content[i].Value), n.Content[i+1]
			if v.Kind == yaml.MappingNode {
				walk(v, k)
			} else {
				got = append(got, k)
			}
		}
	}
	walk(doc.Content[0], "")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("yaml keys\ngot  %v\nwant %v", got, want)
	}

	js, err := Defaults().Dump("json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatalf("json dump invalid: %v\n%s", err, js)
	}
	if hosts := m["server"].(map[string]any)["allowed_hosts"]; !reflect.DeepEqual(hosts, []any{}) {
		t.Errorf("allowed_hosts dumps as %#v, want []", hosts)
	}
}

func TestDumpFormat(t *testing.T) {
	c := Defaults()
	y, _ := c.Dump("yaml")
	if !strings.HasPrefix(string(y), "clickhouse:\n  host: localhost\n") || !strings.Contains(string(y), "  max_execution_time: 30s\n") {
		t.Errorf("unexpected yaml:\n%s", y)
	}
	j, _ := c.Dump("json")
	if !strings.HasPrefix(string(j), "{\n  \"clickhouse\": {\n    \"host\": \"localhost\",") || !strings.HasSuffix(string(j), "}\n") {
		t.Errorf("unexpected json:\n%s", j)
	}
	for _, f := range []string{"", "toml", "YAML"} {
		if _, err := c.Dump(f); err == nil || !strings.Contains(err.Error(), "allowed: yaml, json") {
			t.Errorf("Dump(%q) err = %v", f, err)
		}
	}
}
