package config

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Migration is another server's configuration rewritten for chmcp.
type Migration struct {
	// YAML is a chmcp config file with a comment on every line that
	// differs from the source and, at the end, what was not carried.
	YAML []byte
	// Lost lists the settings that could not be carried; non-empty means
	// the result needs a person's attention.
	Lost []string
}

// setting is one value of the other server: where it came from (a file
// key, a flag or a variable), the dotted key in altinity-mcp's layout
// (which chmcp's follows) and the value, decoded from YAML or a string.
type setting struct {
	source string
	key    string
	value  any
}

// migration accumulates the chmcp keys and the comments.
type migration struct {
	values   map[string]any    // chmcp key -> value
	comments map[string]string // chmcp key -> why it differs from the source
	secrets  map[string]string // chmcp key -> the source that held a secret
	dropped  []string          // no effect; noted, not lost
	lost     []string
}

func newMigration() *migration {
	return &migration{values: map[string]any{}, comments: map[string]string{}, secrets: map[string]string{}}
}

// set records a chmcp key; comment says what changed ("" = carried as is).
func (m *migration) set(key string, v any, comment string) {
	o := optionByKey[key]
	if _, secret := o.field(&Config{}).(*Secret); secret {
		m.secrets[key] = comment
		return
	}
	m.values[key] = typed(o, v)
	if comment != "" {
		m.comments[key] = comment
	}
}

// typed converts a string from a flag or variable to the key's type.
func typed(o *option, v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch o.field(&Config{}).(type) {
	case *bool:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case *int, *int64:
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	case *[]string:
		return splitList([]string{s})
	}
	return s
}

func (m *migration) lose(source, hint string) { m.lost = append(m.lost, source+": "+hint) }

// carryAltinity maps one altinity-mcp setting.
func (m *migration) carryAltinity(s setting) {
	key, src := s.key, s.source
	switch {
	case (key == "server.oauth.issuer" || key == "server.oauth.scopes") && (foreign{}).isNeutral(s.value):
		m.dropped = append(m.dropped, src+": empty")
	case key == "server.oauth.issuer":
		m.set("server.oauth.upstream.issuer", s.value, src+": altinity-mcp's issuer is the identity provider's")
		m.lose(src, "set server.oauth.issuer to the URL clients reach chmcp at (chmcp is the authorization server)")
	case key == "server.oauth.scopes":
		m.set("server.oauth.upstream.scopes", s.value, src+": the scopes requested from the identity provider")
	case key == "server.oauth.client_id" || key == "server.oauth.client_secret":
		m.set("server.oauth.upstream."+strings.TrimPrefix(key, "server.oauth."), s.value, src+": chmcp's client at the identity provider")
	case key == "server.oauth.mode":
		if fmt.Sprint(s.value) != OAuthModeGating {
			m.lose(src, "chmcp has only mode gating: it issues its own tokens after the upstream login (docs/oauth.md)")
		}
	case key == "server.dynamic_tools" || key == "server.tools":
		m.carryTools(s)
	case slices.Contains([]string{"clickhouse.max_result_rows", "clickhouse.max_result_bytes", "clickhouse.max_query_length", "clickhouse.limit"}, key) && toInt(s.value) <= 0:
		m.dropped = append(m.dropped, fmt.Sprintf("%s: %v (altinity-mcp's default or no limit; chmcp keeps its own default limit)", src, s.value))
	case optionByKey[key] != nil:
		o, comment := optionByKey[key], ""
		if src != key && src != "--"+o.flag && src != o.env {
			comment = "altinity-mcp: " + src
		}
		m.set(key, s.value, comment)
	case aliasByKey[key] != nil:
		a := aliasByKey[key]
		if (foreign{}).isNeutral(s.value) {
			m.dropped = append(m.dropped, src+": empty")
			return
		}
		m.set(a.target, s.value, "altinity-mcp: "+src)
	default:
		if f, ok := foreignKeys[key]; ok {
			if f.isNeutral(s.value) {
				m.dropped = append(m.dropped, fmt.Sprintf("%s (no effect at this value)", src))
				return
			}
			m.lose(src, f.hint)
			return
		}
		m.lose(src, "unknown to chmcp")
	}
}

