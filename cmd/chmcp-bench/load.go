package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// callFunc makes one call; each load goroutine has its own.
type callFunc func(ctx context.Context) error

// newWorkerFunc hands out a load goroutine's callFunc, and what to call
// once the goroutine is done with it (returning a connection, say).
type newWorkerFunc func() (call callFunc, release func())

// loadResult is one closed-loop run: conc goroutines calling back to back
// until the duration is up (calls in flight at the deadline finish).
type loadResult struct {
	calls    int             // successful calls
	errors   int             // failed calls
	firstErr error           // the first failure, for the report
	elapsed  time.Duration   // until the last goroutine finished
	lat      []time.Duration // latencies of the successful calls, sorted
}

func runLoad(ctx context.Context, conc int, d time.Duration, newWorker newWorkerFunc) loadResult {
	type out struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	outs := make([]out, conc)
	calls := make([]callFunc, conc)
	for i := range calls {
		var release func()
		calls[i], release = newWorker()
		defer release()
		outs[i].lat = make([]time.Duration, 0, 1<<14)
	}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range conc {
		wg.Go(func() {
			o, call := &outs[i], calls[i]
			for t0 := time.Now(); t0.Before(deadline) && ctx.Err() == nil; {
				err := call(ctx)
				t1 := time.Now()
				if err != nil {
					o.errors++
					if o.firstErr == nil {
						o.firstErr = err
					}
				} else {
					o.lat = append(o.lat, t1.Sub(t0))
				}
				t0 = t1
			}
		})
	}
	wg.Wait()
	r := loadResult{elapsed: time.Since(start)}
	for _, o := range outs {
		r.lat = append(r.lat, o.lat...)
		r.errors += o.errors
		if r.firstErr == nil {
			r.firstErr = o.firstErr
		}
	}
	r.calls = len(r.lat)
	slices.Sort(r.lat)
	return r
}

// percentile is the nearest-rank q-quantile (0 < q <= 1) of sorted values.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
