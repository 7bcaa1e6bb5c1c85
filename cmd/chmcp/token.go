package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
)

// tokenCommand mints a JWE connection token with the configured key
// (server.jwe.secret_key, and jwt_secret_key when set) and prints it on
// stdout. It refuses what the server would refuse, so a printed token works.
func tokenCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "mint a JWE connection token (docs/jwe.md) and print it",
		Description: "The key and the rules come from the usual configuration (--config, --jwe-secret-key, ...).\n" +
			"Empty claims keep the server's value. Prefer CHMCP_TOKEN_PASSWORD to --password (ps shows flags).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "ClickHouse host: clickhouse.host or one of server.jwe.allowed_hosts"},
			&cli.IntFlag{Name: "port", Usage: "ClickHouse port (0 = the server's, or the protocol default when --protocol/--tls change)"},
			&cli.StringFlag{Name: "database", Usage: "default database"},
			&cli.StringFlag{Name: "username", Usage: "ClickHouse user (with a cluster secret: the user the token acts as)"},
			&cli.StringFlag{Name: "password", Usage: "ClickHouse password (not with a cluster secret)", Sources: cli.EnvVars("CHMCP_TOKEN_PASSWORD")},
			&cli.StringFlag{Name: "protocol", Usage: "tcp or http"},
			&cli.BoolFlag{Name: "tls", Usage: "connect with TLS (--tls=false is refused when the server uses TLS)"},
			&cli.BoolFlag{Name: "tls-insecure-skip-verify", Usage: "skip certificate checks (only where the server skips them)"},
			&cli.StringFlag{Name: "ttl", Value: "24h", Usage: "lifetime, at most server.jwe.max_ttl (duration like 24h, or seconds)"},
		},
		Action: func(_ context.Context, cmd *cli.Command) error { return mintToken(cmd, stdout, stderr) },
	}
}

func mintToken(cmd *cli.Command, stdout, stderr io.Writer) error {
	// The configuration flags belong to the root command; this command's
	// own --port is the token's, not server.port.
	cfg, err := tokenConfig(cmd.Root())
	if err != nil {
		return err
	}
	conn := jwe.Connection{
		Host: cmd.String("host"), Port: cmd.Int("port"), Database: cmd.String("database"),
		Username: cmd.String("username"), Password: cmd.String("password"), Protocol: cmd.String("protocol"),
	}
	if cmd.IsSet("tls") {
		v := cmd.Bool("tls")
		conn.TLS = &v
	}
	if cmd.IsSet("tls-insecure-skip-verify") {
		v := cmd.Bool("tls-insecure-skip-verify")
		conn.TLSInsecureSkipVerify = &v
	}
	ttl, err := config.ParseDuration(cmd.String("ttl"))
	if err != nil {
		return fmt.Errorf("--ttl: %w", err)
	}
	policy, err := identity.NewPolicy(cfg.ClickHouse.Impersonation, cfg.ClickHouse.Username)
	if err != nil {
		return err
	}
	key, err := cfg.Server.JWE.ReadSecretKey()
	if err != nil {
		return err
	}
	minter := jwe.Minter{Base: cfg.ClickHouse, Config: cfg.Server.JWE, Policy: policy, Key: []byte(key.Reveal()), JWTKey: []byte(cfg.Server.JWE.JWTSecretKey.Reveal())}
	token, exp, err := minter.Mint(conn, ttl.D(), time.Now())
	switch {
	case errors.Is(err, jwe.ErrNotAllowed):
		return fmt.Errorf("the server would refuse this token: %w", err)
	case err != nil:
		return err
	}
	if _, err := fmt.Fprintln(stdout, token); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stderr, "chmcp token: expires %s\n", exp.UTC().Format(time.RFC3339))
	return nil
}

// tokenConfig loads the configuration and validates its server.jwe section
// as serve would, whatever the transport: minting runs no server.
func tokenConfig(root *cli.Command) (config.Config, error) {
	cfg, err := config.FromCommand(root)
	if err != nil && cfg.Server.Transport == "" {
		return cfg, err // not a validation error: nothing was assembled
	}
	cfg.Server.JWE.Enabled = true
	if cfg.Server.Transport == config.TransportStdio {
		cfg.Server.Transport = config.TransportHTTP
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}
