package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/chmcp/chmcp/internal/chtest"
)

// environment is everything a run starts; close stops all of it.
type environment struct {
	dir    string
	ch     *chtest.Server
	chmcp  *process
	mcp    *mcpClient
	direct *directClient
}

// setUp starts ClickHouse and chmcp and checks both clients get the right
// answer. On error the returned environment (if any) still needs close.
func setUp(ctx context.Context, o options) (*environment, error) {
	dir, err := os.MkdirTemp("", "chmcp-bench-")
	if err != nil {
		return nil, err
	}
	env := &environment{dir: dir}
	bin := o.chmcpPath
	if bin == "" {
		bin = filepath.Join(dir, "chmcp")
		logf("building chmcp into %s", bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/chmcp/chmcp/cmd/chmcp")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return env, fmt.Errorf("building chmcp (run from inside the chmcp module, or pass -chmcp): %w", err)
		}
	}
	if env.ch, err = chtest.Start(ctx, chtest.Options{Logf: logf}); err != nil {
		return env, err
	}
	port, err := freePort()
	if err != nil {
		return env, err
	}
	env.chmcp, err = startChmcp(ctx, bin, port,
		"--transport", "http", "--address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--clickhouse-host", env.ch.Host, "--clickhouse-port", strconv.Itoa(env.ch.TCPPort),
		"--clickhouse-max-open-conns", strconv.Itoa(o.maxOpen),
		"--clickhouse-max-idle-conns", strconv.Itoa(o.maxIdle),
		"--log-level", "warn")
	if err != nil {
		return env, err
	}
	logf("chmcp %s running (pid %d) at %s", bin, env.chmcp.pid(), env.chmcp.url)

	env.mcp = newMCPClient(env.chmcp.url, slices.Max(o.concurrency))
	if err := env.mcp.verify(ctx); err != nil {
		return env, fmt.Errorf("chmcp: first tools/call failed: %w", err)
	}
	if env.direct, err = newDirectClient(env.ch.TCPAddr(), o.maxOpen, o.maxIdle); err != nil {
		return env, err
	}
	if err := env.direct.verify(ctx); err != nil {
		return env, fmt.Errorf("direct: first query failed: %w", err)
	}
	return env, nil
}

// close stops chmcp, then ClickHouse, and removes the temp dir.
func (e *environment) close() {
	if e.mcp != nil {
		e.mcp.close()
	}
	if e.direct != nil {
		e.direct.close()
	}
	if e.chmcp != nil {
		if err := e.chmcp.stop(); err != nil {
			logf("stopping chmcp: %v", err)
		}
	}
	if e.ch != nil {
		if err := e.ch.Stop(); err != nil {
			logf("stopping ClickHouse: %v", err)
		}
	}
	os.RemoveAll(e.dir)
}

// clock is ClickHouse's current time, to mark the start of a round.
func (e *environment) clock(ctx context.Context) (string, error) {
	out, err := e.ch.Exec(ctx, "SELECT now64(6)")
	return strings.TrimSpace(out), err
}

// newConnections counts the native connections ClickHouse saw open since
// the given time: client ports whose first query came after it. Growth
// shows pool churn (connections closed and dialled again).
func (e *environment) newConnections(ctx context.Context, since string) (int64, error) {
	if _, err := e.ch.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return 0, err
	}
	out, err := e.ch.Exec(ctx, "SELECT countIf(first >= toDateTime64('"+since+"', 6)) FROM ("+
		"SELECT port, min(event_time_microseconds) AS first FROM system.query_log "+
		"WHERE interface = 1 AND type = 'QueryStart' GROUP BY port)")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counting connections in system.query_log: %q: %w", out, err)
	}
	return n, nil
}
