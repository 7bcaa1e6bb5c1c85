package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestTimeLimitOf(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want time.Duration
	}{
		{3, 3 * time.Second}, {int64(2), 2 * time.Second}, {uint64(1), time.Second}, {1.5, 1500 * time.Millisecond},
		{"4", 4 * time.Second}, {json.Number("2"), 2 * time.Second}, {0, 0}, {"x", 0}, {nil, 0}, {-1, 0},
	} {
		if got := timeLimitOf(tc.v); got != tc.want {
			t.Errorf("timeLimitOf(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

// TestGateWaitsThenBusy: a full gate makes a caller wait pool_wait, then
// fail with BusyError; a slot freed meanwhile admits it; a caller that
// goes away stops waiting.
func TestGateWaitsThenBusy(t *testing.T) {
	g := newGate(1, 100*time.Millisecond)
	release, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := g.stats(); !s.Saturated || s.InUse != 1 || s.Size != 1 {
		t.Fatalf("stats of a full gate: %+v", s)
	}
	start := time.Now()
	_, err = g.enter(context.Background())
	var be *BusyError
	if took := time.Since(start); !errors.As(err, &be) || took < 100*time.Millisecond || took > time.Second {
		t.Fatalf("full gate: %v after %s, want BusyError after 100ms", err, took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.enter(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	time.AfterFunc(30*time.Millisecond, release)
	release2, err := g.enter(context.Background())
	if err != nil {
		t.Fatalf("slot freed while waiting: %v", err)
	}
	release2()
	release2() // idempotent
	if s := g.stats(); s.InUse != 0 || s.Saturated || s.Waiting != 0 {
		t.Fatalf("stats of an empty gate: %+v", s)
	}
}
