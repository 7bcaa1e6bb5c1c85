package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v3"
)

// Notices are what loading tells the operator at startup: Info for other
// servers' names read as chmcp's and choices made from the settings,
// Warnings for environment variables nothing reads.
type Notices struct {
	Info, Warnings []string
}

// openAPIWords are altinity-mcp's values of its --openapi flag.
var openAPIWords = []string{"http", "https", "disable"}

// Load is FromCommand for the command that runs: it also refuses
// positional arguments (settings are flags, variables or the file) and
// returns the notices to log.
func Load(cmd *cli.Command) (Config, Notices, error) {
	args := cmd.Args().Slice()
	openAPIWord := ""
	// `--openapi disable`: the boolean flag leaves the word as an argument.
	if len(args) == 1 && slices.Contains(openAPIWords, args[0]) && cmd.IsSet("openapi") && cmd.Bool("openapi") {
		openAPIWord, args = args[0], nil
	}
	if len(args) > 0 {
		return Config{}, Notices{}, fmt.Errorf("unexpected argument %q: chmcp reads settings from --flags, environment variables and the --config file only, and the command (serve, config, test-connection, ...) comes first", args[0])
	}
	return assemble(cmd, openAPIWord)
}

// aliasFlags are hidden flags for the other servers' flags and variables;
// assemble copies them onto their chmcp keys.
func aliasFlags() []cli.Flag {
	var flags []cli.Flag
	for i := range aliases {
		a := &aliases[i]
		if a.flag == "" && a.env == "" {
			continue
		}
		o := *optionByKey[a.target]
		o.flag, o.env = a.cliName(), a.env // env "" reads nothing: a flag-only alias
		f := o.cliFlag()
		switch f := f.(type) {
		case *cli.BoolFlag:
			f.Hidden = true
		case *cli.IntFlag:
			f.Hidden = true
		case *cli.Int64Flag:
			f.Hidden = true
		case *cli.StringSliceFlag:
			f.Hidden = true
		case *cli.StringFlag:
			f.Hidden = true
		default:
			panic(fmt.Sprintf("config: alias %s: unexpected flag type %T", a.cliName(), f))
		}
		flags = append(flags, f)
	}
	return flags
}

