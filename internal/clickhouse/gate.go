package clickhouse

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// stallGrace is how long past max_execution_time chmcp waits for
// ClickHouse's own answer before it gives up on a stalled server.
const stallGrace = 2 * time.Second

// reservedConns are driver connections callers can never take: one for
// /health, one for chmcp's KILL QUERY after a caller went away.
const reservedConns = 2

// errStalled is the cause of a statement context that outlived
// max_execution_time plus stallGrace.
var errStalled = errors.New("clickhouse: no answer within max_execution_time")

// gate admits at most size caller statements to the driver's pool at once
// (which is larger by reservedConns); a statement that finds every slot
// taken waits up to wait, then fails with a BusyError instead of queuing
// inside the driver and surfacing as a misleading connection error. It
// also ends a statement that outlives its time limit (see timeLimitOf).
type gate struct {
	slots   chan struct{}
	wait    time.Duration
	waiting atomic.Int64
}

func newGate(size int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, size), wait: wait}
}

// enter takes a slot and returns its release function.
func (g *gate) enter(ctx context.Context) (func(), error) {
	select {
	case g.slots <- struct{}{}:
	default:
		g.waiting.Add(1)
		t := time.NewTimer(g.wait)
		defer func() { g.waiting.Add(-1); t.Stop() }()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return nil, &BusyError{Conns: cap(g.slots), Waited: g.wait}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-g.slots }) }, nil
}

// PoolStats is the state of a client's caller connections, for /health.
type PoolStats struct {
	InUse     int  `json:"in_use"`
	Size      int  `json:"size"`
	Waiting   int  `json:"waiting"`
	Saturated bool `json:"saturated"`
}

func (g *gate) stats() PoolStats {
	n := len(g.slots)
	return PoolStats{InUse: n, Size: cap(g.slots), Waiting: int(g.waiting.Load()), Saturated: n >= cap(g.slots)}
}

// timeLimitKey carries a statement's max_execution_time from statement()
// to the gate.
type timeLimitKey struct{}

// timeLimitOf reads a max_execution_time setting value (seconds) as a
// duration; 0 when absent or not understood.
func timeLimitOf(v any) time.Duration {
	var sec float64
	switch x := v.(type) {
	case int:
		sec = float64(x)
	case int64:
		sec = float64(x)
	case uint64:
		sec = float64(x)
	case float64:
		sec = x
	case string:
		sec, _ = strconv.ParseFloat(x, 64)
	case interface{ String() string }: // json.Number
		sec, _ = strconv.ParseFloat(x.String(), 64)
	}
	if sec <= 0 {
		return 0
	}
	return time.Duration(sec * float64(time.Second))
}

// gatedConn is the driver's pool as callers' statements use it: through
// the gate, and bounded by their time limit.
type gatedConn struct {
	driver.Conn
	g *gate
}

// statementRun is one admitted statement: its context (cancelled with
// errStalled when the time limit plus grace passes) and what ends it.
type statementRun struct {
	ctx     context.Context
	cancel  context.CancelFunc
	release func()
	limit   time.Duration
	start   time.Time
}

func (g *gatedConn) begin(ctx context.Context) (*statementRun, error) {
	release, err := g.g.enter(ctx)
	if err != nil {
		return nil, err
	}
	r := &statementRun{ctx: ctx, cancel: func() {}, release: release, start: time.Now()}
	if limit, _ := ctx.Value(timeLimitKey{}).(time.Duration); limit > 0 {
		r.limit = limit
		deadline := r.start.Add(limit + stallGrace)
		if b, ok := ctx.Value(callBudgetKey{}).(*callBudget); ok {
			deadline = b.deadline(r.start, limit+stallGrace)
		}
		sctx, cancel := context.WithDeadlineCause(ctx, deadline, errStalled)
		r.ctx, r.cancel = keepTimeLimit{sctx}, cancel
	}
	return r, nil
}

// callBudget makes the statements of one call (the guard's and limits'
// lookups, then the caller's statement) share one stall deadline, set
// when the first of them is admitted: a call ends at max_execution_time
// plus the grace however many statements it needed.
type callBudget struct {
	once sync.Once
	end  time.Time
}

type callBudgetKey struct{}

// withCallBudget starts a call's budget in ctx.
func withCallBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, callBudgetKey{}, &callBudget{})
}

func (b *callBudget) deadline(start time.Time, d time.Duration) time.Time {
	b.once.Do(func() { b.end = start.Add(d) })
	return b.end
}

