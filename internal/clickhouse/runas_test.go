package clickhouse

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chmcp/chmcp/internal/identity"
)

// TestEffectiveUserWorkedOutOnce (issue 14): the ClickHouse user a
// caller's statements run as is worked out once, when the auth boundary
// binds the identity to the request's client, and carried from there. A
// query that reads the user's profile, plans its limits, runs as the user
// and reports it used to work it out again at each step.
func TestEffectiveUserWorkedOutOnce(t *testing.T) {
	c := newTestClient(t, secretConfig(t))
	var computed atomic.Int64
	c.onEffectiveUser = func() { computed.Add(1) }
	ctx := context.Background()
	limited := QueryOptions{ReadOnly: true, Settings: map[string]any{"max_rows_to_read": int64(1000)}} // planned against the profile

	id := c.Bind(as("alice"))
	if id.RunAs != "alice" || computed.Load() != 1 {
		t.Fatalf("Bind: RunAs %q, worked out %d times", id.RunAs, computed.Load())
	}
	res, err := c.Query(ctx, id, "SELECT currentUser()", limited)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Trim(string(res.Row(0)), `[]"`); got != "alice" || res.User != "alice" {
		t.Fatalf("ran as %q, reported %q; want alice", got, res.User)
	}
	if _, err := c.Exec(ctx, id, "SELECT 1", QueryOptions{Settings: limited.Settings}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDatabases(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := computed.Load(); n != 1 {
		t.Fatalf("the effective user was worked out %d times for a bound identity; want once, at Bind", n)
	}

	// An identity nobody bound (stdio, tests): once per statement, not per step.
	computed.Store(0)
	if _, err := c.Query(ctx, as("bob"), "SELECT 1", limited); err != nil {
		t.Fatal(err)
	}
	if n := computed.Load(); n != 1 {
		t.Fatalf("an unbound query worked out its user %d times; want 1", n)
	}
}

// TestBoundUserIsAuthorized: the user a statement carries is the one the
// impersonation policy checks. An identity bound elsewhere to a protected
// user is refused before ClickHouse, even without a caller user of its own.
func TestBoundUserIsAuthorized(t *testing.T) {
	c := newTestClient(t, secretConfig(t))
	stray := identity.Identity{Source: identity.SourceConfig, RunAs: "default"}
	_, err := c.Query(context.Background(), stray, "SELECT currentUser()", QueryOptions{ReadOnly: true})
	if _, ok := err.(*identity.PolicyError); !ok {
		t.Fatalf("a query carrying the protected user default: %v, want a policy refusal", err)
	}
	// The configuration identity, bound here, runs as clickhouse.username.
	if got := currentUser(t, c, c.Bind(anyone)); got != srv(t).AdminUser {
		t.Fatalf("configuration identity ran as %q", got)
	}
}
