// Command chmcp-bench measures what chmcp costs on top of a plain ClickHouse
// client. In one run against one local ClickHouse it sends the same
// "SELECT 1" two ways, in alternating rounds of a fixed duration:
//
//	chmcp   an MCP tools/call execute_query to a chmcp process over
//	        streamable HTTP (protocol 2026-07-28, stateless)
//	direct  conn.Query through clickhouse-go over native TCP, with the same
//	        pool settings chmcp uses
//
// and reports medians across rounds of p50/p99 latency, throughput, CPU
// seconds per call of the chmcp, ClickHouse and benchmark processes, and
// chmcp's peak RSS, with PASS/FAIL marks against the performance targets.
//
//	chmcp-bench [-chmcp bin/chmcp] [-rounds 5] [-duration 3s] [-concurrency 1,16] [-json FILE] [-strict]
//
// Linux only: CPU and memory are read from /proc.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	rounds      int
	duration    time.Duration
	warmup      time.Duration
	concurrency []int
	chmcpPath   string
	jsonPath    string
	strict      bool
	maxOpen     int
	maxIdle     int
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "chmcp-bench:", err)
		os.Exit(2)
	}
	// Cleanup (chmcp, ClickHouse, temp files) runs in deferred calls inside
	// run, so an interrupt cancels the context and lets them finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, o)
	stop()
	os.Exit(code)
}

func parseFlags(args []string) (options, error) {
	var o options
	var conc string
	fs := flag.NewFlagSet("chmcp-bench", flag.ContinueOnError)
	fs.IntVar(&o.rounds, "rounds", 5, "measured rounds per side and concurrency level")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "duration of one round")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per side before the first round")
	fs.StringVar(&conc, "concurrency", "1,16", "comma-separated concurrency levels")
	fs.StringVar(&o.chmcpPath, "chmcp", "", "chmcp binary to benchmark (default: go build ./cmd/chmcp into a temp dir)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed")
	fs.IntVar(&o.maxOpen, "max-open-conns", 16, "ClickHouse pool size, for chmcp and the direct client alike")
	fs.IntVar(&o.maxIdle, "max-idle-conns", 8, "idle ClickHouse connections kept, for chmcp and the direct client alike")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for f := range strings.SplitSeq(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-concurrency: %q is not a positive integer", f)
		}
		o.concurrency = append(o.concurrency, n)
	}
	switch {
	case o.rounds < 1:
		return o, errors.New("-rounds must be >= 1")
	case o.duration <= 0:
		return o, errors.New("-duration must be > 0")
	case o.maxOpen < 1 || o.maxIdle < 0 || o.maxIdle > o.maxOpen:
		return o, errors.New("need 1 <= -max-open-conns and 0 <= -max-idle-conns <= -max-open-conns")
	}
	return o, nil
}

func run(ctx context.Context, o options) int {
	rep, err := bench(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted")
		}
		logf("chmcp-bench: %v", err)
		return 1
	}
	rep.print(os.Stdout)
	if o.jsonPath != "" {
		if err := rep.writeJSON(o.jsonPath); err != nil {
			logf("chmcp-bench: %v", err)
			return 1
		}
		logf("results written to %s", o.jsonPath)
	}
	if o.strict && !rep.Pass {
		return 1
	}
	return 0
}

// side is one way of running the query: it hands out per-worker call funcs.
type side struct {
	name      string
	newWorker func() callFunc
}

func bench(ctx context.Context, o options) (*report, error) {
	env, err := setUp(ctx, o)
	if env != nil {
		defer env.close()
	}
	if err != nil {
		return nil, err
	}
	sides := []side{{"chmcp", env.mcp.worker}, {"direct", env.direct.worker}}
	maxConc := slices.Max(o.concurrency)
	for _, s := range sides {
		logf("warming up %s for %s at concurrency %d", s.name, o.warmup, maxConc)
		if lr := runLoad(ctx, maxConc, o.warmup, s.newWorker); lr.errors > 0 {
			return nil, fmt.Errorf("warm-up of %s: %d errors, first: %v", s.name, lr.errors, lr.firstErr)
		}
	}
	m := &meter{pids: [3]int{env.chmcp.pid(), env.ch.Pid(), os.Getpid()}}
	var rounds []roundResult
	for _, c := range o.concurrency {
		for r := 1; r <= o.rounds; r++ {
			for _, s := range sides {
				res, err := measure(ctx, env, m, s, c, o.duration)
				if err != nil {
					return nil, err
				}
				res.Round = r
				rounds = append(rounds, res)
				logf("c=%-3d round %d/%d %-6s %6.0f calls/s  p50 %6.3f ms  p99 %7.3f ms  CPU µs/call: chmcp %4.0f CH %4.0f bench %4.0f  other load %.2f cores  new CH conns %d  errors %d",
					c, r, o.rounds, s.name, res.Throughput, res.P50Ms, res.P99Ms, res.ChmcpCPUPerCallUs,
					res.ClickHouseCPUPerCallUs, res.BenchCPUPerCallUs, res.OtherCores, res.NewCHConns, res.Errors)
			}
		}
	}
	mem, err := readMem(env.chmcp.pid())
	if err != nil {
		return nil, err
	}
	return buildReport(o, rounds, mem), nil
}

// measure runs one round of s at concurrency c and samples CPU around it.
// The ClickHouse bookkeeping queries run outside the sampled window.
func measure(ctx context.Context, env *environment, m *meter, s side, c int, d time.Duration) (roundResult, error) {
	since, err := env.clock(ctx)
	if err != nil {
		return roundResult{}, err
	}
	before, err := m.sample()
	if err != nil {
		return roundResult{}, err
	}
	lr := runLoad(ctx, c, d, s.newWorker)
	after, err := m.sample()
	if err != nil {
		return roundResult{}, err
	}
	if ctx.Err() != nil {
		return roundResult{}, ctx.Err()
	}
	conns, err := env.newConnections(ctx, since)
	if err != nil {
		return roundResult{}, err
	}
	mem, err := readMem(env.chmcp.pid())
	if err != nil {
		return roundResult{}, err
	}
	return newRoundResult(s.name, c, lr, before, after, conns, mem), nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
