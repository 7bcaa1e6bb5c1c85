// Package budget bounds the memory of the query results all calls hold at
// once (server.max_inflight_result_bytes). A call reserves the bytes of its
// result as they are encoded and gives them back when its response has been
// written; a reservation the budget cannot grant fails the call at once
// with BusyError ("server busy") instead of letting memory grow.
package budget

import (
	"context"
	"fmt"
	"sync"
)

// Budget is the server-wide count of result bytes in flight. A nil
// *Budget is unlimited.
type Budget struct {
	limit int64

	mu      sync.Mutex
	used    int64
	peak    int64
	refused int64
}

// New returns a budget of limit bytes; limit <= 0 means unlimited (nil).
func New(limit int64) *Budget {
	if limit <= 0 {
		return nil
	}
	return &Budget{limit: limit}
}

// Stats is a snapshot of a budget's counters.
type Stats struct {
	Limit   int64 // bytes
	InUse   int64 // bytes reserved now
	Peak    int64 // most bytes ever reserved at once
	Refused int64 // reservations refused
}

// Stats returns the counters (zero for a nil budget).
func (b *Budget) Stats() Stats {
	if b == nil {
		return Stats{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Limit: b.limit, InUse: b.used, Peak: b.peak, Refused: b.refused}
}

// BusyError is a reservation the budget refused.
type BusyError struct{ Limit int64 }

func (e *BusyError) Error() string {
	return fmt.Sprintf("server busy: the results of other calls fill the server's result memory (server.max_inflight_result_bytes = %d); retry shortly", e.Limit)
}

// Hold is what one call has reserved. Its methods are safe on a nil Hold
// (unlimited) and for concurrent use.
type Hold struct {
	b *Budget
	n int64 // guarded by b.mu
}

// Reserve adds n bytes to the hold, or returns a *BusyError. A hold that is
// alone in the budget is never refused, so a result within
// max_result_bytes always fits when nothing else is in flight.
func (h *Hold) Reserve(n int64) error {
	if h == nil || n <= 0 {
		return nil
	}
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit && b.used != h.n {
		b.refused++
		return &BusyError{Limit: b.limit}
	}
	h.n += n
	b.used += n
	b.peak = max(b.peak, b.used)
	return nil
}

// release gives every byte of the hold back.
func (h *Hold) release() {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= h.n
	h.n = 0
}

type holdKey struct{}

// With returns ctx carrying a new hold on b, and the func that releases
// it: call it once the results reserved under ctx are no longer in memory
// (their response is written). A nil budget returns ctx and a no-op.
func With(ctx context.Context, b *Budget) (context.Context, func()) {
	if b == nil {
		return ctx, func() {}
	}
	h := &Hold{b: b}
	return context.WithValue(ctx, holdKey{}, h), h.release
}

// From returns the hold in ctx, or nil (unlimited).
func From(ctx context.Context) *Hold {
	h, _ := ctx.Value(holdKey{}).(*Hold)
	return h
}
