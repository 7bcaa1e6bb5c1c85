package clickhouse

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// limitedCfg runs as the harness user "limited", whose settings profile
// sets max_rows_to_read=1000, max_memory_usage=200000000, max_threads=1.
func limitedCfg(t testing.TB, protocol string) config.ClickHouseConfig {
	cfg := srv(t).ClickHouseConfig(protocol)
	cfg.Username = "limited"
	return cfg
}

// assertRefused: err is chmcp's refusal, before ClickHouse, and its text
// has every part of want.
func assertRefused(t *testing.T, err error, want ...string) {
	t.Helper()
	var ge *GuardError
	if !errors.As(err, &ge) {
		t.Fatalf("want a refusal naming %q, got %v", want, err)
	}
	for _, w := range want {
		if !strings.Contains(ge.Reason, w) {
			t.Fatalf("refusal %q does not say %q", ge.Reason, w)
		}
	}
}

const readsManyRows = "SELECT count() FROM numbers(100000)"

// TestCallerSettingsCannotLiftProfileLimits is issue 9's finding: the
// settings argument overrode the user's profile, so these lifted its limits.
func TestCallerSettingsCannotLiftProfileLimits(t *testing.T) {
	profile := `set by the settings profile of ClickHouse user "limited"`
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			c := newTestClient(t, limitedCfg(t, p))
			ctx := context.Background()
			_, err := c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true})
			assertCode(t, err, 158) // the profile's own limit, with no settings

			attack := map[string]any{"max_memory_usage": int64(0), "max_rows_to_read": int64(0), "max_bytes_to_read": int64(0), "max_threads": int64(1000)}
			_, err = c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true, Settings: attack})
			assertRefused(t, err, "would lift the limit", profile)

			for _, tc := range []struct {
				name  string
				value any
				want  string
			}{
				{"max_rows_to_read", int64(0), "max_rows_to_read=0 would lift the limit of 1000 rows " + profile + " (0 means no limit)"},
				{"max_rows_to_read", "0", "max_rows_to_read=0 would lift the limit of 1000 rows"},
				{"max_rows_to_read", int64(1001), "max_rows_to_read=1001 would lift the limit of 1000 rows"},
				{"max_rows_to_read", float64(1e12), "max_rows_to_read=1000000000000 would lift the limit of 1000 rows"},
				{"max_memory_usage", int64(0), "max_memory_usage=0 would lift the limit of 200000000 bytes " + profile},
				{"max_memory_usage", int64(200_000_001), "use a value from 1 to 200000000"},
				{"max_memory_usage", "10G", `setting max_memory_usage must be a whole number of bytes, got "10G"`},
				{"max_threads", int64(1000), "max_threads=1000 would lift the limit of 1 threads " + profile},
				{"max_threads", int64(0), "(0 means one thread per CPU core)"},
				{"max_threads", "auto", `setting max_threads must be a whole number of threads, got "auto"`},
				{"max_rows_to_read", int64(-1), "must be a whole number of rows, got -1"},
			} {
				_, err := c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true, Settings: map[string]any{tc.name: tc.value}})
				assertRefused(t, err, tc.want)
			}

			// Tightening works, and ClickHouse enforces the tighter value.
			tight := map[string]any{"max_rows_to_read": int64(500), "max_threads": int64(1), "max_memory_usage": int64(100_000_000)}
			if _, err := c.Query(ctx, anyone, "SELECT count() FROM numbers(400)", QueryOptions{ReadOnly: true, Settings: tight}); err != nil {
				t.Fatalf("tighter limits refused: %v", err)
			}
			_, err = c.Query(ctx, anyone, "SELECT count() FROM numbers(600)", QueryOptions{ReadOnly: true, Settings: tight})
			assertCode(t, err, 158)
			// A limit the profile does not set (max_bytes_to_read) is free.
			if _, err := c.Query(ctx, anyone, "SELECT 1", QueryOptions{ReadOnly: true, Settings: map[string]any{"max_bytes_to_read": int64(0)}}); err != nil {
				t.Fatalf("max_bytes_to_read=0 lifts nothing for this user: %v", err)
			}
		})
	}
}

// TestCallerLimitsPerUser: with the cluster secret each caller is a
// ClickHouse user of its own, and the check uses that user's profile.
func TestCallerLimitsPerUser(t *testing.T) {
	c := newTestClient(t, secretConfig(t))
	ctx := context.Background()
	lift := QueryOptions{ReadOnly: true, Settings: map[string]any{"max_rows_to_read": int64(0)}}
	for range 2 { // the second round is served from the cache
		_, err := c.Query(ctx, as("limited"), readsManyRows, lift)
		assertRefused(t, err, `max_rows_to_read=0 would lift the limit of 1000 rows set by the settings profile of ClickHouse user "limited"`)
		if _, err := c.Query(ctx, as("alice"), readsManyRows, lift); err != nil {
			t.Fatalf("alice's profile sets no row limit: %v", err)
		}
	}
	_, err := c.Query(ctx, as("limited"), readsManyRows, QueryOptions{ReadOnly: true})
	assertCode(t, err, 158)
}

// TestDistributedProductModeAllow: "allow" lifts the profile's "deny".
func TestDistributedProductModeAllow(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	_, err := c.Query(ctx, anyone, "SELECT 1", QueryOptions{ReadOnly: true, Settings: map[string]any{"distributed_product_mode": "allow"}})
	assertRefused(t, err, `distributed_product_mode='allow' would lift the "deny"`)
	for _, mode := range []string{"local", "global", "deny"} {
		if _, err := c.Query(ctx, anyone, "SELECT 1", QueryOptions{ReadOnly: true, Settings: map[string]any{"distributed_product_mode": mode}}); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
}