func (r *statementRun) end() { r.cancel(); r.release() }

// explain turns the driver's error into a TimeoutError when the statement
// was ended for outliving its limit (and the caller is still there).
func (r *statementRun) explain(err error) error {
	if err != nil && r.limit > 0 && context.Cause(r.ctx) == errStalled {
		return &TimeoutError{Limit: r.limit, Stalled: true, Cause: err}
	}
	return err
}

func (g *gatedConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	r, err := g.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, abandoned, err := boundedIf(g.mayDial(), r.ctx, func() (driver.Rows, error) { return g.Conn.Query(r.ctx, query, args...) },
		func(rows driver.Rows, err error) {
			if err == nil { // on error clickhouse-go returns a typed nil
				rows.Close()
			}
			r.end()
		})
	if err != nil {
		if !abandoned {
			r.end()
		}
		return nil, r.explain(err)
	}
	return &gatedRows{Rows: rows, run: r}, nil
}

// mayDial: the pool has no idle connection, so a statement may have to
// dial. Only then does it need boundedIf's goroutine: on a pooled connection
// clickhouse-go watches the context itself, and most calls then cost no
// goroutine handoff (measurable at concurrency 1). A race with another
// caller taking the last idle connection costs at most dial_timeout.
func (g *gatedConn) mayDial() bool { return g.Conn.Stats().Idle == 0 }

// boundedIf, when mayDial, calls call and waits for it or for ctx to end,
// whichever comes first: clickhouse-go does not watch the context while it
// dials and shakes hands (up to dial_timeout), so a statement that needs a
// new connection to a frozen ClickHouse would outlive its time limit. When
// ctx ends first, it returns its cause with abandoned set, and the call's
// eventual result goes to late, in the background. Without mayDial it is a
// plain call.
func boundedIf[T any](mayDial bool, ctx context.Context, call func() (T, error), late func(T, error)) (v T, abandoned bool, err error) {
	if !mayDial {
		v, err = call()
		return v, false, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	select {
	case res := <-done:
		return res.v, false, res.err
	case <-ctx.Done():
		go func() {
			res := <-done
			late(res.v, res.err)
		}()
		return v, true, context.Cause(ctx)
	}
}

func (g *gatedConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	r, err := g.begin(ctx)
	if err != nil {
		return errRow{err}
	}
	return &gatedRow{Row: g.Conn.QueryRow(r.ctx, query, args...), run: r}
}

func (g *gatedConn) Exec(ctx context.Context, query string, args ...any) error {
	r, err := g.begin(ctx)
	if err != nil {
		return err
	}
	_, abandoned, err := boundedIf(g.mayDial(), r.ctx, func() (struct{}, error) { return struct{}{}, g.Conn.Exec(r.ctx, query, args...) },
		func(struct{}, error) { r.end() })
	if !abandoned {
		r.end()
	}
	return r.explain(err)
}

// gatedRows holds the slot until closed, and refuses to call a result
// complete when the statement outran its time limit: ClickHouse can end
// such a query with a normal end of stream and part of the result (or
// none of it), without an exception (see TimeoutError.Incomplete).
type gatedRows struct {
	driver.Rows
	run   *statementRun
	ended bool // Next returned false: the stream is over
	err   error
}

func (r *gatedRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	if !r.ended {
		r.ended = true
		r.err = r.run.explain(r.Rows.Err())
		if r.err == nil && r.run.limit > 0 && time.Since(r.run.start) > r.run.limit {
			r.err = &TimeoutError{Limit: r.run.limit, Incomplete: true}
		}
	}
	return false
}

func (r *gatedRows) Err() error {
	if r.ended {
		return r.err
	}
	return r.run.explain(r.Rows.Err())
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	r.run.end()
	return r.run.explain(err)
}

type gatedRow struct {
	driver.Row
	run *statementRun
}

func (r *gatedRow) Scan(dest ...any) error {
	defer r.run.end()
	return r.run.explain(r.Row.Scan(dest...))
}

func (r *gatedRow) ScanStruct(dest any) error {
	defer r.run.end()
	return r.run.explain(r.Row.ScanStruct(dest))
}

func (r *gatedRow) Err() error { return r.run.explain(r.Row.Err()) }

type errRow struct{ err error }

func (r errRow) Err() error           { return r.err }
func (r errRow) Scan(...any) error    { return r.err }
func (r errRow) ScanStruct(any) error { return r.err }
