package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v3"
)

// Config-file flag and its environment variable.
const (
	FlagConfigFile = "config"
	EnvConfigFile  = "CONFIG_FILE"
)

// Flags returns a fresh set of command-line flags: --config plus one flag
// per configuration key, each also read from its environment variable.
// urfave/cli gives a flag precedence over its environment variable.
//
// An environment variable set to the empty string counts as unset.
//
// The flags carry no default Value: FromCommand overlays only what is set,
// on top of the file and Defaults(). Call Flags once per cli.Command; urfave
// flags hold parse state.
func Flags() []cli.Flag {
	flags := make([]cli.Flag, 0, len(options)+1)
	flags = append(flags, &cli.StringFlag{
		Name:      FlagConfigFile,
		Usage:     "YAML or JSON config file (unknown keys are an error)",
		Sources:   envVar(EnvConfigFile),
		TakesFile: true,
	})
	for i := range options {
		if options[i].fileOnly() {
			continue
		}
		flags = append(flags, options[i].cliFlag())
	}
	return append(flags, aliasFlags()...) // hidden: other servers' names
}

// envSource reads an environment variable, treating an empty value as unset.
// urfave/cli's own env source would read CLICKHOUSE_READ_ONLY="" as false
// (silently dropping read-only mode when a deployment template expands an
// unset variable) and CLICKHOUSE_HOST="" as an empty host, while ignoring
// empty integer variables: one rule for all types is safer.
type envSource struct{ key string }

func envVar(key string) cli.ValueSourceChain { return cli.NewValueSourceChain(envSource{key}) }

func (e envSource) Lookup() (string, bool) {
	v, ok := os.LookupEnv(e.key)
	return v, ok && v != ""
}

func (e envSource) IsFromEnv() bool  { return true } // help shows [$KEY]
func (e envSource) Key() string      { return e.key }
func (e envSource) String() string   { return fmt.Sprintf("environment variable %q", e.key) }
func (e envSource) GoString() string { return fmt.Sprintf("config.envSource{key:%q}", e.key) }

// categories titles the help sections by top-level key.
var categories = map[string]string{"clickhouse": "ClickHouse", "server": "MCP server", "logging": "Logging"}

// fileOnly: structured keys (lists of objects) have no flag or variable.
func (o *option) fileOnly() bool { return o.flag == "" }

// cliFlag builds o's flag; the flag type follows the field type. Durations
// are string flags parsed by ParseDuration, so "30" and "30s" both work.
func (o *option) cliFlag() cli.Flag {
	usage := o.usage
	_, isBool := o.field(&Config{}).(*bool)
	if o.allowed != "" && !isBool {
		usage += " [" + o.allowed + "]"
	}
	src := envVar(o.env)
	def := o.defaultText()
	hide := def == ""
	cat := categories[o.key[:strings.Index(o.key, ".")]]
	switch o.field(&Config{}).(type) {
	case *bool:
		return &cli.BoolFlag{Name: o.flag, Usage: usage, Sources: src, Category: cat, DefaultText: def, HideDefault: hide}
	case *int:
		return &cli.IntFlag{Name: o.flag, Usage: usage, Sources: src, Category: cat, DefaultText: def, HideDefault: hide}
	case *int64:
		return &cli.Int64Flag{Name: o.flag, Usage: usage, Sources: src, Category: cat, DefaultText: def, HideDefault: hide}
	case *[]string:
		return &cli.StringSliceFlag{Name: o.flag, Usage: usage, Sources: src, Category: cat, DefaultText: def, HideDefault: hide}
	default: // *string, *Secret, *Duration
		return &cli.StringFlag{Name: o.flag, Usage: usage, Sources: src, Category: cat, DefaultText: def, HideDefault: hide}
	}
}

// apply copies o's flag value from cmd into c.
func (o *option) apply(c *Config, cmd *cli.Command) error {
	switch p := o.field(c).(type) {
	case *string:
		*p = cmd.String(o.flag)
	case *Secret:
		*p = Secret(cmd.String(o.flag))
	case *bool:
		*p = cmd.Bool(o.flag)
	case *int:
		*p = cmd.Int(o.flag)
	case *int64:
		*p = cmd.Int64(o.flag)
	case *[]string:
		*p = splitList(cmd.StringSlice(o.flag))
	case *Duration:
		d, err := ParseDuration(cmd.String(o.flag))
		if err != nil {
			return fmt.Errorf("--%s (env %s): %w", o.flag, o.env, err)
		}
		*p = d
	default:
		panic(fmt.Sprintf("config: option %s has unsupported field type %T", o.key, p))
	}
	return nil
}

// splitList trims the items of a comma-separated list and drops empty ones,
// so MCP_ALLOWED_HOSTS="a, b," means [a b].
func splitList(in []string) []string {
	out := []string{}
	for _, s := range in {
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// FromCommand builds the effective configuration from a command that was
// given Flags(): Defaults(), overlaid by the --config / CONFIG_FILE file if
// any, overlaid by every flag that is set on the command line or through its
// environment variable (flag > env > file > default), then validated.
//
// When only Validate fails, the assembled Config is returned with the error
// so that callers can show it; on any other error the Config is zero.
func FromCommand(cmd *cli.Command) (Config, error) {
	cfg, _, err := assemble(cmd, "")
	return cfg, err
}
