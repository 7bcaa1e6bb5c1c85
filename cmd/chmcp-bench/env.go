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
	bin    string // the chmcp binary
	ch     *chtest.Server
	chmcp  *process // as default, no password: the chmcp side against direct
	mcp    *mcpClient
	load   newWorkerFunc // the chmcp side's load, from the -client chosen
	direct *directClient
	// base is the -baseline chmcp and its load; nil without -baseline.
	base     *process
	baseLoad newWorkerFunc
	closers  []func() // loads to close
	// The secret-versus-password pair (secret.go); nil with -secret=false.
	pwd, sec *server
}

// setUp starts ClickHouse and chmcp and checks both clients get the right
// answer. On error the returned environment (if any) still needs close.
func setUp(ctx context.Context, o options) (*environment, error) {
	dir, err := os.MkdirTemp("", "chmcp-bench-")
	if err != nil {
		return nil, err
	}
	env := &environment{dir: dir, bin: o.chmcpPath}
	if env.bin == "" {
		env.bin = filepath.Join(dir, "chmcp")
		logf("building chmcp into %s", env.bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", env.bin, "github.com/chmcp/chmcp/cmd/chmcp")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return env, fmt.Errorf("building chmcp (run from inside the chmcp module, or pass -chmcp): %w", err)
		}
	}
	if env.ch, err = chtest.Start(ctx, chtest.Options{Logf: logf}); err != nil {
		return env, err
	}
	if env.chmcp, err = env.startChmcp(ctx, o, "chmcp"); err != nil {
		return env, err
	}

	env.mcp = newMCPClient(env.chmcp.url, slices.Max(o.concurrency), o.client == clientLean)
	if err := env.mcp.verify(ctx); err != nil {
		return env, fmt.Errorf("chmcp: first tools/call failed: %w", err)
	}
	if env.load, err = env.selectOneLoad(ctx, o, env.chmcp.url); err != nil {
		return env, err
	}
	if o.baseline != "" {
		if env.base, err = env.startChmcpBin(ctx, o, o.baseline, "baseline"); err != nil {
			return env, err
		}
		if env.baseLoad, err = env.selectOneLoad(ctx, o, env.base.url); err != nil {
			return env, fmt.Errorf("baseline: %w", err)
		}
	}
	if env.direct, err = newDirectClient(env.ch, o.maxOpen, o.maxIdle); err != nil {
		return env, err
	}
	if err := env.direct.verify(ctx); err != nil {
		return env, fmt.Errorf("direct: first query failed: %w", err)
	}
	if o.secret {
		return env, env.startSecretPair(ctx, o)
	}
	return env, nil
}

// startChmcp runs a chmcp on a free loopback port against the local
// ClickHouse with the benchmark's pool settings, plus extra flags.
func (e *environment) startChmcp(ctx context.Context, o options, name string, extra ...string) (*process, error) {
	return e.startChmcpBin(ctx, o, e.bin, name, extra...)
}

// startChmcpBin is startChmcp with another chmcp binary.
func (e *environment) startChmcpBin(ctx context.Context, o options, bin, name string, extra ...string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--transport", "http", "--address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--clickhouse-host", e.ch.Host, "--clickhouse-port", strconv.Itoa(e.ch.TCPPort),
		"--clickhouse-max-open-conns", strconv.Itoa(o.maxOpen),
		"--clickhouse-max-idle-conns", strconv.Itoa(o.maxIdle),
		"--log-level", "warn"}, extra...)
	p, err := startChmcp(ctx, bin, port, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	logf("%s: %s running (pid %d) at %s", name, bin, p.Pid(), p.url)
	return p, nil
}

// selectOneLoad is the SELECT 1 load on the chmcp at url from the -client
// chosen (the default mcpClient serves lean and net/http).
func (e *environment) selectOneLoad(ctx context.Context, o options, url string) (newWorkerFunc, error) {
	w, closeLoad, err := e.loadFor(ctx, o, url, slices.Max(o.concurrency), "SELECT 1", nil, wantOne)
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, closeLoad)
	return w, nil
}

// loadFor returns the load of query on the chmcp at url from the -client
// chosen, checked by check (the lean and net/http clients, on the raw
// body; nil: rows [[1]]) or want (the go-sdk client, on the rows), after
// one checked call.
func (e *environment) loadFor(ctx context.Context, o options, url string, conc int, query string,
	check func([]byte) error, want func([]any) error) (newWorkerFunc, func(), error) {
	var worker newWorkerFunc
	var closeLoad func()
	if o.client == clientSDK {
		l, err := newSDKLoad(ctx, url, conc, query, want)
		if err != nil {
			return nil, nil, err
		}
		worker, closeLoad = l.worker, l.close
	} else {
		c := newMCPClient(url, conc, o.client == clientLean)
		c.body, c.check = bodyFor(query), check
		worker, closeLoad = c.worker, c.close
	}
	call, release := worker()
	err := call(ctx)
	release()
	if err != nil {
		closeLoad()
		return nil, nil, fmt.Errorf("first call of %q: %w", query, err)
	}
	return worker, closeLoad, nil
}

// close stops chmcp, then ClickHouse, and removes the temp dir.
func (e *environment) close() {
	if e.mcp != nil {
		e.mcp.close()
	}
	if e.direct != nil {
		e.direct.close()
	}
	for _, c := range e.closers {
		c()
	}
	if e.base != nil {
		if err := e.base.Stop(stopGrace); err != nil {
			logf("stopping baseline: %v", err)
		}
	}
	for _, s := range []*server{e.pwd, e.sec} {
		if s != nil {
			s.close()
		}
	}
	if e.chmcp != nil {
		if err := e.chmcp.Stop(stopGrace); err != nil {
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
// shows pool churn (connections closed and dialled again). Interface 1 is
// native TCP; 7 (TCP_INTERSERVER) is native TCP authenticated with the
// cluster secret.
func (e *environment) newConnections(ctx context.Context, since string) (int64, error) {
	if _, err := e.ch.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return 0, err
	}
	out, err := e.ch.Exec(ctx, "SELECT countIf(first >= toDateTime64('"+since+"', 6)) FROM ("+
		"SELECT port, min(event_time_microseconds) AS first FROM system.query_log "+
		"WHERE interface IN (1, 7) AND type = 'QueryStart' GROUP BY port)")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counting connections in system.query_log: %q: %w", out, err)
	}
	return n, nil
}
