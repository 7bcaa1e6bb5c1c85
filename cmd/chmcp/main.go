// Command chmcp is an MCP server for ClickHouse. This file is wiring only:
// configuration, logger, subcommands; the work lives in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/httpapi"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/mcp"
	"github.com/chmcp/chmcp/internal/memlimit"
	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/stdio"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp(os.Stdout, os.Stderr).Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "chmcp:", err)
		os.Exit(exitCode(err))
	}
}

// exitCodeCut is the exit code of a shutdown that cut calls in flight
// (docs/deployment.md); any other failure exits with 1.
const exitCodeCut = 3

func exitCode(err error) int {
	if _, ok := errors.AsType[*mcp.CutError](err); ok {
		return exitCodeCut
	}
	return 1
}

func newApp(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "chmcp",
		Usage:     "MCP server for ClickHouse: AI assistants query ClickHouse as the person who asked",
		Version:   versionDetail(),
		Flags:     config.Flags(),
		Writer:    stdout,
		ErrWriter: stderr,
		Action:    func(ctx context.Context, cmd *cli.Command) error { return serve(ctx, cmd, stderr) },
		Commands: []*cli.Command{
			{
				Name:   "serve",
				Usage:  "serve MCP over the configured transport (the default command)",
				Action: func(ctx context.Context, cmd *cli.Command) error { return serve(ctx, cmd, stderr) },
			},
			{
				Name:  "version",
				Usage: "print the version, commit and commit date",
				Action: func(_ context.Context, _ *cli.Command) error {
					_, err := fmt.Fprintln(stdout, versionLine())
					return err
				},
			},
			{
				Name:   "test-connection",
				Usage:  "connect to ClickHouse with the effective configuration and report version, user and latency",
				Action: func(ctx context.Context, cmd *cli.Command) error { return testConnection(ctx, cmd, stdout, stderr) },
			},
			tokenCommand(stdout, stderr),
			migrateCommand(stdout),
			{
				Name:  "config",
				Usage: "print the effective configuration (secrets redacted)",
				Flags: []cli.Flag{&cli.StringFlag{Name: "format", Value: "yaml", Usage: "yaml or json"}},
				Action: func(_ context.Context, cmd *cli.Command) error {
					cfg, notices, err := config.Load(cmd)
					printNotices(stderr, notices)
					if err != nil {
						return err
					}
					out, err := cfg.Dump(cmd.String("format"))
					if err != nil {
						return err
					}
					_, err = stdout.Write(out)
					return err
				},
			},
		},
	}
}

