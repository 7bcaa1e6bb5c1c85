package config

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Migrate rewrites the configuration of another server (FromAltinity or
// FromMCPClickHouse) for chmcp: its config file (nil: none; for
// mcp-clickhouse a .env file), its command-line arguments and its
// environment ("NAME=value" entries). Later sources win, as in the other
// server: file, then environment, then flags.
func Migrate(from string, file []byte, args, environ []string) (Migration, error) {
	m := newMigration()
	if from == "altinity" {
		from = FromAltinity
	}
	switch from {
	case FromAltinity:
		if err := m.altinityFile(file); err != nil {
			return Migration{}, err
		}
		for _, s := range altinityEnv(environ) {
			m.carryAltinity(s)
		}
		for _, s := range altinityFlags(args, m) {
			m.carryAltinity(s)
		}
		if _, set := m.values["clickhouse.protocol"]; !set {
			m.values["clickhouse.protocol"], m.comments["clickhouse.protocol"] = ProtocolHTTP, "altinity-mcp's default (chmcp's is tcp)"
		}
	case FromMCPClickHouse:
		if len(args) > 0 {
			return Migration{}, fmt.Errorf("mcp-clickhouse takes no flags; unexpected %q", args[0])
		}
		m.mcpClickHouse(append(dotEnv(file), environ...))
	default:
		return Migration{}, fmt.Errorf("--from: invalid value %q (allowed: altinity, %s, %s)", from, FromAltinity, FromMCPClickHouse)
	}
	slices.Sort(m.lost)
	return m.render(fmt.Sprintf("chmcp configuration migrated from %s by `chmcp migrate`.\nCheck every commented line; see docs/migrating.md.", from))
}

// altinityFile reads altinity-mcp's YAML or JSON file, or the `config:`
// block of its Helm chart values.
func (m *migration) altinityFile(file []byte) error {
	if len(bytes.TrimSpace(file)) == 0 {
		return nil
	}
	var doc map[string]any
	if err := yaml.Unmarshal(file, &doc); err != nil {
		return fmt.Errorf("altinity-mcp config: %w", err)
	}
	if c, ok := doc["config"].(map[string]any); ok && doc["clickhouse"] == nil && doc["server"] == nil {
		doc = c // Helm values: the chart writes config: to the config file
	}
	var walk func(prefix string, v map[string]any)
	walk = func(prefix string, v map[string]any) {
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			key := childKey(prefix, k)
			_, isForeign := foreignKeys[key]
			sub, isMap := v[k].(map[string]any)
			if isMap && !isForeign && optionByKey[key] == nil {
				walk(key, sub)
				continue
			}
			m.carryAltinity(setting{source: key, key: key, value: v[k]})
		}
	}
	walk("", doc)
	return nil
}

// altinityName derives altinity-mcp's flag and variable for a key of its
// layout: the same convention chmcp's own names follow.
func altinityName(key string) (flag, env string) {
	switch key {
	case "reload_time":
		return "config-reload-time", "CONFIG_RELOAD_TIME"
	case "multicluster":
		return "multicluster-enabled", "MCP_MULTICLUSTER_ENABLED"
	}
	rest, envPrefix, flagPrefix := key, "", ""
	for _, p := range [][3]string{{"server.oauth.", "MCP_OAUTH_", "oauth-"}, {"clickhouse.", "CLICKHOUSE_", "clickhouse-"}, {"server.", "MCP_SERVER_", "server-"}} {
		if strings.HasPrefix(key, p[0]) {
			rest, envPrefix, flagPrefix = strings.TrimPrefix(key, p[0]), p[1], p[2]
			break
		}
	}
	if envPrefix == "" {
		return "", ""
	}
	under := strings.ReplaceAll(rest, ".", "_")
	return flagPrefix + strings.ReplaceAll(under, "_", "-"), envPrefix + strings.ToUpper(under)
}

// altinityKeyOf maps one of altinity-mcp's flags or variables to its key.
func altinityKeyOf(flag, env string) (string, bool) {
	for _, o := range options {
		if (flag != "" && o.flag == flag) || (env != "" && o.env == env) {
			return o.key, true
		}
	}
	for _, a := range aliases {
		if a.from == FromAltinity && ((flag != "" && a.flag == flag) || (env != "" && a.env == env)) {
			if a.key != "" {
				return a.key, true
			}
			return a.target, true
		}
	}
	for k := range foreignKeys {
		f, e := altinityName(k)
		if (flag != "" && f == flag) || (env != "" && e == env) {
			return k, true
		}
	}
	return "", false
}

func altinityEnv(environ []string) []setting {
	var out []setting
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		key, ok := altinityKeyOf("", name)
		if !ok || val == "" || name == EnvConfigFile {
			continue
		}
		if key == "multicluster" {
			out = append(out, setting{name, key, map[string]any{"enabled": val == "true"}})
			continue
		}
		out = append(out, setting{name, key, val})
	}
	slices.SortFunc(out, func(a, b setting) int { return strings.Compare(a.source, b.source) })
	return out
}

