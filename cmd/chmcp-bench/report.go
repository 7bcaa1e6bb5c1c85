package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// stats are the measures of a round, and their medians in a summary.
type stats struct {
	Throughput float64 `json:"calls_per_sec"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	// CPU time per successful call, in microseconds, of each process.
	ChmcpCPUPerCallUs      float64 `json:"chmcp_cpu_us_per_call"`
	ClickHouseCPUPerCallUs float64 `json:"clickhouse_cpu_us_per_call"`
	BenchCPUPerCallUs      float64 `json:"bench_cpu_us_per_call"`
	NewCHConns             float64 `json:"new_clickhouse_connections"`
	// OtherCores is CPU used by processes outside the benchmark, in cores:
	// noise from whatever else runs on the machine.
	OtherCores float64 `json:"other_load_cores"`
}

// roundResult is one measured round of one side.
type roundResult struct {
	Side        string  `json:"side"`
	Concurrency int     `json:"concurrency"`
	Round       int     `json:"round"`
	Calls       int     `json:"calls"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	Seconds     float64 `json:"seconds"`
	stats
	ChmcpRSSBytes int64 `json:"chmcp_rss_bytes"`
}

func newRoundResult(name string, c int, lr loadResult, before, after cpuSample, newConns int64, mem memInfo) roundResult {
	r := roundResult{
		Side: name, Concurrency: c, Calls: lr.calls, Errors: lr.errors, Seconds: lr.elapsed.Seconds(),
		stats: stats{
			Throughput: float64(lr.calls) / lr.elapsed.Seconds(),
			P50Ms:      ms(percentile(lr.lat, 0.50)), P99Ms: ms(percentile(lr.lat, 0.99)),
			NewCHConns: float64(newConns),
		},
		ChmcpRSSBytes: mem.Current,
	}
	if lr.firstErr != nil {
		r.FirstError = lr.firstErr.Error()
	}
	if lr.calls > 0 {
		perCall := func(i int) float64 { return (after[i] - before[i]) / float64(lr.calls) * 1e6 }
		r.ChmcpCPUPerCallUs, r.ClickHouseCPUPerCallUs, r.BenchCPUPerCallUs = perCall(0), perCall(1), perCall(2)
	}
	ours := (after[0] - before[0]) + (after[1] - before[1]) + (after[2] - before[2])
	r.OtherCores = max(0, (after[3]-before[3])-ours) / lr.elapsed.Seconds()
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sideSummary holds the medians across rounds of one side at one level.
type sideSummary struct {
	stats
	Errors int `json:"errors"` // total over rounds
}

// summary compares the sides at one concurrency level. The comparisons are
// medians of per-round-pair values (each chmcp round with the direct round
// right after it), which cancels slow drift of the machine.
type summary struct {
	Concurrency int         `json:"concurrency"`
	Chmcp       sideSummary `json:"chmcp"`
	Direct      sideSummary `json:"direct"`
	// Baseline is the -baseline chmcp, with its own ratios to direct.
	Baseline        *baselineSummary `json:"baseline,omitempty"`
	ThroughputRatio float64          `json:"throughput_ratio"` // chmcp / direct
	P50OverheadMs   float64          `json:"p50_overhead_ms"`  // chmcp p50 - direct p50
	CPURatio        float64          `json:"chmcp_cpu_over_clickhouse_cpu"`
}

const sideBaseline = "baseline"

type baselineSummary struct {
	sideSummary
	ThroughputRatio float64 `json:"throughput_ratio"`
	P50OverheadMs   float64 `json:"p50_overhead_ms"`
	CPURatio        float64 `json:"chmcp_cpu_over_clickhouse_cpu"`
}

type target struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Pass  bool   `json:"pass"`
}

type report struct {
	Rounds    int       `json:"rounds"`
	Duration  string    `json:"round_duration"`
	Query     string    `json:"query"`
	Client    string    `json:"chmcp_load_http_client"`
	Summaries []summary `json:"summaries"`
	ChmcpMem  memInfo   `json:"chmcp_memory"`
	// BaselineMem is the -baseline chmcp's memory after the SELECT 1 rounds.
	BaselineMem *memInfo `json:"baseline_memory,omitempty"`
	// Large is the 1 MiB results comparison; nil with -memory=false.
	Large *memorySummary `json:"large_results,omitempty"`
	// Secret compares interserver-secret with password mode; nil with -secret=false.
	Secret  *secretSummary `json:"secret_vs_password,omitempty"`
	Targets []target       `json:"targets"`
	Pass    bool           `json:"pass"`
	Raw     []roundResult  `json:"raw_rounds"`
}