// setup loads the configuration and builds the logger, the identity policy
// and the ClickHouse pool. The policy is built here, once, and handed to
// the ClickHouse client (which enforces it before acting as a caller) and
// to the authenticators (which map claims with it).
// Logs always go to stderr: in stdio mode stdout belongs to the protocol.
func setup(cmd *cli.Command, stderr io.Writer) (config.Config, *slog.Logger, *clickhouse.Client, *identity.Policy, error) {
	cfg, notices, err := config.Load(cmd)
	if err != nil {
		printNotices(stderr, notices)
		return cfg, nil, nil, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := cfg.Logging.NewLogger(stderr)
	for _, msg := range notices.Info {
		log.Info(msg, "component", "config")
	}
	for _, msg := range notices.Warnings {
		log.Warn(msg, "component", "config")
	}
	policy, err := identity.NewPolicy(cfg.ClickHouse.Impersonation, cfg.ClickHouse.Username)
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	ch, err := clickhouse.New(cfg.ClickHouse, log.With("component", "clickhouse"), clickhouse.WithVersion(version), clickhouse.WithPolicy(policy))
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	return cfg, log, ch, policy, nil
}

func serve(ctx context.Context, cmd *cli.Command, stderr io.Writer) error {
	cfg, log, ch, policy, err := setup(cmd, stderr)
	if err != nil {
		return err
	}
	defer ch.Close()
	results, err := tuneMemory(cfg.Server, log, cgroupRoot)
	if err != nil {
		return err
	}
	var m *metrics.Metrics // nil unless server.metrics.enabled: records nothing
	if cfg.Server.Metrics.Enabled {
		m = metrics.New(version)
	}
	svc := mcp.NewService(ch, log.With("component", "mcp"), version, mcp.WithToolRules(cfg.Server.Tools, cfg.Server.ToolsCacheTTL.D()),
		mcp.WithMetrics(m), mcp.WithResultBudget(results))
	log.Info("starting chmcp", "version", version, "commit", commit, "transport", cfg.Server.Transport,
		"clickhouse", cfg.ClickHouse.Protocol+"://"+strings.Join(cfg.ClickHouse.Addresses(), ","),
		"user", cfg.ClickHouse.Username, "read_only", cfg.ClickHouse.ReadOnly)
	if addr := cfg.Server.Metrics.Address; m != nil && addr != "" { // else /metrics is on the main HTTP server
		stop, err := m.Start(addr, log.With("component", "metrics"))
		if err != nil {
			return err
		}
		defer stop() // after the main server has drained
	}
	if cfg.Server.Transport == config.TransportStdio {
		return stdio.Serve(ctx, svc.NewServer(), os.Stdin, os.Stdout, cfg.Server.ShutdownTimeout.D(), log.With("component", "stdio"))
	}
	auths, closeAuth, err := authenticators(ctx, cfg.Server, ch, policy, log)
	if err != nil {
		return err
	}
	defer closeAuth()
	return httpapi.New(cfg.Server, ch, svc, auth.New(ch, auths...), log.With("component", "http"), httpapi.WithMetrics(m)).ListenAndServe(ctx)
}

func testConnection(ctx context.Context, cmd *cli.Command, stdout, stderr io.Writer) error {
	cfg, _, ch, _, err := setup(cmd, stderr)
	if err != nil {
		return err
	}
	defer ch.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.ClickHouse.DialTimeout.D()+10*time.Second)
	defer cancel()
	// Every clickhouse.host node is checked and reported, so a dead node
	// behind a working one does not go unnoticed.
	nodes := ch.CheckNodes(ctx)
	var failed []string
	for _, n := range nodes {
		if n.OK {
			if _, err := fmt.Fprintf(stdout, "OK: ClickHouse %s at %s (%s), user %s, latency %.1f ms\n",
				n.Version, n.Address, cfg.ClickHouse.Protocol, n.User, n.LatencyMs); err != nil {
				return err
			}
			continue
		}
		msg := n.Error
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = fmt.Sprintf("ClickHouse at %s did not answer in time", n.Address)
		}
		if len(nodes) == 1 {
			return fmt.Errorf("connection test failed: %s", msg)
		}
		failed = append(failed, n.Address)
		fmt.Fprintf(stderr, "FAILED: %s: %s\n", n.Address, msg)
	}
	if len(failed) > 0 {
		return fmt.Errorf("connection test failed: %d of %d ClickHouse nodes did not answer (%s)", len(failed), len(nodes), strings.Join(failed, ", "))
	}
	return nil
}

// printNotices writes the loader's notices where no logger exists yet.
func printNotices(w io.Writer, n config.Notices) {
	for _, msg := range n.Info {
		fmt.Fprintln(w, "chmcp: note:", msg)
	}
	for _, msg := range n.Warnings {
		fmt.Fprintln(w, "chmcp: warning:", msg)
	}
}

// cgroupRoot is where the container's memory limit is read.
const cgroupRoot = "/sys/fs/cgroup"

// tuneMemory sets the soft memory limit and returns the in-flight result
// budget. The limit (GOMEMLIMIT, else 90% of the container's cgroup limit,
// else 512 MiB) bounds the heap: near it the GC collects as often as it
// must; the result budget keeps the results in flight well under it. GOGC
// is left at Go's default, 100: with the tools/call fast path a small call
// leaves little garbage, so the GOGC=400 chmcp used to set no longer saves
// CPU that rises above the noise, and it let the heap that large results
// keep live grow five times over before a collection
// (docs/performance.md). Explicit GOGC, GOMEMLIMIT and
// server.max_inflight_result_bytes win.
func tuneMemory(cfg config.ServerConfig, log *slog.Logger, root string) (*budget.Budget, error) {
	_, set := os.LookupEnv("GOMEMLIMIT")
	limit, err := memlimit.Choose(debug.SetMemoryLimit(-1), set, root)
	if err != nil {
		return nil, err
	}
	debug.SetMemoryLimit(limit.Bytes)
	results, source := cfg.MaxInflightResultBytes, "server.max_inflight_result_bytes"
	if results == 0 {
		results, source = memlimit.ResultBudget(limit.Bytes), fmt.Sprintf("memory limit / %d", memlimit.ResultShare)
	}
	log.Info("memory", "go_memory_limit_bytes", limit.Bytes, "go_memory_limit_from", limit.Source,
		"max_inflight_result_bytes", results, "max_inflight_result_bytes_from", source)
	return budget.New(results), nil
}
