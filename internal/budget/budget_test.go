package budget

import (
	"context"
	"errors"
	"testing"
)

func TestBudget(t *testing.T) {
	b := New(100)
	ctxA, releaseA := With(context.Background(), b)
	ctxB, releaseB := With(context.Background(), b)
	a, bh := From(ctxA), From(ctxB)
	if err := a.Reserve(70); err != nil {
		t.Fatal(err)
	}
	// Alone in the budget, a hold may pass the limit: a single result
	// within max_result_bytes always fits.
	if err := a.Reserve(50); err != nil {
		t.Fatalf("a hold alone was refused: %v", err)
	}
	var busy *BusyError
	if err := bh.Reserve(1); !errors.As(err, &busy) || busy.Limit != 100 {
		t.Fatalf("over the limit with another hold in flight: err = %v, want a BusyError", err)
	}
	if got := b.Stats(); got != (Stats{Limit: 100, InUse: 120, Peak: 120, Refused: 1}) {
		t.Fatalf("stats = %+v", got)
	}
	releaseA()
	releaseA() // twice is harmless
	if err := bh.Reserve(100); err != nil {
		t.Fatalf("after the release: %v", err)
	}
	releaseB()
	if got := b.Stats(); got.InUse != 0 || got.Peak != 120 {
		t.Fatalf("after every release: %+v", got)
	}
}

func TestNilBudgetIsUnlimited(t *testing.T) {
	if New(0) != nil || New(-1) != nil {
		t.Fatal("a limit <= 0 is no budget")
	}
	ctx, release := With(context.Background(), nil)
	defer release()
	if h := From(ctx); h != nil || h.Reserve(1<<40) != nil {
		t.Fatal("a nil budget refused")
	}
	if (*Budget)(nil).Stats() != (Stats{}) {
		t.Fatal("stats of nil")
	}
}