// assemble builds, checks and validates the configuration: Defaults, the
// file, flags and variables (chmcp's names, then the other servers'), then
// the protocol implied by the port.
func assemble(cmd *cli.Command, openAPIWord string) (Config, Notices, error) {
	var n Notices
	cfg := Defaults()
	set := map[string]string{} // chmcp key -> the name that set it
	if cmd.IsSet(FlagConfigFile) {
		if path := cmd.String(FlagConfigFile); path != "" {
			c, fe, err := loadFile(path)
			n.Info = append(n.Info, fe.notes...)
			if err != nil {
				return Config{}, n, errors.Join(err, checkMeanings(c, fe.set))
			}
			cfg = c
			for k, v := range fe.set {
				set[k] = v
			}
		}
	}
	var errs []error
	byFlag := map[string]bool{}
	for i := range options {
		o := &options[i]
		if !o.fileOnly() && cmd.IsSet(o.flag) {
			byFlag[o.key], set[o.key] = true, "--"+o.flag+" / "+o.env
			if err := o.apply(&cfg, cmd); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for i := range aliases {
		a := &aliases[i]
		if (a.flag == "" && a.env == "") || !cmd.IsSet(a.cliName()) {
			continue
		}
		name := a.env
		switch {
		case a.flag != "" && a.env != "":
			name = "--" + a.flag + " / " + a.env
		case a.flag != "":
			name = "--" + a.flag
		}
		if byFlag[a.target] {
			errs = append(errs, fmt.Errorf("%s and %s both set %s: keep one", name, set[a.target], a.target))
			continue
		}
		o := *optionByKey[a.target]
		o.flag = a.cliName()
		if err := o.apply(&cfg, cmd); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		byFlag[a.target], set[a.target] = true, name
		n.Info = append(n.Info, a.note(name))
	}
	if len(errs) > 0 {
		return Config{}, n, errors.Join(errs...)
	}
	if openAPIWord != "" {
		cfg.Server.OpenAPI.Enabled = openAPIWord != "disable"
		set["server.openapi.enabled"] = "--openapi " + openAPIWord
		n.Info = append(n.Info, fmt.Sprintf("--openapi %s is altinity-mcp's form; read as server.openapi.enabled: %t%s", openAPIWord, cfg.Server.OpenAPI.Enabled,
			map[bool]string{true: " (the document's scheme comes from server.openapi.public_url or X-Forwarded-Proto)"}[openAPIWord == "https"]))
	}
	n.Warnings = unknownEnv(os.Environ())
	inferProtocol(&cfg, set, &n)
	if err := checkMeanings(cfg, set); err != nil {
		return Config{}, n, err
	}
	return cfg, n, cfg.Validate()
}

// inferProtocol: ports 8123 and 8443 are ClickHouse's HTTP(S) ports, so
// with no protocol said, they mean http (and 8443 TLS); the native protocol
// there would fail with an obscure handshake error.
func inferProtocol(cfg *Config, set map[string]string, n *Notices) {
	ch := &cfg.ClickHouse
	if set["clickhouse.protocol"] != "" || ch.Protocol != ProtocolTCP {
		return
	}
	if ch.Port == 0 && set["clickhouse.tls.enabled"] == "CLICKHOUSE_SECURE" { // mcp-clickhouse speaks HTTP only
		ch.Protocol = ProtocolHTTP
		n.Info = append(n.Info, fmt.Sprintf("CLICKHOUSE_SECURE (mcp-clickhouse) and no clickhouse.protocol: using protocol http, port %d", ch.EffectivePort()))
		return
	}
	if ch.Port != 8123 && ch.Port != 8443 {
		return
	}
	ch.Protocol = ProtocolHTTP
	msg := fmt.Sprintf("clickhouse.port %d is ClickHouse's HTTP port and no clickhouse.protocol is set: using protocol http", ch.Port)
	if ch.Port == 8443 && set["clickhouse.tls.enabled"] == "" && !ch.TLS.Enabled {
		ch.TLS.Enabled = true
		msg += " with TLS"
	}
	n.Info = append(n.Info, msg)
}

// checkMeanings refuses chmcp keys written with another server's meaning.
func checkMeanings(cfg Config, set map[string]string) error {
	var p problems
	o := cfg.Server.OAuth
	if set["server.oauth.issuer"] != "" && o.Issuer != "" && (o.Enabled && o.Upstream.Issuer == "" || o.Upstream.Issuer == o.Issuer) {
		p.add("server.oauth.issuer", "in chmcp this is chmcp's own public URL (clients reach chmcp there; the MCP resource is that URL + /), not the identity provider's. "+
			"The identity provider's issuer (altinity-mcp's oauth.issuer) is server.oauth.upstream.issuer: move %q there and set server.oauth.issuer to chmcp's URL", o.Issuer)
	}
	if set["server.oauth.scopes"] != "" && !strings.Contains(set["server.oauth.scopes"], "required") && set["server.oauth.upstream.scopes"] == "" && slices.Contains(o.Scopes, "openid") {
		p.add("server.oauth.scopes", "in chmcp these are the scopes a token must carry at chmcp's MCP endpoint, not the scopes requested from the identity provider. "+
			"Scopes to request (altinity-mcp's oauth.scopes, here %s) are server.oauth.upstream.scopes; altinity-mcp's required_scopes are server.oauth.scopes", strings.Join(o.Scopes, ", "))
	}
	return errors.Join(p...)
}

// unknownEnv names the variables with chmcp's prefixes that nothing reads.
// They are warnings, not errors: CLICKHOUSE_* may belong to other tools.
func unknownEnv(environ []string) []string {
	known := map[string]bool{EnvConfigFile: true}
	for _, o := range options {
		known[o.env] = true
	}
	for _, a := range aliases {
		known[a.env] = true
	}
	var out []string
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		ours := strings.HasPrefix(name, "CLICKHOUSE_") || strings.HasPrefix(name, "MCP_") || foreignVars[name] != ""
		if known[name] || val == "" || !ours {
			continue
		}
		msg := fmt.Sprintf("environment variable %s is not a chmcp setting and is ignored", name)
		if hint := foreignVars[name]; hint != "" {
			msg += ": " + hint
		} else if s := suggestEnv(name); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		out = append(out, msg)
	}
	sort.Strings(out)
	return out
}

// suggestEnv returns the chmcp variable closest to a misspelt one.
func suggestEnv(name string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if o.env == "" {
			continue
		}
		if d := editDistance(name, o.env); d < bestDist {
			best, bestDist = o.env, d
		}
	}
	return best
}
