package main

// The soak test (-soak, make soak; not in CI): a query mix at concurrency
// 64 through one chmcp, with ClickHouse killed and restarted mid-run and
// then frozen, twice over. It fails on an answer that is wrong, an error
// kind that the moment does not explain, or growth (goroutines, open
// files) from the first recovery to the second.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chmcp/chmcp/internal/chtest"
)

const (
	soakCalls       = 10_000
	soakConcurrency = 64
	soakTimeout     = 15 * time.Minute // the whole soak (4-9 minutes on a busy 2-core machine)
	soakCallTimeout = 60 * time.Second
	soakDown        = 2 * time.Second // ClickHouse dead before the restart
	soakFreeze      = 3 * time.Second
	soakSettle      = 3 * time.Second // after a fault, errors are still the fault's
)

// soakQuery is one kind of call in the mix and how to tell its right answer.
type soakQuery struct {
	name, sql string
	check     func(res *toolResult) string // "" when right, else what is wrong
}

var soakMix = []soakQuery{
	{"small", "SELECT 1", func(r *toolResult) string {
		return expectRows(r, 1, false, "", `[1]`)
	}},
	{"1000-row", "SELECT number, toString(number) FROM numbers(1000)", func(r *toolResult) string {
		return expectRows(r, 1000, false, "", `["999","999"]`) // UInt64 as a string (docs/results.md)
	}},
	{"error", "SELECT * FROM soak_no_such_table", nil}, // a ClickHouse error 60 is its right answer
	{"truncated", "SELECT number, repeat('x', 2000) FROM numbers(600)", func(r *toolResult) string {
		return expectRows(r, -1, true, "max_result_bytes", "")
	}},
}

// toolResult is what the soak reads of a tools/call response.
type toolResult struct {
	IsError bool `json:"isError"`
	Meta    struct {
		Error *struct {
			Kind string `json:"kind"`
			Code int    `json:"code"`
		} `json:"chmcp/error"`
	} `json:"_meta"`
	Structured *struct {
		Rows            []json.RawMessage `json:"rows"`
		RowCount        int               `json:"row_count"`
		Truncated       bool              `json:"truncated"`
		TruncatedReason string            `json:"truncated_reason"`
	} `json:"structuredContent"`
	Content []struct {
		Text string `json:"text"`
	} `json:"content"`
}

// expectRows checks a successful result: rows row count (-1: any, at
// least one), truncation, and the last row.
func expectRows(r *toolResult, rows int, truncated bool, reason, last string) string {
	s := r.Structured
	switch {
	case s == nil:
		return "no structuredContent"
	case rows >= 0 && (s.RowCount != rows || len(s.Rows) != rows):
		return fmt.Sprintf("row_count %d, %d rows, want %d", s.RowCount, len(s.Rows), rows)
	case rows < 0 && (s.RowCount < 1 || len(s.Rows) != s.RowCount):
		return fmt.Sprintf("row_count %d, %d rows", s.RowCount, len(s.Rows))
	case s.Truncated != truncated || s.TruncatedReason != reason:
		return fmt.Sprintf("truncated %v (%q), want %v (%q)", s.Truncated, s.TruncatedReason, truncated, reason)
	case last != "" && string(s.Rows[len(s.Rows)-1]) != last:
		return fmt.Sprintf("last row %s, want %s", s.Rows[len(s.Rows)-1], last)
	case len(r.Content) != 1 || !json.Valid([]byte(r.Content[0].Text)):
		return "the text content is not the result JSON"
	}
	return ""
}

// soakCall is one finished call.
type soakCall struct {
	start, end time.Time
	outcome    string // "ok", an error kind ("clickhouse 60", "connection"), or "WRONG: ..."/"transport: ..."
}

type window struct{ from, to time.Time }

// soakRun is one pass: the calls and the fault windows.
type soakRun struct {
	calls   []soakCall
	extra   []soakCall // started during a fault
	faults  []window
	elapsed time.Duration
}

func runSoak(ctx context.Context, o options) int {
	ctx, cancel := context.WithTimeout(ctx, soakTimeout)
	defer cancel()
	if err := soak(ctx, o); err != nil {
		logf("soak: FAIL: %v", err)
		return 1
	}
	fmt.Println("soak: PASS")
	return 0
}

