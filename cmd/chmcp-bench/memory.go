package main

// The large-result comparison: calls whose result is about 1 MiB (max_result_bytes
// set to 1 MiB, the default max_result_rows), at concurrency
// 16, to chmcp processes started for it, so that each one's peak RSS
// (VmHWM) is that of this load. With -baseline, the baseline binary gets
// the same load, round for round.

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// largeQuery's result is 1000 rows of about 1040 bytes: just under 1 MiB
// of rows, not truncated (chmcp runs with max_result_bytes 1 MiB here), and
// a response of about 2 MiB (the result twice).
const largeQuery = "SELECT number, repeat('x', 1030) FROM numbers(1000)"

var largeRowCount = []byte(`"row_count":1000,"truncated":false`)

// memorySummary is the large-result load of each binary.
type memorySummary struct {
	Query       string        `json:"query"`
	Concurrency int           `json:"concurrency"`
	Rounds      int           `json:"rounds"`
	Duration    string        `json:"round_duration"`
	Sides       []memorySide  `json:"sides"`
	rounds      []roundResult // raw, for the report's error list
}

type memorySide struct {
	Name string      `json:"name"`
	Bin  string      `json:"binary"`
	Load sideSummary `json:"load"`
	Mem  memInfo     `json:"chmcp_memory"`
}

func wantLarge(rows []any) error {
	if len(rows) != 1000 {
		return fmt.Errorf("%d rows, want 1000", len(rows))
	}
	return nil
}

func checkLarge(b []byte) error {
	if bytes.Contains(b, isErrorOn) || !bytes.Contains(b, largeRowCount) {
		return fmt.Errorf("unexpected large result: %s", abbrev(b))
	}
	return nil
}

func benchMemory(ctx context.Context, env *environment, o options) (*memorySummary, error) {
	bins := []struct{ name, bin string }{{"chmcp", env.bin}}
	if o.baseline != "" {
		bins = append(bins, struct{ name, bin string }{"baseline", o.baseline})
	}
	var sides []side
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for _, b := range bins {
		name := b.name + " (1 MiB results)"
		// The measure is 1 MiB results: the default cap (100 KiB
		// since results are sized for a context window) would cut them.
		p, err := env.startChmcpBin(ctx, o, b.bin, name, "--clickhouse-max-result-bytes", "1048576")
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() {
			if err := p.Stop(stopGrace); err != nil {
				logf("stopping %s: %v", name, err)
			}
		})
		worker, closeLoad, err := env.loadFor(ctx, o, p.url, o.memConc, largeQuery, checkLarge, wantLarge)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		closers = append(closers, closeLoad)
		sides = append(sides, side{name, worker, p})
	}
	if err := warmUp(ctx, sides, o.memConc, o.warmup); err != nil {
		return nil, err
	}
	rounds, err := alternate(ctx, env, sides, o.memConc, o.memRounds, o.duration)
	if err != nil {
		return nil, err
	}
	s := &memorySummary{Query: largeQuery, Concurrency: o.memConc, Rounds: o.memRounds, Duration: o.duration.String(), rounds: rounds}
	for i, sd := range sides {
		var rs []roundResult
		for _, r := range rounds {
			if r.Side == sd.name {
				rs = append(rs, r)
			}
		}
		mem, err := readMem(sd.proc.Pid())
		if err != nil {
			return nil, err
		}
		s.Sides = append(s.Sides, memorySide{Name: sd.name, Bin: bins[i].bin, Load: summarize(rs), Mem: mem})
	}
	return s, nil
}

// target: the chmcp under test keeps 16 concurrent 1 MiB results under
// 100 MB of peak RSS.
func (s *memorySummary) target() target {
	m := s.Sides[0].Mem
	return target{
		Name:  fmt.Sprintf("chmcp peak RSS with %d concurrent 1 MiB results < 100 MB", s.Concurrency),
		Value: fmt.Sprintf("%.1f MB", mb(m.Peak)), Pass: m.Peak < 100<<20,
	}
}

func (s *memorySummary) print(w io.Writer) {
	fmt.Fprintf(w, "1 MiB results (%s) at c=%d: medians of %d rounds x %s per side, alternating; fresh chmcp processes\n\n",
		s.Query, s.Concurrency, s.Rounds, s.Duration)
	width := 0
	for _, sd := range s.Sides {
		width = max(width, len(sd.Name))
	}
	printHeader(w, width)
	for _, sd := range s.Sides {
		sd.Load.printRow(w, s.Concurrency, width, sd.Name)
	}
	for _, sd := range s.Sides {
		fmt.Fprintf(w, "       %-*s peak RSS %.1f MB, RSS at end %.1f MB\n", width, sd.Name, mb(sd.Mem.Peak), mb(sd.Mem.Current))
	}
	fmt.Fprintln(w)
}
