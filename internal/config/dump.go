package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Dump renders the configuration as "yaml" or "json" for `chmcp config`:
// every key of the reference table, in its order, with secrets shown as
// [REDACTED]. The output is a valid config file (with the password to fill
// in again).
func (c Config) Dump(format string) ([]byte, error) {
	tree := c.dumpTree()
	switch format {
	case "yaml":
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		n, err := tree.yamlNode()
		if err != nil {
			return nil, err
		}
		if err := enc.Encode(n); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case "json":
		var raw, out bytes.Buffer
		if err := tree.writeJSON(&raw); err != nil {
			return nil, err
		}
		if err := json.Indent(&out, raw.Bytes(), "", "  "); err != nil {
			return nil, err
		}
		out.WriteByte('\n')
		return out.Bytes(), nil
	default:
		return nil, fmt.Errorf("dump format: invalid value %q (allowed: yaml, json)", format)
	}
}

// dumpNode is an ordered tree of sections (children) and leaves (value).
type dumpNode struct {
	key      string
	children []*dumpNode
	value    any
}

func (c Config) dumpTree() *dumpNode {
	root := &dumpNode{}
	for i := range options {
		o := &options[i]
		n := root
		for part := range strings.SplitSeq(o.key, ".") {
			n = n.child(part)
		}
		n.value = o.value(&c)
		if v, ok := n.value.([]string); ok && v == nil {
			n.value = []string{} // print [] rather than null
		}
		if v, ok := n.value.([]ToolRule); ok && v == nil {
			n.value = []ToolRule{}
		}
	}
	return root
}

func (n *dumpNode) child(key string) *dumpNode {
	for _, ch := range n.children {
		if ch.key == key {
			return ch
		}
	}
	ch := &dumpNode{key: key}
	n.children = append(n.children, ch)
	return ch
}

func (n *dumpNode) yamlNode() (*yaml.Node, error) {
	if n.children == nil {
		var v yaml.Node
		err := v.Encode(n.value)
		return &v, err
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, ch := range n.children {
		v, err := ch.yamlNode()
		if err != nil {
			return nil, err
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ch.key}, v)
	}
	return m, nil
}

func (n *dumpNode) writeJSON(buf *bytes.Buffer) error {
	if n.children == nil {
		b, err := json.Marshal(n.value)
		buf.Write(b)
		return err
	}
	buf.WriteByte('{')
	for i, ch := range n.children {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(ch.key)
		buf.Write(k)
		buf.WriteByte(':')
		if err := ch.writeJSON(buf); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