func soak(ctx context.Context, o options) error {
	env := &environment{bin: o.chmcpPath}
	if env.bin == "" {
		return fmt.Errorf("-soak needs -chmcp (make soak builds bin/chmcp)")
	}
	ch, err := chtest.Start(ctx, chtest.Options{Logf: logf})
	if err != nil {
		return err
	}
	env.ch = ch
	defer func() {
		syscall.Kill(-ch.Pid(), syscall.SIGCONT) // never leave it frozen
		if err := ch.Stop(); err != nil {
			logf("stopping ClickHouse: %v", err)
		}
	}()
	proc, err := env.startChmcp(ctx, o, "chmcp (soak)", "--metrics", "--log-level", "error")
	if err != nil {
		return err
	}
	defer proc.Stop(stopGrace)
	client := &http.Client{Timeout: soakCallTimeout, Transport: &http.Transport{
		MaxIdleConns: soakConcurrency, MaxIdleConnsPerHost: soakConcurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	l := &soakLoad{url: proc.url, client: client}
	for _, q := range soakMix {
		l.bodies = append(l.bodies, bodyFor(q.sql))
	}
	// Warm up: every kind of call once, right.
	for i := range soakMix {
		if out := l.call(ctx, i); out != soakMix[i].want() {
			return fmt.Errorf("warm-up %s: %s", soakMix[i].name, out)
		}
	}
	before, err := sample(ctx, proc, client)
	if err != nil {
		return err
	}
	var after []procSample
	var failures []string
	for pass := 1; pass <= 2; pass++ {
		run := l.run(ctx, ch)
		if ctx.Err() != nil {
			return fmt.Errorf("pass %d: out of time (%s): %w", pass, soakTimeout, ctx.Err())
		}
		time.Sleep(soakSettle) // let the pool and the keep-alive connections settle
		s, err := sample(ctx, proc, client)
		if err != nil {
			return err
		}
		after = append(after, s)
		failures = append(failures, run.report(pass, s)...)
	}
	fmt.Printf("\nchmcp before: %s\nafter pass 1: %s\nafter pass 2: %s\n", before, after[0], after[1])
	// Growth from one recovery to the next: the same load and faults again
	// must leave chmcp where the first pass did.
	a, b := after[0], after[1]
	if b.goroutines > a.goroutines+10 {
		failures = append(failures, fmt.Sprintf("goroutines grew from %d to %d between the recoveries", a.goroutines, b.goroutines))
	}
	if b.fds > a.fds+8 {
		failures = append(failures, fmt.Sprintf("open files grew from %d to %d between the recoveries", a.fds, b.fds))
	}
	if b.mem.Current > a.mem.Current+a.mem.Current/2 {
		failures = append(failures, fmt.Sprintf("RSS grew from %.1f to %.1f MB between the recoveries", mb(a.mem.Current), mb(b.mem.Current)))
	}
	if len(failures) > 0 {
		return fmt.Errorf("\n  %s", strings.Join(failures, "\n  "))
	}
	return nil
}

// want is the outcome of a right answer.
func (q soakQuery) want() string {
	if q.check == nil {
		return "clickhouse 60"
	}
	return "ok"
}

type soakLoad struct {
	url    string
	client *http.Client
	bodies [][]byte
}

// call sends call kind i and returns its outcome.
func (l *soakLoad) call(ctx context.Context, i int) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(l.bodies[i]))
	if err != nil {
		return "transport: " + err.Error()
	}
	req.Header = http.Header{
		"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"},
		"Mcp-Protocol-Version": {protocolVersion}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"execute_query"},
	}
	var buf bytes.Buffer
	resp, err := l.client.Do(req)
	if err != nil {
		return "transport: " + err.Error()
	}
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("transport: HTTP %d %v %s", resp.StatusCode, err, abbrev(buf.Bytes()))
	}
	var msg struct {
		Error  *struct{ Message string } `json:"error"`
		Result *toolResult               `json:"result"`
	}
	if err := json.Unmarshal(buf.Bytes(), &msg); err != nil || msg.Result == nil {
		return "WRONG: not a tool result: " + abbrev(buf.Bytes())
	}
	r := msg.Result
	if r.IsError {
		if r.Meta.Error == nil {
			return "WRONG: an error without chmcp/error"
		}
		if r.Meta.Error.Kind == "clickhouse" {
			return "clickhouse " + strconv.Itoa(r.Meta.Error.Code)
		}
		return r.Meta.Error.Kind
	}
	q := soakMix[i]
	if q.check == nil {
		return "WRONG: the error query succeeded"
	}
	if bad := q.check(r); bad != "" {
		return "WRONG: " + q.name + ": " + bad
	}
	return "ok"
}