func buildReport(o options, rounds []roundResult, mem memInfo, sec *secretSummary, large *memorySummary) *report {
	rep := &report{Rounds: o.rounds, Duration: o.duration.String(), Query: "SELECT 1", Client: o.client, ChmcpMem: mem, Secret: sec, Large: large, Raw: rounds}
	for _, c := range o.concurrency {
		var a, base, b []roundResult
		for _, r := range rounds {
			switch {
			case r.Concurrency != c:
			case r.Side == "chmcp":
				a = append(a, r)
			case r.Side == sideBaseline:
				base = append(base, r)
			case r.Side == "direct":
				b = append(b, r)
			}
		}
		s := summary{Concurrency: c, Chmcp: summarize(a), Direct: summarize(b)}
		s.ThroughputRatio, s.P50OverheadMs, s.CPURatio = ratios(a, b)
		if len(base) > 0 {
			bs := &baselineSummary{sideSummary: summarize(base)}
			bs.ThroughputRatio, bs.P50OverheadMs, bs.CPURatio = ratios(base, b)
			s.Baseline = bs
		}
		rep.Summaries = append(rep.Summaries, s)
	}
	rep.Targets = targets(rep.Summaries, mem, sec)
	if large != nil {
		rep.Targets = append(rep.Targets, large.target())
		rep.Raw = append(rep.Raw, large.rounds...)
	}
	if sec != nil {
		rep.Raw = append(rep.Raw, sec.rounds...)
	}
	rep.Pass = !slices.ContainsFunc(rep.Targets, func(t target) bool { return !t.Pass })
	return rep
}

// ratios compares the rounds of a chmcp side with the direct rounds of the
// same round numbers: medians of throughput ratio, p50 overhead and chmcp
// CPU over ClickHouse CPU.
func ratios(a, direct []roundResult) (throughput, p50Overhead, cpu float64) {
	n := min(len(a), len(direct))
	throughput = medianOf(n, func(i int) float64 { return ratio(a[i].Throughput, direct[i].Throughput) })
	p50Overhead = medianOf(n, func(i int) float64 { return a[i].P50Ms - direct[i].P50Ms })
	cpu = medianOf(n, func(i int) float64 { return ratio(a[i].ChmcpCPUPerCallUs, a[i].ClickHouseCPUPerCallUs) })
	return throughput, p50Overhead, cpu
}

func summarize(rs []roundResult) sideSummary {
	s := sideSummary{stats: stats{
		Throughput:             medianOf(len(rs), func(i int) float64 { return rs[i].Throughput }),
		P50Ms:                  medianOf(len(rs), func(i int) float64 { return rs[i].P50Ms }),
		P99Ms:                  medianOf(len(rs), func(i int) float64 { return rs[i].P99Ms }),
		ChmcpCPUPerCallUs:      medianOf(len(rs), func(i int) float64 { return rs[i].ChmcpCPUPerCallUs }),
		ClickHouseCPUPerCallUs: medianOf(len(rs), func(i int) float64 { return rs[i].ClickHouseCPUPerCallUs }),
		BenchCPUPerCallUs:      medianOf(len(rs), func(i int) float64 { return rs[i].BenchCPUPerCallUs }),
		NewCHConns:             medianOf(len(rs), func(i int) float64 { return rs[i].NewCHConns }),
		OtherCores:             medianOf(len(rs), func(i int) float64 { return rs[i].OtherCores }),
	}}
	for _, r := range rs {
		s.Errors += r.Errors
	}
	return s
}

