package oauth

import (
	"errors"
	"testing"
	"time"
)

// TestMemoryStoreRevokeBeforeStart: a replayed code may revoke its family
// before the first redemption has started it; the revocation must stick
// (as it does in the ClickHouse store).
func TestMemoryStoreRevokeBeforeStart(t *testing.T) {
	m := NewMemoryStore()
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	if err := m.Revoke(ctx, "fam"); err != nil {
		t.Fatal(err)
	}
	if err := m.StartFamily(ctx, "fam", "t1", exp); err != nil {
		t.Fatal(err)
	}
	if err := m.Rotate(ctx, "fam", "t1", "t2", exp); !errors.Is(err, ErrRevoked) {
		t.Fatalf("rotate after revoke-then-start: %v, want ErrRevoked", err)
	}
}

// TestMemoryStoreExpiry: expired families refuse to rotate and are
// collected.
func TestMemoryStoreExpiry(t *testing.T) {
	m := NewMemoryStore()
	now := time.Now()
	m.now = func() time.Time { return now }
	ctx := t.Context()
	_ = m.StartFamily(ctx, "fam", "t1", now.Add(time.Minute))
	now = now.Add(2 * time.Minute)
	if err := m.Rotate(ctx, "fam", "t1", "t2", now.Add(time.Hour)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("rotate an expired family: %v", err)
	}
	m.mu.Lock()
	m.gc()
	n := len(m.families)
	m.mu.Unlock()
	if n != 0 {
		t.Errorf("%d families left after gc", n)
	}
}
