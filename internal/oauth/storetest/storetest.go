// Package storetest is the behaviour every oauth.Store must have, run
// against each implementation by its own tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/oauth"
)

// Run checks s. Ids are made unique per call so a shared backend can be reused.
func Run(t *testing.T, s oauth.Store) {
	ctx := context.Background()
	uniq := fmt.Sprintf("%d", time.Now().UnixNano())
	exp := time.Now().Add(time.Hour)

	t.Run("code single use", func(t *testing.T) {
		if err := s.UseCode(ctx, "c1-"+uniq, exp); err != nil {
			t.Fatal(err)
		}
		if err := s.UseCode(ctx, "c1-"+uniq, exp); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("second use: %v, want ErrReused", err)
		}
		if err := s.UseCode(ctx, "c2-"+uniq, exp); err != nil {
			t.Fatalf("another code: %v", err)
		}
	})

	t.Run("rotation and reuse detection", func(t *testing.T) {
		fam := "f1-" + uniq
		if err := s.StartFamily(ctx, fam, "t1", exp); err != nil {
			t.Fatal(err)
		}
		if err := s.Rotate(ctx, fam, "t1", "t2", exp); err != nil {
			t.Fatalf("t1->t2: %v", err)
		}
		if err := s.Rotate(ctx, fam, "t2", "t3", exp); err != nil {
			t.Fatalf("t2->t3: %v", err)
		}
		if err := s.Rotate(ctx, fam, "t1", "tx", exp); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("replay of t1: %v, want ErrReused", err)
		}
		if err := s.Rotate(ctx, fam, "t3", "t4", exp); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("current token after a replay: %v, want ErrRevoked (family dead)", err)
		}
	})

	t.Run("unknown and revoked families", func(t *testing.T) {
		if err := s.Rotate(ctx, "nope-"+uniq, "a", "b", exp); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("unknown family: %v", err)
		}
		fam := "f2-" + uniq
		if err := s.StartFamily(ctx, fam, "a", exp); err != nil {
			t.Fatal(err)
		}
		if err := s.Revoke(ctx, fam); err != nil {
			t.Fatal(err)
		}
		if err := s.Rotate(ctx, fam, "a", "b", exp); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("revoked family: %v", err)
		}
	})

	t.Run("concurrent redemption of one refresh token", func(t *testing.T) {
		fam := "f3-" + uniq
		if err := s.StartFamily(ctx, fam, "r1", exp); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 4)
		for i := range results {
			wg.Go(func() { results[i] = s.Rotate(ctx, fam, "r1", fmt.Sprintf("r2-%d", i), exp) })
		}
		wg.Wait()
		// At most one winner, and the family must end up revoked: even
		// the winner's new token (r1 when nobody won) no longer rotates.
		ok, current := 0, "r1"
		for i, err := range results {
			if err == nil {
				ok, current = ok+1, fmt.Sprintf("r2-%d", i)
			}
		}
		if ok > 1 {
			t.Fatalf("%d concurrent redemptions succeeded: %v", ok, results)
		}
		if err := s.Rotate(ctx, fam, current, "r3", exp); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("rotating %s after concurrent reuse: %v, want ErrRevoked (family dead)", current, err)
		}
	})
}