func medianOf(n int, f func(int) float64) float64 {
	if n == 0 {
		return 0
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = f(i)
	}
	slices.Sort(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// targets checks the goals: throughput ratio at the highest concurrency,
// p50 overhead at the lowest, CPU per call at every level, peak RSS, and
// no errors anywhere; with sec, also secret-mode throughput.
func targets(sums []summary, mem memInfo, sec *secretSummary) []target {
	lo, hi := sums[0], sums[0]
	for _, s := range sums {
		if s.Concurrency < lo.Concurrency {
			lo = s
		}
		if s.Concurrency > hi.Concurrency {
			hi = s
		}
	}
	ts := []target{{
		Name:  fmt.Sprintf("throughput chmcp/direct at c=%d >= 0.60", hi.Concurrency),
		Value: fmt.Sprintf("%.2f", hi.ThroughputRatio), Pass: hi.ThroughputRatio >= 0.60,
	}}
	for _, s := range sums {
		ts = append(ts, target{
			Name:  fmt.Sprintf("chmcp CPU/call <= 0.5x ClickHouse CPU/call at c=%d", s.Concurrency),
			Value: fmt.Sprintf("%.2fx (%.0f vs %.0f µs)", s.CPURatio, s.Chmcp.ChmcpCPUPerCallUs, s.Chmcp.ClickHouseCPUPerCallUs),
			Pass:  s.CPURatio <= 0.5,
		})
	}
	errs := 0
	for _, s := range sums {
		errs += s.Chmcp.Errors + s.Direct.Errors
	}
	if sec != nil {
		errs += sec.Password.Errors + sec.Secret.Errors
	}
	ts = append(ts,
		target{
			Name:  fmt.Sprintf("p50 overhead at c=%d <= 0.50 ms", lo.Concurrency),
			Value: fmt.Sprintf("%+.3f ms", lo.P50OverheadMs), Pass: lo.P50OverheadMs <= 0.5,
		},
		target{
			Name:  "chmcp peak RSS (VmHWM) < 100 MB",
			Value: fmt.Sprintf("%.1f MB", mb(mem.Peak)), Pass: mem.Peak < 100<<20,
		},
		target{Name: "no failed calls", Value: fmt.Sprint(errs), Pass: errs == 0},
	)
	if sec != nil {
		ts = append(ts, sec.target())
	}
	return ts
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s: medians of %d rounds x %s per side (chmcp = MCP tools/call execute_query over HTTP from a %s client, as default; direct = clickhouse-go native)\n\n",
		r.Query, r.Rounds, r.Duration, r.Client)
	const sideWidth = len(sideBaseline) + 1
	printHeader(w, sideWidth)
	for _, s := range r.Summaries {
		s.Chmcp.printRow(w, s.Concurrency, sideWidth, "chmcp")
		if s.Baseline != nil {
			s.Baseline.printRow(w, s.Concurrency, sideWidth, sideBaseline)
		}
		s.Direct.printRow(w, s.Concurrency, sideWidth, "direct")
		fmt.Fprintf(w, "%5d  chmcp/direct: throughput %.2f, p50 overhead %+.3f ms, chmcp CPU %.2fx ClickHouse CPU\n",
			s.Concurrency, s.ThroughputRatio, s.P50OverheadMs, s.CPURatio)
		if b := s.Baseline; b != nil {
			fmt.Fprintf(w, "%5d  baseline/direct: throughput %.2f, p50 overhead %+.3f ms, chmcp CPU %.2fx ClickHouse CPU\n",
				s.Concurrency, b.ThroughputRatio, b.P50OverheadMs, b.CPURatio)
		}
		fmt.Fprintln(w)
	}
	if r.Secret != nil {
		r.Secret.print(w)
	}
	if r.Large != nil {
		r.Large.print(w)
	}
	fmt.Fprintln(w, "µs/c: CPU µs per call of each process; new conns: native connections ClickHouse saw opened in a round;")
	fmt.Fprintln(w, "other: CPU cores used meanwhile by processes outside the benchmark (noise).")
	if noisy := r.maxOther(); noisy > 0.2 {
		fmt.Fprintf(w, "WARNING: other processes used up to %.2f cores during rounds; results are noisy.\n", noisy)
	}
	fmt.Fprintf(w, "\nchmcp memory after the SELECT 1 rounds: peak RSS %.1f MB, RSS at end %.1f MB\n", mb(r.ChmcpMem.Peak), mb(r.ChmcpMem.Current))
	if m := r.BaselineMem; m != nil {
		fmt.Fprintf(w, "baseline memory after the SELECT 1 rounds: peak RSS %.1f MB, RSS at end %.1f MB\n", mb(m.Peak), mb(m.Current))
	}
	fmt.Fprint(w, "\nTargets:\n")
	width := 0
	for _, t := range r.Targets {
		width = max(width, len(t.Name))
	}
	for _, t := range r.Targets {
		mark := "PASS"
		if !t.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-*s  %s\n", mark, width, t.Name, t.Value)
	}
	if !r.Pass {
		fmt.Fprintln(w, "\nSome targets were missed.")
	}
	if errs := r.firstErrors(); errs != "" {
		fmt.Fprintf(w, "\nErrors:\n%s", errs)
	}
}

// printHeader heads the rows of printRow; width is that of the side column.
func printHeader(w io.Writer, width int) {
	fmt.Fprintf(w, "%5s  %-*s %8s %8s %8s %11s %9s %11s %9s %6s %6s\n", "conc", width, "side", "calls/s", "p50 ms", "p99 ms",
		"chmcp µs/c", "CH µs/c", "bench µs/c", "new conns", "other", "errors")
}

// printRow prints s as the row of side name at concurrency c.
func (s sideSummary) printRow(w io.Writer, c, width int, name string) {
	fmt.Fprintf(w, "%5d  %-*s %8.0f %8.3f %8.3f %11.1f %9.1f %11.1f %9.0f %6.2f %6d\n", c, width, name,
		s.Throughput, s.P50Ms, s.P99Ms, s.ChmcpCPUPerCallUs, s.ClickHouseCPUPerCallUs,
		s.BenchCPUPerCallUs, s.NewCHConns, s.OtherCores, s.Errors)
}

// maxOther is the largest median outside load of any side and level.
func (r *report) maxOther() float64 {
	m := 0.0
	for _, s := range r.Summaries {
		m = max(m, s.Chmcp.OtherCores, s.Direct.OtherCores)
	}
	if r.Secret != nil {
		m = max(m, r.Secret.Password.OtherCores, r.Secret.Secret.OtherCores)
	}
	return m
}

func (r *report) firstErrors() string {
	var b strings.Builder
	for _, x := range r.Raw {
		if x.Errors > 0 {
			fmt.Fprintf(&b, "  c=%d round %d %s: %d errors, first: %s\n", x.Concurrency, x.Round, x.Side, x.Errors, x.FirstError)
		}
	}
	return b.String()
}

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
