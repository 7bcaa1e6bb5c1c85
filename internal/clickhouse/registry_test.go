package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/config"
)

func loginConfig(t testing.TB, user, password string) config.ClickHouseConfig {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Username, cfg.Password = user, config.Secret(password)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 2, 2
	return cfg
}

func acquire(t *testing.T, r *Registry, cfg config.ClickHouseConfig) (*Client, func()) {
	t.Helper()
	c, release, err := r.Acquire(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, release
}

func TestRegistryClientPerLogin(t *testing.T) {
	shared := newTestClient(t, loginConfig(t, "default", ""))
	r := NewRegistry(shared, RegistryOptions{})
	defer r.Close()

	if c, _ := acquire(t, r, loginConfig(t, "default", "")); c != shared || r.Len() != 0 {
		t.Fatal("the server's own configuration did not get the shared client")
	}
	admin, release := acquire(t, r, loginConfig(t, srv(t).AdminUser, srv(t).AdminPassword))
	defer release()
	if got := currentUser(t, admin, anyone); got != srv(t).AdminUser {
		t.Fatalf("currentUser() = %q", got)
	}
	if admin.policy != shared.policy {
		t.Fatal("a token's client compiled an identity policy of its own")
	}
	alice, releaseAlice := acquire(t, r, loginConfig(t, "alice", ""))
	defer releaseAlice()
	if got := currentUser(t, alice, anyone); got != "alice" {
		t.Fatalf("currentUser() = %q", got)
	}
	again, releaseAgain := acquire(t, r, loginConfig(t, srv(t).AdminUser, srv(t).AdminPassword))
	releaseAgain()
	if again != admin || r.Len() != 2 {
		t.Fatalf("same login, new client (len %d)", r.Len())
	}
	// The password is part of the identity of a connection.
	wrong, releaseWrong := acquire(t, r, loginConfig(t, srv(t).AdminUser, "wrong"))
	defer releaseWrong()
	if wrong == admin {
		t.Fatal("a different password shares a pool")
	}
	if _, err := wrong.Query(context.Background(), anyone, "SELECT 1", QueryOptions{ReadOnly: true}); err == nil {
		t.Fatal("a wrong password logged in")
	}
}

func TestRegistryBounded(t *testing.T) {
	r := NewRegistry(nil, RegistryOptions{MaxClients: 2})
	defer r.Close()
	clock := time.Unix(1_000_000, 0)
	r.now = func() time.Time { return clock }
	use := func(user string) *Client {
		clock = clock.Add(time.Second)
		c, release := acquire(t, r, loginConfig(t, user, ""))
		release()
		return c
	}
	a, b := use("alice"), use("bob")
	use("alice") // bob is now the least recently used
	use("u3")
	if r.Len() != 2 {
		t.Fatalf("len %d, want 2", r.Len())
	}
	if _, err := b.Query(context.Background(), anyone, "SELECT 1", QueryOptions{ReadOnly: true}); err == nil {
		t.Fatal("the evicted client still works: it was not closed")
	}
	if use("alice") != a {
		t.Fatal("the recently used client was evicted")
	}

	// Clients serving a request are never evicted: a full registry refuses.
	r2 := NewRegistry(nil, RegistryOptions{MaxClients: 1})
	defer r2.Close()
	_, hold := acquire(t, r2, loginConfig(t, "alice", ""))
	if _, _, err := r2.Acquire(loginConfig(t, "bob", "")); !errors.Is(err, ErrRegistryFull) {
		t.Fatalf("want ErrRegistryFull, got %v", err)
	}
	hold()
	hold() // idempotent
	if _, release, err := r2.Acquire(loginConfig(t, "bob", "")); err != nil {
		t.Fatal(err)
	} else {
		release()
	}
}

func TestRegistryIdleTimeout(t *testing.T) {
	r := NewRegistry(nil, RegistryOptions{IdleTimeout: time.Minute})
	defer r.Close()
	clock := time.Unix(1_000_000, 0)
	r.now = func() time.Time { return clock }
	alice, releaseA := acquire(t, r, loginConfig(t, "alice", ""))
	releaseA()
	bob, holdB := acquire(t, r, loginConfig(t, "bob", ""))
	clock = clock.Add(2 * time.Minute)
	_, releaseC := acquire(t, r, loginConfig(t, "u3", "")) // sweeps alice, not bob (in use)
	releaseC()
	if r.Len() != 2 {
		t.Fatalf("len %d, want 2 (bob and u3)", r.Len())
	}
	if _, err := alice.Query(context.Background(), anyone, "SELECT 1", QueryOptions{ReadOnly: true}); err == nil {
		t.Fatal("the idle client still works: it was not closed")
	}
	if again, release := acquire(t, r, loginConfig(t, "bob", "")); again != bob {
		t.Fatal("the client in use was swept")
	} else {
		release()
	}
	holdB()
}

func TestRegistryClose(t *testing.T) {
	shared := newTestClient(t, loginConfig(t, "default", ""))
	r := NewRegistry(shared, RegistryOptions{})
	c, release := acquire(t, r, loginConfig(t, "alice", ""))
	release()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(context.Background(), anyone, "SELECT 1", QueryOptions{ReadOnly: true}); err == nil {
		t.Fatal("Close left a client open")
	}
	if _, err := shared.Check(context.Background()); err != nil {
		t.Fatalf("Close closed the shared client: %v", err)
	}
	if _, _, err := r.Acquire(loginConfig(t, "alice", "")); err == nil {
		t.Fatal("Acquire after Close succeeded")
	}
}

// TestRegistryConcurrent: many requests on a few logins, under -race, with
// eviction pressure; every acquired client works until released.
func TestRegistryConcurrent(t *testing.T) {
	logs := &chtest.LogBuffer{}
	r := NewRegistry(nil, RegistryOptions{MaxClients: 3, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	defer r.Close()
	users := []string{"alice", "bob", srv(t).AdminUser, "default"}
	var wg sync.WaitGroup
	var served atomic.Int32
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			user := users[i%len(users)]
			pw := ""
			if user == srv(t).AdminUser {
				pw = srv(t).AdminPassword
			}
			c, release, err := r.Acquire(loginConfig(t, user, pw))
			if errors.Is(err, ErrRegistryFull) {
				return // all three in use by others: an allowed outcome
			}
			if err != nil {
				errs <- err
				return
			}
			defer release()
			res, err := c.Query(context.Background(), anyone, "SELECT currentUser()", QueryOptions{ReadOnly: true})
			if err != nil {
				errs <- fmt.Errorf("%s: %w", user, err)
				return
			}
			if got := strings.Trim(string(res.Row(0)), `[]"`); got != user {
				errs <- fmt.Errorf("ran as %q, want %q", got, user)
				return
			}
			served.Add(1)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if served.Load() == 0 {
		t.Fatal("no request was served: every Acquire was refused")
	}
	if r.Len() > 3 {
		t.Fatalf("len %d exceeds the bound", r.Len())
	}
	if strings.Contains(logs.String(), srv(t).AdminPassword) {
		t.Fatal("a password reached the log")
	}
}

// TestRegistryEvictionSparesKill: a cancelled query's KILL QUERY runs after
// the request released its client. A full registry evicting that client
// must not close it under the KILL: the query must still die on the server,
// and the client closes once the KILL is done.
func TestRegistryEvictionSparesKill(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			logs := &chtest.LogBuffer{}
			r := NewRegistry(nil, RegistryOptions{MaxClients: 1, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			defer r.Close()
			cfg := loginConfig(t, srv(t).AdminUser, srv(t).AdminPassword)
			cfg.Protocol, cfg.Port = p, srv(t).ClickHouseConfig(p).Port
			c, release := acquire(t, r, cfg)

			c.kills <- struct{}{} // hold the KILL back until the client is evicted
			marker := cancelSlowQuery(t, c, "evict_under_kill_"+p)
			release()                                                     // the request is done; its KILL is not
			_, releaseOther := acquire(t, r, loginConfig(t, "alice", "")) // evicts c
			defer releaseOther()
			if r.Len() != 1 {
				t.Fatalf("len %d: the cancelled query's client was not evicted", r.Len())
			}

			<-c.kills             // let the KILL run
			c.kills <- struct{}{} // and wait until it is done
			<-c.kills
			waitFor(t, 10*time.Second, func() bool { return !running(t, marker) })
			if strings.Contains(logs.String(), "kill query after cancellation failed") {
				t.Fatalf("the KILL ran on a closed client:\n%s", logs.String())
			}
			waitFor(t, 10*time.Second, func() bool { return c.raw.Ping(context.Background()) != nil })
		})
	}
}
