package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/chmcp/chmcp/internal/config"
)

// errNotCarried: the migration printed, but something needs a person.
var errNotCarried = errors.New("some settings could not be carried (see the NOT CARRIED lines)")

// migrateCommand prints another server's configuration as a chmcp file.
func migrateCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "migrate",
		Usage:     "print the chmcp configuration equivalent to altinity-mcp's or mcp-clickhouse's (its file, flags after --, and environment)",
		ArgsUsage: "[-- <the other server's flags>]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "altinity (altinity-mcp) or " + config.FromMCPClickHouse},
			&cli.StringFlag{Name: "config", Usage: "the other server's config file (altinity-mcp YAML/JSON or Helm values; mcp-clickhouse .env)", TakesFile: true},
		},
		Action: func(_ context.Context, cmd *cli.Command) error {
			var file []byte
			if path := cmd.String("config"); path != "" {
				var err error
				if file, err = os.ReadFile(path); err != nil {
					return fmt.Errorf("--config: %w", err)
				}
			}
			m, err := config.Migrate(cmd.String("from"), file, cmd.Args().Slice(), os.Environ())
			if err != nil {
				return err
			}
			if _, err := stdout.Write(m.YAML); err != nil {
				return err
			}
			if len(m.Lost) > 0 {
				return errNotCarried
			}
			return nil
		},
	}
}