// altinityFlags reads altinity-mcp's command line: --name value,
// --name=value, boolean --name, and --openapi http|https|disable.
func altinityFlags(args []string, m *migration) []setting {
	var out []setting
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			m.lose(arg, "altinity-mcp takes no positional arguments")
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		next := func() string {
			if !hasVal && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				return args[i]
			}
			return val
		}
		if name == "openapi" {
			v := next()
			if v == "" {
				v = "http"
			}
			comment := "altinity-mcp: --openapi " + v
			if v == "https" {
				comment += "; the scheme comes from server.openapi.public_url or X-Forwarded-Proto"
			}
			m.set("server.openapi.enabled", v != "disable" && v != "false", comment)
			continue
		}
		key, ok := altinityKeyOf(name, "")
		if !ok {
			m.lose("--"+name, "unknown to chmcp")
			next()
			continue
		}
		target := key
		if a := aliasByKey[key]; a != nil {
			target = a.target
		}
		if o := optionByKey[target]; o != nil {
			if _, isBool := o.field(&Config{}).(*bool); isBool {
				if !hasVal {
					val = "true"
				}
				out = append(out, setting{"--" + name, key, val})
				continue
			}
		}
		out = append(out, setting{"--" + name, key, next()})
	}
	return out
}

// mcpClickHouse carries mcp-clickhouse's variables. It always speaks HTTP,
// with TLS unless CLICKHOUSE_SECURE=false.
func (m *migration) mcpClickHouse(environ []string) {
	env := map[string]string{}
	var names []string
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if _, dup := env[name]; !dup {
			names = append(names, name)
		}
		env[name] = val
	}
	slices.Sort(names)
	secure := env["CLICKHOUSE_SECURE"] == "" || strings.EqualFold(env["CLICKHOUSE_SECURE"], "true")
	m.set("clickhouse.protocol", ProtocolHTTP, "mcp-clickhouse speaks HTTP")
	m.set("clickhouse.tls.enabled", secure, map[bool]string{true: "CLICKHOUSE_SECURE (default true)", false: "CLICKHOUSE_SECURE"}[secure])
	isTrue := func(v string) bool { return strings.EqualFold(v, "true") }
	for _, name := range names {
		v := env[name]
		src := name + "=" + v
		switch name {
		case "CLICKHOUSE_HOST", "CLICKHOUSE_PORT", "CLICKHOUSE_DATABASE", "CLICKHOUSE_PASSWORD":
			key, _ := altinityKeyOf("", name)
			m.set(key, v, "")
		case "CLICKHOUSE_USER":
			m.set("clickhouse.username", v, name)
		case "CLICKHOUSE_SECURE":
		case "CLICKHOUSE_VERIFY":
			m.set("clickhouse.tls.insecure_skip_verify", !isTrue(v), src)
		case "CLICKHOUSE_CONNECT_TIMEOUT":
			m.set("clickhouse.dial_timeout", v, name+" (seconds)")
		case "CLICKHOUSE_MCP_QUERY_TIMEOUT":
			m.set("clickhouse.max_execution_time", v, name+" (seconds)")
		case "CLICKHOUSE_ALLOW_WRITE_ACCESS":
			m.set("clickhouse.read_only", !isTrue(v), src)
		case "CLICKHOUSE_MCP_SERVER_TRANSPORT":
			m.set("server.transport", v, name)
		case "CLICKHOUSE_MCP_BIND_HOST":
			m.set("server.address", v, name)
		case "CLICKHOUSE_MCP_BIND_PORT":
			m.set("server.port", v, name)
		case "CLICKHOUSE_ENABLED":
			if !isTrue(v) {
				m.lose(src, "chmcp always serves ClickHouse")
			}
		case "CLICKHOUSE_ALLOW_DROP":
			if isTrue(v) {
				m.lose(src, "chmcp has no separate DROP switch: with read_only false, the ClickHouse user's grants decide")
			}
		default:
			switch hint := foreignVars[name]; {
			case hint != "":
				m.lose(src, hint)
			case strings.HasPrefix(name, "CHDB_"):
				m.lose(src, "chDB (embedded ClickHouse) is not supported; point chmcp at a ClickHouse server")
			case strings.HasPrefix(name, "CLICKHOUSE_"):
				m.lose(src, "unknown to chmcp")
			}
		}
	}
	if env["CLICKHOUSE_PORT"] == "" {
		m.set("clickhouse.port", map[bool]int{true: 8443, false: 8123}[secure], "mcp-clickhouse's default for CLICKHOUSE_SECURE")
	}
	if !isTrue(env["CLICKHOUSE_ALLOW_WRITE_ACCESS"]) {
		m.dropped = append(m.dropped, "read-only, as in mcp-clickhouse (clickhouse.read_only: true is chmcp's default)")
	}
}

// dotEnv reads KEY=VALUE lines of a .env file as python-dotenv does: #
// starts a comment, also after an unquoted value when preceded by
// whitespace; a value in single quotes is literal, one in double quotes
// takes escapes.
func dotEnv(file []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "))
		if line == "" || strings.HasPrefix(line, "#") || !strings.Contains(line, "=") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out = append(out, strings.TrimSpace(k)+"="+dotEnvValue(strings.TrimSpace(v)))
	}
	return out
}

var dotEnvComment = regexp.MustCompile(`\s+#.*$`)

func dotEnvValue(v string) string {
	if len(v) > 1 && (v[0] == '\'' || v[0] == '"') {
		for i := 1; i < len(v); i++ {
			switch {
			case v[i] == '\\' && v[0] == '"':
				i++ // an escape; the quote after it does not close
			case v[i] == v[0] && v[0] == '\'':
				return v[1:i]
			case v[i] == v[0]:
				if uq, err := strconv.Unquote(v[:i+1]); err == nil {
					return uq
				}
				return dotEnvComment.ReplaceAllString(v, "")
			}
		}
	}
	return dotEnvComment.ReplaceAllString(v, "")
}
