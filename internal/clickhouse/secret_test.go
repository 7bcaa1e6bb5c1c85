package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// secretConfig authenticates with the harness cluster's interserver secret;
// "admin" is the fallback user, and its (garbage) password must not matter.
func secretConfig(t testing.TB) config.ClickHouseConfig {
	cfg := srv(t).SecretConfig(srv(t).AdminUser)
	cfg.Password = "garbage-that-would-fail-a-password-login"
	return cfg
}

func as(user string) identity.Identity {
	return identity.Identity{User: user, Subject: user, Source: identity.SourceSubject}
}

func currentUser(t *testing.T, c *Client, id identity.Identity) string {
	t.Helper()
	res, err := c.Query(context.Background(), id, "SELECT currentUser()", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("as %q: %v", id.User, err)
	}
	return strings.Trim(string(res.Row(0)), `[]"`)
}

func TestSecretRunsAsCaller(t *testing.T) {
	cfg := secretConfig(t)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1 // one connection: the user travels per query
	c := newTestClient(t, cfg)
	for _, user := range []string{"alice", "bob", "alice"} {
		if got := currentUser(t, c, as(user)); got != user {
			t.Fatalf("currentUser() = %q, want %q", got, user)
		}
	}
	// No caller identity: the fallback user, signed (no password sent).
	if got := currentUser(t, c, anyone); got != srv(t).AdminUser {
		t.Fatalf("fallback user = %q", got)
	}
	info, err := c.Check(context.Background())
	if err != nil || info.User != srv(t).AdminUser {
		t.Fatalf("Check: %+v %v", info, err)
	}
}

// TestSecretSharedPool: many users interleaved through a small pool, each
// query sees its own user.
func TestSecretSharedPool(t *testing.T) {
	cfg := secretConfig(t)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 3, 3
	c := newTestClient(t, cfg)
	users := []string{"alice", "bob"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			user := users[i%2]
			res, err := c.Query(context.Background(), as(user), fmt.Sprintf("SELECT currentUser(), %d", i), QueryOptions{ReadOnly: true})
			if err != nil {
				errs <- err
				return
			}
			if want := fmt.Sprintf(`[%q,%d]`, user, i); string(res.Row(0)) != want {
				errs <- fmt.Errorf("query %d: got %s, want %s", i, res.Row(0), want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if open := c.conn.Stats().Open; open > 3 {
		t.Fatalf("pool grew to %d connections", open)
	}
}

func TestSecretRejections(t *testing.T) {
	cases := map[string]struct {
		mutate func(*config.ClickHouseConfig)
		user   string
	}{
		"wrong secret":    {func(c *config.ClickHouseConfig) { c.ClusterSecret = "not-the-secret" }, "alice"},
		"unknown cluster": {func(c *config.ClickHouseConfig) { c.ClusterName = "no_such_cluster" }, "alice"},
		"unknown user":    {nil, "mallory"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := secretConfig(t)
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			c := newTestClient(t, cfg)
			_, err := c.Query(context.Background(), as(tc.user), "SELECT 1", QueryOptions{ReadOnly: true})
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("want AuthError, got %T %v", err, err)
			}
			want := fmt.Sprintf("ClickHouse rejected interserver authentication for user %q on cluster %q", tc.user, cfg.ClusterName)
			if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), srv(t).ClusterSecret) {
				t.Fatalf("message = %q", err)
			}
			if tc.mutate != nil {
				// Health and test-connection must catch it too (a ping would not).
				if _, err := c.Check(context.Background()); !errors.As(err, &ae) {
					t.Fatalf("Check: want AuthError, got %v", err)
				}
			}
		})
	}
	// The server survived every rejection.
	if got := currentUser(t, newTestClient(t, secretConfig(t)), as("bob")); got != "bob" {
		t.Fatal("server unhealthy after rejections")
	}
}

func TestSecretFromFile(t *testing.T) {
	cfg := secretConfig(t)
	cfg.ClusterSecret = ""
	cfg.ClusterSecretFile = filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(cfg.ClusterSecretFile, []byte(srv(t).ClusterSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := currentUser(t, newTestClient(t, cfg), as("alice")); got != "alice" {
		t.Fatalf("currentUser() = %q", got)
	}
}

func TestSecretPolicyRefusesBeforeClickHouse(t *testing.T) {
	cfg := secretConfig(t)
	cfg.Impersonation.DeniedUsers = []string{"bob"}
	c := newTestClient(t, cfg)
	marker := fmt.Sprintf("policy_marker_%d", time.Now().UnixNano())
	// Issue 9: a name that is not plain ASCII never reaches ClickHouse
	// either, whatever the edge let through.
	for _, user := range []string{"bob", "default", srv(t).AdminUser, "\u212Aelly", "ADM\u0130N", "al ice"} {
		_, err := c.Query(context.Background(), as(user), "SELECT '"+marker+"'", QueryOptions{ReadOnly: true})
		var pe *identity.PolicyError
		if !errors.As(err, &pe) {
			t.Fatalf("as %s: want PolicyError, got %v", user, err)
		}
	}
	exec(t, "SYSTEM FLUSH LOGS")
	if n := strings.TrimSpace(exec(t, "SELECT count() FROM system.query_log WHERE query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%'")); n != "0" {
		t.Fatalf("refused queries reached ClickHouse: %s entries in query_log", n)
	}
}

func TestSecretQueryLogAttribution(t *testing.T) {
	c := newTestClient(t, secretConfig(t))
	marker := fmt.Sprintf("attribution_%d", time.Now().UnixNano())
	if _, err := c.Query(context.Background(), as("alice"), "SELECT '"+marker+"'", QueryOptions{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	exec(t, "SYSTEM FLUSH LOGS")
	got := strings.TrimSpace(exec(t, "SELECT user, initial_user, is_initial_query FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%' FORMAT TSV"))
	if got != "alice\talice\t1" {
		t.Fatalf("query_log = %q, want alice alice 1 (an initial query)", got)
	}
}

func TestSecretWithoutTLSWarns(t *testing.T) {
	for host, warn := range map[string]bool{"ch.example.com": true, "127.0.0.1": false, "localhost": false} {
		cfg := secretConfig(t)
		cfg.Host = host
		var logs strings.Builder
		c, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if got := strings.Contains(logs.String(), "without TLS"); got != warn {
			t.Errorf("host %s: warning=%v, want %v (%s)", host, got, warn, logs.String())
		}
		if strings.Contains(logs.String(), srv(t).ClusterSecret) {
			t.Fatal("secret logged")
		}
	}
}

// TestSecretOverTLS: the secret mode with TLS and certificate verification.
func TestSecretOverTLS(t *testing.T) {
	proxy, err := srv(t).StartTLSProxy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	_, port, _ := net.SplitHostPort(proxy.Addr)
	cfg := secretConfig(t)
	cfg.Port, _ = strconv.Atoi(port)
	cfg.TLS = config.TLSConfig{Enabled: true, CACert: proxy.CAFile}
	if got := currentUser(t, newTestClient(t, cfg), as("bob")); got != "bob" {
		t.Fatalf("currentUser() over TLS = %q", got)
	}
	// Without the CA, verification fails: TLS is really checked.
	cfg.TLS.CACert = ""
	if _, err := newTestClient(t, cfg).Query(context.Background(), as("bob"), "SELECT 1", QueryOptions{ReadOnly: true}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("want a certificate error without the CA, got %v", err)
	}
}
