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
// A second comparison (secret.go; -secret=false skips it) runs the same
// call through two more chmcp processes, both querying as the password-
// protected user admin: one logging in with admin's password, one as a
// cluster peer with the interserver secret (and no password), alternating
// rounds at -secret-concurrency.
//
//	chmcp-bench [-chmcp bin/chmcp] [-rounds 5] [-duration 3s] [-concurrency 1,16] [-json FILE] [-strict]
//	            [-client lean|net/http|go-sdk] [-secret=true] [-secret-concurrency 16] [-secret-rounds N]
//	            [-baseline OTHER-CHMCP] [-memory=true] [-memory-concurrency 16] [-memory-rounds 3]
//	chmcp-bench -soak [-chmcp bin/chmcp]
//
// A third comparison (memory.go; -memory=false skips it) sends calls with
// 1 MiB results at concurrency 16 to fresh chmcp processes and reports
// their peak RSS. -baseline runs another chmcp binary (say, one built from
// main) through the same rounds of every comparison, side by side.
//
// -soak runs the soak test instead (soak.go).
//
// The chmcp load comes from a lean HTTP/1.1 client by default (rawhttp.go):
// net/http's Transport costs the load generator about 130 µs of CPU and
// 0.1-0.2 ms of latency per call on a 2-core machine, which is the
// client's cost, not chmcp's. -client net/http measures with it instead.
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
	secret      bool // also compare interserver-secret mode with password mode
	secretConc  int
	secretRnds  int
	client      string // the load generator's client: lean, net/http or go-sdk
	baseline    string // another chmcp binary measured side by side ("" = none)
	memory      bool   // also run the large-result comparison (memory.go)
	memConc     int
	memRounds   int
	soak        bool // run the soak test (soak.go) instead of the benchmark
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
	fs.IntVar(&o.maxIdle, "max-idle-conns", 16, "idle ClickHouse connections kept, for chmcp and the direct client alike")
	fs.BoolVar(&o.secret, "secret", true, "also compare chmcp in interserver-secret mode with password mode")
	fs.IntVar(&o.secretConc, "secret-concurrency", 16, "concurrency of the secret-versus-password comparison")
	fs.IntVar(&o.secretRnds, "secret-rounds", 0, "measured rounds per side of the secret-versus-password comparison (default: -rounds)")
	fs.StringVar(&o.client, "client", clientLean, "client of the chmcp load: lean (one keep-alive connection per load goroutine, no Transport goroutines), net/http, or go-sdk (the go-sdk's MCP client, one session)")
	fs.StringVar(&o.baseline, "baseline", "", "another chmcp binary (say, built from main) measured in the same rounds, side by side")
	fs.BoolVar(&o.memory, "memory", true, "also measure 1 MiB results at -memory-concurrency: throughput and peak RSS of fresh chmcp processes")
	fs.IntVar(&o.memConc, "memory-concurrency", 16, "concurrency of the 1 MiB results comparison")
	fs.IntVar(&o.memRounds, "memory-rounds", 3, "measured rounds per side of the 1 MiB results comparison")
	fs.BoolVar(&o.soak, "soak", false, "run the soak test instead (docs/deployment.md): a query mix at concurrency 64 through ClickHouse restarts and a freeze")
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
	if o.secretRnds == 0 {
		o.secretRnds = o.rounds
	}
	switch {
	case o.client != clientLean && o.client != clientNetHTTP && o.client != clientSDK:
		return o, fmt.Errorf("-client: %q is not %s, %s or %s", o.client, clientLean, clientNetHTTP, clientSDK)
	case o.memConc < 1 || o.memRounds < 1:
		return o, errors.New("-memory-concurrency and -memory-rounds must be >= 1")
	case o.secretConc < 1 || o.secretRnds < 1:
		return o, errors.New("-secret-concurrency and -secret-rounds must be >= 1")
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
	if o.soak {
		return runSoak(ctx, o)
	}
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
// proc is the chmcp whose CPU and memory a round of it reports (for direct,
// the idle chmcp of the first comparison).
const (
	clientLean    = "lean"
	clientNetHTTP = "net/http"
)

type side struct {
	name      string
	newWorker newWorkerFunc
	proc      *process
}

func bench(ctx context.Context, o options) (*report, error) {
	env, err := setUp(ctx, o)
	if env != nil {
		defer env.close()
	}
	if err != nil {
		return nil, err
	}
	sides := []side{{"chmcp", env.load, env.chmcp}}
	if env.base != nil {
		sides = append(sides, side{sideBaseline, env.baseLoad, env.base})
	}
	sides = append(sides, side{"direct", env.direct.worker, env.chmcp})
	if err := warmUp(ctx, sides, slices.Max(o.concurrency), o.warmup); err != nil {
		return nil, err
	}
	var rounds []roundResult
	for _, c := range o.concurrency {
		rs, err := alternate(ctx, env, sides, c, o.rounds, o.duration)
		if err != nil {
			return nil, err
		}
		rounds = append(rounds, rs...)
	}
	mem, err := readMem(env.chmcp.Pid())
	if err != nil {
		return nil, err
	}
	var baseMem *memInfo
	if env.base != nil {
		m, err := readMem(env.base.Pid())
		if err != nil {
			return nil, err
		}
		baseMem = &m
	}
	var sec *secretSummary
	if o.secret {
		if sec, err = benchSecret(ctx, env, o); err != nil {
			return nil, err
		}
	}
	var large *memorySummary
	if o.memory {
		if large, err = benchMemory(ctx, env, o); err != nil {
			return nil, err
		}
	}
	rep := buildReport(o, rounds, mem, sec, large)
	rep.BaselineMem = baseMem
	return rep, nil
}

func warmUp(ctx context.Context, sides []side, c int, d time.Duration) error {
	for _, s := range sides {
		logf("warming up %s for %s at concurrency %d", s.name, d, c)
		if lr := runLoad(ctx, c, d, s.newWorker); lr.errors > 0 {
			return fmt.Errorf("warm-up of %s: %d errors, first: %v", s.name, lr.errors, lr.firstErr)
		}
	}
	return nil
}

// alternate measures n rounds of each side at concurrency c, the sides
// taking turns within each round.
func alternate(ctx context.Context, env *environment, sides []side, c, n int, d time.Duration) ([]roundResult, error) {
	var rounds []roundResult
	for r := 1; r <= n; r++ {
		for _, s := range sides {
			res, err := measure(ctx, env, s, c, d)
			if err != nil {
				return nil, err
			}
			res.Round = r
			rounds = append(rounds, res)
			logf("c=%-3d round %d/%d %-6s %6.0f calls/s  p50 %6.3f ms  p99 %7.3f ms  CPU µs/call: chmcp %4.0f CH %4.0f bench %4.0f  other load %.2f cores  new CH conns %.0f  errors %d",
				c, r, n, s.name, res.Throughput, res.P50Ms, res.P99Ms, res.ChmcpCPUPerCallUs,
				res.ClickHouseCPUPerCallUs, res.BenchCPUPerCallUs, res.OtherCores, res.NewCHConns, res.Errors)
		}
	}
	return rounds, nil
}

// measure runs one round of s at concurrency c and samples CPU around it.
// The ClickHouse bookkeeping queries run outside the sampled window.
func measure(ctx context.Context, env *environment, s side, c int, d time.Duration) (roundResult, error) {
	m := &meter{pids: [3]int{s.proc.Pid(), env.ch.Pid(), os.Getpid()}}
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
	mem, err := readMem(s.proc.Pid())
	if err != nil {
		return roundResult{}, err
	}
	return newRoundResult(s.name, c, lr, before, after, conns, mem), nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