// run makes soakCalls calls at soakConcurrency, killing and restarting
// ClickHouse at 30% of them and freezing it at 65%. Calls started during a
// fault are extra: the load goes on through it (and must be answered
// properly), but the soakCalls are the ones around it.
func (l *soakLoad) run(ctx context.Context, ch *chtest.Server) soakRun {
	var next, done atomic.Int64
	var faulting atomic.Bool
	calls := make([]soakCall, soakCalls)
	kinds := make([]int, soakCalls)
	var extraMu sync.Mutex
	var extra []soakCall
	var wg sync.WaitGroup
	start := time.Now()
	for w := range soakConcurrency {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				if faulting.Load() {
					t0 := time.Now()
					kind := i % len(soakMix)
					out := l.call(ctx, kind)
					if out == soakMix[kind].want() {
						out = "ok"
					}
					extraMu.Lock()
					extra = append(extra, soakCall{start: t0, end: time.Now(), outcome: out})
					extraMu.Unlock()
					continue
				}
				n := int(next.Add(1)) - 1
				if n >= soakCalls {
					return
				}
				kinds[n] = n % len(soakMix)
				t0 := time.Now()
				out := l.call(ctx, kinds[n])
				calls[n] = soakCall{start: t0, end: time.Now(), outcome: out}
				done.Add(1)
			}
		})
	}
	var run soakRun
	waitFor := func(share float64) bool {
		for done.Load() < int64(share*soakCalls) {
			if ctx.Err() != nil || next.Load() >= soakCalls {
				return false
			}
			time.Sleep(10 * time.Millisecond)
		}
		return true
	}
	if waitFor(0.30) {
		w := window{from: time.Now()}
		faulting.Store(true)
		logf("soak: killing ClickHouse (pid %d) after %d calls", ch.Pid(), done.Load())
		ch.Kill()
		time.Sleep(soakDown)
		if err := ch.Restart(ctx); err != nil {
			logf("soak: restarting ClickHouse: %v", err)
		}
		time.Sleep(soakSettle)
		faulting.Store(false)
		w.to = time.Now()
		run.faults = append(run.faults, w)
		logf("soak: ClickHouse back (pid %d); fault window %s", ch.Pid(), w.to.Sub(w.from).Round(time.Millisecond))
	}
	if waitFor(0.65) {
		w := window{from: time.Now()}
		faulting.Store(true)
		logf("soak: freezing ClickHouse for %s after %d calls", soakFreeze, done.Load())
		syscall.Kill(-ch.Pid(), syscall.SIGSTOP)
		time.Sleep(soakFreeze)
		syscall.Kill(-ch.Pid(), syscall.SIGCONT)
		time.Sleep(soakSettle)
		faulting.Store(false)
		w.to = time.Now()
		run.faults = append(run.faults, w)
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	run.calls = calls[:min(int(done.Load()), soakCalls)]
	for i := range run.calls {
		if want := soakMix[kinds[i]].want(); run.calls[i].outcome == want {
			run.calls[i].outcome = "ok" // the error query's right answer counts as right
		}
	}
	run.extra = extra
	return run
}

// faultKinds may answer a call that overlaps a fault window.
var faultKinds = []string{"connection", "cancelled", "busy", "timeout"}

// report prints a pass and returns its failures.
func (r soakRun) report(pass int, s procSample) []string {
	byKind, faultKind := map[string]int{}, map[string]int{}
	for _, c := range r.extra {
		faultKind[c.outcome]++
	}
	var lat []time.Duration
	var failures []string
	for _, c := range slices.Concat(r.calls, r.extra) {
		if c.outcome == "ok" {
			continue
		}
		inFault := slices.ContainsFunc(r.faults, func(w window) bool { return c.end.After(w.from) && c.start.Before(w.to) })
		expected := inFault && (slices.Contains(faultKinds, c.outcome) || strings.HasPrefix(c.outcome, "clickhouse "))
		if !expected && len(failures) < 10 {
			failures = append(failures, fmt.Sprintf("pass %d: unexpected outcome %q (in a fault window: %v)", pass, c.outcome, inFault))
		}
	}
	for _, c := range r.calls {
		byKind[c.outcome]++
		if c.outcome == "ok" {
			lat = append(lat, c.end.Sub(c.start))
		}
	}
	slices.Sort(lat)
	fmt.Printf("\nsoak pass %d: %d calls at concurrency %d in %s (%.0f calls/s); p50 %.1f ms, p99 %.1f ms (right answers)\n",
		pass, len(r.calls), soakConcurrency, r.elapsed.Round(time.Millisecond), float64(len(r.calls))/r.elapsed.Seconds(),
		ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)))
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Printf("  %-40s %6d\n", k, byKind[k])
	}
	fmt.Printf("  and %d more calls started during the faults (%s in all):\n", len(r.extra), faultTime(r.faults))
	kinds = kinds[:0]
	for k := range faultKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Printf("  %-40s %6d\n", k, faultKind[k])
	}
	fmt.Printf("  chmcp after the pass: %s\n", s)
	if len(r.calls) < soakCalls {
		failures = append(failures, fmt.Sprintf("pass %d: only %d of %d calls finished", pass, len(r.calls), soakCalls))
	}
	return failures
}

// procSample is chmcp's resources at one moment.
type procSample struct {
	goroutines int
	fds        int
	mem        memInfo
}

func (s procSample) String() string {
	return fmt.Sprintf("%d goroutines, %d open files, RSS %.1f MB (peak %.1f MB)", s.goroutines, s.fds, mb(s.mem.Current), mb(s.mem.Peak))
}

// sample reads chmcp's goroutines (from its /metrics), open files and
// memory (from /proc).
func sample(ctx context.Context, p *process, client *http.Client) (procSample, error) {
	var s procSample
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"metrics", nil)
	if err != nil {
		return s, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return s, fmt.Errorf("GET /metrics: %w", err)
	}
	var body bytes.Buffer
	_, err = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return s, err
	}
	for line := range strings.Lines(body.String()) {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			s.goroutines, err = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if err != nil || s.goroutines == 0 {
		return s, fmt.Errorf("no go_goroutines in /metrics (%v)", err)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Pid()))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	s.mem, err = readMem(p.Pid())
	return s, err
}

func faultTime(ws []window) time.Duration {
	var d time.Duration
	for _, w := range ws {
		d += w.to.Sub(w.from)
	}
	return d.Round(time.Millisecond)
}