// carryTools turns altinity-mcp's tool rules into chmcp's server.tools.
func (m *migration) carryTools(s setting) {
	list, _ := s.value.([]any)
	var rules []ToolRule
	var notes []string
	for i, item := range list {
		r, _ := item.(map[string]any)
		str := func(k string) string { v, _ := r[k].(string); return v }
		switch {
		case str("view_regexp") != "" || str("table_regexp") != "" || str("regexp") != "":
			t := ToolRule{Type: str("type"), ViewRegexp: str("view_regexp"), TableRegexp: str("table_regexp"), Mode: str("mode"), Prefix: str("prefix")}
			if re := str("regexp"); re != "" { // legacy dynamic_tools
				t.ViewRegexp = re
			}
			if t.Type == "" {
				t.Type = ToolRead
			}
			if str("name") != "" {
				notes = append(notes, fmt.Sprintf("rule %d: name %q dropped, chmcp names tools prefix + view (docs/dynamic-tools.md)", i+1, str("name")))
			}
			rules = append(rules, t)
		case str("name") == "execute_query" || str("name") == "write_query":
			notes = append(notes, fmt.Sprintf("rule %d: %s is built in (write_query when read_only is false)", i+1, str("name")))
		default:
			m.lose(fmt.Sprintf("%s[%d]", s.source, i), "not a rule chmcp understands")
		}
	}
	if len(rules) == 0 && len(notes) == 0 {
		return
	}
	comment := ""
	if s.key != "server.tools" || len(notes) > 0 {
		comment = strings.TrimPrefix(strings.Join(append([]string{"from " + s.source}, notes...), "; "), "from server.tools; ")
	}
	m.values["server.tools"] = append(toolsOf(m.values["server.tools"]), rules...)
	m.comments["server.tools"] = comment
}

func toolsOf(v any) []ToolRule { r, _ := v.([]ToolRule); return r }

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

// render writes the chmcp file in the order of the reference table.
func (m *migration) render(header string) (Migration, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for i := range options {
		o := &options[i]
		v, isValue := m.values[o.key]
		why, isSecret := m.secrets[o.key]
		if !isValue && !isSecret {
			continue
		}
		var val yaml.Node
		if isSecret {
			where := o.env
			if optionByKey[o.key+"_file"] != nil {
				where += " or " + o.key + "_file"
			}
			if why != "" {
				why += "; "
			}
			val = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "",
				LineComment: fmt.Sprintf("%ssecret not printed: set %s", why, where)}
		} else if err := val.Encode(v); err != nil {
			return Migration{}, err
		}
		n := root
		parts := strings.Split(o.key, ".")
		for _, p := range parts[:len(parts)-1] {
			n = childMap(n, p)
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: parts[len(parts)-1]}
		if c := m.comments[o.key]; c != "" && val.Kind == yaml.ScalarNode {
			val.LineComment = c
		} else if c != "" {
			key.LineComment = c // a block list: the comment goes after "key:"
		}
		n.Content = append(n.Content, key, &val)
	}
	var foot []string
	for _, d := range m.dropped {
		foot = append(foot, "dropped: "+d)
	}
	for _, l := range m.lost {
		foot = append(foot, "NOT CARRIED: "+l)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}, HeadComment: header}
	if len(root.Content) == 0 {
		root.Style = yaml.FlowStyle
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return Migration{}, err
	}
	if err := enc.Close(); err != nil {
		return Migration{}, err
	}
	for _, f := range foot {
		buf.WriteString("# " + f + "\n")
	}
	return Migration{YAML: buf.Bytes(), Lost: m.lost}, nil
}

func childMap(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	c := &yaml.Node{Kind: yaml.MappingNode}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, c)
	return c
}
