package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/config"
)

// defaultProfile is what system.settings reports for a user whose profile
// sets no limits (max_threads: one per core).
func defaultProfile() profileValues {
	p := profileValues{productMode: "deny", "max_threads": "auto(2)"}
	for _, l := range limitSettings[1:] {
		p[l.name] = "0"
	}
	return p
}

func TestPlanLimits(t *testing.T) {
	rows := func(v uint64) []guardrail {
		return []guardrail{{setting: "max_rows_to_read", key: "clickhouse.max_rows_to_read", value: v}}
	}
	memory := []guardrail{{setting: "max_memory_usage", key: "clickhouse.max_memory_usage", value: 1000}}
	tight := defaultProfile()
	tight["max_rows_to_read"], tight["max_memory_usage"], tight["max_bytes_before_external_sort"] = "100", "500", "4096"

	for _, tc := range []struct {
		name       string
		caller     map[string]any
		guardrails []guardrail
		prof       profileValues
		want       ch.Settings
		imposed    []string
		refused    string
	}{
		{name: "nothing to do", prof: defaultProfile(), want: ch.Settings{}},
		{name: "no limit anywhere: anything goes", caller: map[string]any{"max_rows_to_read": int64(0), "max_memory_usage": int64(1 << 40)}, prof: defaultProfile(),
			want: ch.Settings{"max_rows_to_read": uint64(0), "max_memory_usage": uint64(1 << 40)}},
		{name: "guardrail sent with throw", guardrails: rows(1000), prof: defaultProfile(),
			want: ch.Settings{"max_rows_to_read": uint64(1000), "read_overflow_mode": "throw"}, imposed: []string{"max_rows_to_read"}},
		{name: "tighter profile kept", guardrails: rows(1000), prof: tight,
			want: ch.Settings{"max_rows_to_read": uint64(100), "read_overflow_mode": "throw"}},
		{name: "equal profile: guardrail named", guardrails: rows(100), prof: tight,
			want: ch.Settings{"max_rows_to_read": uint64(100), "read_overflow_mode": "throw"}, imposed: []string{"max_rows_to_read"}},
		{name: "memory guardrail looser than profile", guardrails: memory, prof: tight, want: ch.Settings{"max_memory_usage": uint64(500)}},
		{name: "memory guardrail, no read mode", guardrails: memory, prof: defaultProfile(),
			want: ch.Settings{"max_memory_usage": uint64(1000)}, imposed: []string{"max_memory_usage"}},
		{name: "caller tightens the guardrail", caller: map[string]any{"max_rows_to_read": "10"}, guardrails: rows(1000), prof: defaultProfile(),
			want: ch.Settings{"max_rows_to_read": uint64(10), "read_overflow_mode": "throw"}},
		{name: "caller equal to the limit", caller: map[string]any{"max_rows_to_read": 1000}, guardrails: rows(1000), prof: defaultProfile(),
			want: ch.Settings{"max_rows_to_read": uint64(1000), "read_overflow_mode": "throw"}},
		{name: "caller lifts the guardrail", caller: map[string]any{"max_rows_to_read": int64(1001)}, guardrails: rows(1000), prof: defaultProfile(),
			refused: "setting max_rows_to_read=1001 would lift the limit of 1000 rows set by clickhouse.max_rows_to_read; limits can only be tightened: use a value from 1 to 1000"},
		{name: "caller zero under the guardrail", caller: map[string]any{"max_rows_to_read": 0.0}, guardrails: rows(1000), prof: defaultProfile(),
			refused: "max_rows_to_read=0 would lift the limit of 1000 rows set by clickhouse.max_rows_to_read (0 means no limit)"},
		{name: "caller lifts the profile under a looser guardrail", caller: map[string]any{"max_rows_to_read": int64(500)}, guardrails: rows(1000), prof: tight,
			refused: `max_rows_to_read=500 would lift the limit of 100 rows set by the settings profile of ClickHouse user "u"`},
		{name: "spill threshold: zero disables spilling", caller: map[string]any{"max_bytes_before_external_sort": int64(0)}, prof: tight,
			refused: "(0 means never spill to disk)"},
		{name: "spill threshold: earlier spill is tighter", caller: map[string]any{"max_bytes_before_external_sort": int64(1024)}, prof: tight,
			want: ch.Settings{"max_bytes_before_external_sort": uint64(1024)}},
		{name: "max_threads above auto", caller: map[string]any{"max_threads": int64(3)}, prof: defaultProfile(),
			refused: "max_threads=3 would lift the limit of 2 threads"},
		{name: "max_threads within auto", caller: map[string]any{"max_threads": true}, prof: defaultProfile(), refused: "must be a whole number of threads, got true"},
		{name: "fraction", caller: map[string]any{"max_memory_usage": 1.5}, prof: defaultProfile(), refused: "must be a whole number of bytes, got 1.5"},
		{name: "size suffix", caller: map[string]any{"max_memory_usage": "1G"}, prof: defaultProfile(), refused: `got "1G"`},
		{name: "product mode allow", caller: map[string]any{productMode: "Allow"}, prof: defaultProfile(), refused: `distributed_product_mode='allow' would lift the "deny"`},
		{name: "product mode allow when the profile allows", caller: map[string]any{productMode: "allow"},
			prof: func() profileValues { p := defaultProfile(); p[productMode] = "allow"; return p }(), want: ch.Settings{}},
		{name: "other settings untouched", caller: map[string]any{"join_algorithm": "hash", "max_block_size": int64(1)}, prof: defaultProfile(), want: ch.Settings{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planLimits(tc.caller, tc.guardrails, tc.prof, "u")
			if tc.refused != "" {
				var ge *GuardError
				if !errors.As(err, &ge) || !strings.Contains(ge.Reason, tc.refused) {
					t.Fatalf("want refusal %q, got %v", tc.refused, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.settings, tc.want) {
				t.Errorf("settings = %v, want %v", plan.settings, tc.want)
			}
			var imposed []string
			for _, l := range limitSettings {
				if _, ok := plan.imposed[l.name]; ok {
					imposed = append(imposed, l.name)
				}
			}
			if !reflect.DeepEqual(imposed, tc.imposed) {
				t.Errorf("imposed = %v, want %v", imposed, tc.imposed)
			}
		})
	}
}

// TestPlanLimitsFailsClosed: a profile value chmcp cannot read is an
// error, never "no limit".
func TestPlanLimitsFailsClosed(t *testing.T) {
	p := defaultProfile()
	p["max_memory_usage"] = "lots"
	if _, err := planLimits(nil, newGuardrails(config.ClickHouseConfig{MaxMemoryUsage: 1}), p, "u"); err == nil {
		t.Fatal("unreadable profile value accepted")
	}
	delete(p, "max_memory_usage")
	if _, err := planLimits(map[string]any{"max_memory_usage": 1}, nil, p, "u"); err == nil {
		t.Fatal("missing profile value accepted")
	}
}

func TestLimitHit(t *testing.T) {
	for msg, want := range map[string]string{
		"Limit for rows (controlled by 'max_rows_to_read' setting) exceeded, max rows: 1.00 thousand, current rows: 100.00 thousand.": "max_rows_to_read",
		"Limit for rows or bytes to read exceeded, max bytes: 100.00 B, current bytes: 78.13 KiB: While executing NumbersRange.":      "max_bytes_to_read",
		"Limit for rows or bytes to read exceeded, max rows: 10, current rows: 20":                                                    "max_rows_to_read",
		"Limit for rows to GROUP BY exceeded: has 900 rows, maximum: 10: While executing AggregatingTransform.":                       "",
		"Limit for JOIN exceeded, max rows: 1, current rows: 2":                                                                       "",
	} {
		for _, code := range []int32{codeTooManyRows, codeTooManyBytes} {
			if got := limitHit(&QueryError{Code: code, Message: msg}); got != want {
				t.Errorf("%d %q: got %q, want %q", code, msg, got, want)
			}
		}
	}
	for msg, want := range map[string]string{
		"Query memory limit exceeded: would use 4.33 MiB (attempt to allocate chunk of 0.00 B), maximum: 1000.00 B.": "max_memory_usage",
		"Memory limit (for query) exceeded: would use 9.31 GiB":                                                      "max_memory_usage",
		"Memory limit (total) exceeded: would use 30.1 GiB":                                                          "",
		"Memory limit (for user) exceeded: would use 2.1 GiB":                                                        "",
	} {
		if got := limitHit(&QueryError{Code: codeMemoryLimit, Message: msg}); got != want {
			t.Errorf("%q: got %q, want %q", msg, got, want)
		}
	}
}

func getSetting(t *testing.T, c *Client, opts QueryOptions, name string) string {
	t.Helper()
	opts.ReadOnly = true
	res, err := c.Query(context.Background(), anyone, "SELECT toString(getSetting('"+name+"'))", opts)
	if err != nil {
		t.Fatalf("getSetting(%s): %v", name, err)
	}
	return strings.Trim(string(res.Row(0)), `[]"`)
}

// TestGuardrails: the operator's limits hold for every caller statement,
// and ClickHouse's refusal names them.
func TestGuardrails(t *testing.T) {
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			cfg := srv(t).ClickHouseConfig(p)
			cfg.MaxRowsToRead, cfg.MaxMemoryUsage = 1000, 20_000_000
			c := newTestClient(t, cfg)
			ctx := context.Background()
			if got := getSetting(t, c, QueryOptions{}, "read_overflow_mode"); got != "throw" {
				t.Fatalf("read_overflow_mode = %q", got)
			}
			_, err := c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true})
			assertCode(t, err, 158)
			var qe *QueryError
			errors.As(err, &qe)
			if qe.Limit != "clickhouse.max_rows_to_read=1000" || !strings.Contains(err.Error(), "[limit set by chmcp: clickhouse.max_rows_to_read=1000]") ||
				!strings.Contains(err.Error(), "max_rows_to_read") {
				t.Fatalf("error does not name the guardrail: %v (limit %q)", err, qe.Limit)
			}
			_, err = c.Query(ctx, anyone, "SELECT length(groupArray(number)) FROM numbers(900) ARRAY JOIN range(10000) AS r", QueryOptions{ReadOnly: true})
			assertCode(t, err, 241)
			if errors.As(err, &qe); qe.Limit != "clickhouse.max_memory_usage=20000000" {
				t.Fatalf("memory error does not name the guardrail: %v", err)
			}

			_, err = c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true, Settings: map[string]any{"max_rows_to_read": int64(0)}})
			assertRefused(t, err, "max_rows_to_read=0 would lift the limit of 1000 rows set by clickhouse.max_rows_to_read")
			_, err = c.Query(ctx, anyone, readsManyRows, QueryOptions{ReadOnly: true, Settings: map[string]any{"max_memory_usage": int64(30_000_000)}})
			assertRefused(t, err, "max_memory_usage=30000000 would lift the limit of 20000000 bytes set by clickhouse.max_memory_usage")

			// The caller's own tighter limit is not blamed on chmcp.
			_, err = c.Query(ctx, anyone, "SELECT count() FROM numbers(600)", QueryOptions{ReadOnly: true, Settings: map[string]any{"max_rows_to_read": int64(500)}})
			assertCode(t, err, 158)
			if errors.As(err, &qe); qe.Limit != "" {
				t.Fatalf("caller's limit blamed on %q", qe.Limit)
			}
			// Writes carry the guardrails too.
			exec(t, "CREATE TABLE IF NOT EXISTS default.guard_sink (n UInt64) ENGINE = Memory")
			_, err = c.Exec(ctx, anyone, "INSERT INTO default.guard_sink SELECT number FROM numbers(100000)", QueryOptions{})
			assertCode(t, err, 158)
		})
	}
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxBytesToRead = 100
	_, err := newTestClient(t, cfg).Query(context.Background(), anyone, readsManyRows, QueryOptions{ReadOnly: true})
	assertCode(t, err, 307)
	if qe := (*QueryError)(nil); errors.As(err, &qe) && qe.Limit != "clickhouse.max_bytes_to_read=100" {
		t.Fatalf("bytes error does not name the guardrail: %v", err)
	}
}

// TestGuardrailKeepsTighterProfile: a guardrail never lifts a user's own
// tighter limit; chmcp sends the tighter of the two.
func TestGuardrailKeepsTighterProfile(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(fmt.Sprintf("secret=%v", secret), func(t *testing.T) {
			cfg := limitedCfg(t, config.ProtocolTCP)
			if secret {
				cfg = secretConfig(t) // queries below run as "limited"
			}
			cfg.MaxRowsToRead, cfg.MaxMemoryUsage = 1_000_000, 10_000_000_000
			c := newTestClient(t, cfg)
			id := anyone
			if secret {
				id = as("limited")
			}
			res, err := c.Query(context.Background(), id, "SELECT getSetting('max_memory_usage'), getSetting('max_rows_to_read')", QueryOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res.Row(0)); got != "[200000000,1000]" {
				t.Fatalf("sent limits = %s, want the profile's [200000000,1000]", got)
			}
			_, err = c.Query(context.Background(), id, readsManyRows, QueryOptions{ReadOnly: true})
			assertCode(t, err, 158)
			var qe *QueryError
			if errors.As(err, &qe); qe.Limit != "" {
				t.Fatalf("the profile's limit blamed on %q", qe.Limit)
			}
			if secret { // alice's profile sets none: the guardrail applies
				res, err := c.Query(context.Background(), as("alice"), "SELECT getSetting('max_memory_usage')", QueryOptions{ReadOnly: true})
				if err != nil || string(res.Row(0)) != `["10000000000"]` {
					t.Fatalf("alice: %v %v", res, err)
				}
			}
		})
	}
}

// TestGuardrailsOnSchemaQueries: list_databases and friends carry them.
func TestGuardrailsOnSchemaQueries(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxRowsToRead = 123_456_789
	c := newTestClient(t, cfg)
	if _, err := c.ListDatabases(context.Background(), anyone); err != nil {
		t.Fatal(err)
	}
	exec(t, "SYSTEM FLUSH LOGS")
	got := strings.TrimSpace(exec(t, "SELECT Settings['max_rows_to_read'] FROM system.query_log WHERE type = 'QueryFinish' "+
		"AND query LIKE 'SELECT name, engine, comment FROM system.databases%' ORDER BY event_time_microseconds DESC LIMIT 1 FORMAT TSV"))
	if got != "123456789" {
		t.Fatalf("list_databases settings = %q", got)
	}
}

// TestProfileLookupCached: one profile lookup per user per profileTTL,
// and none when no limit depends on the profile.
func TestProfileLookupCached(t *testing.T) {
	lookups := func() string {
		exec(t, "SYSTEM FLUSH LOGS")
		return strings.TrimSpace(exec(t, "SELECT count() FROM system.query_log WHERE type = 'QueryFinish' AND user = 'bob' AND query = '"+strings.ReplaceAll(profileQuery, "'", `\'`)+"'"))
	}
	before := lookups()
	plain := newTestClient(t, secretConfig(t))
	for range 5 {
		if _, err := plain.Query(context.Background(), as("bob"), "SELECT 1", QueryOptions{ReadOnly: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := lookups(); got != before {
		t.Fatalf("lookups without guardrails or limit settings: %s -> %s", before, got)
	}
	cfg := secretConfig(t)
	cfg.MaxMemoryUsage = 1 << 30
	c := newTestClient(t, cfg)
	now := time.Now()
	c.profiles.now = func() time.Time { return now }
	for range 20 {
		if _, err := c.Query(context.Background(), as("bob"), "SELECT 1", QueryOptions{ReadOnly: true, Settings: map[string]any{"max_threads": int64(1)}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := lookups(); got != fmt.Sprint(atoi(t, before)+1) {
		t.Fatalf("20 queries: lookups %s -> %s, want one", before, got)
	}
	now = now.Add(profileTTL)
	if _, err := c.Query(context.Background(), as("bob"), "SELECT 1", QueryOptions{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	if got := lookups(); got != fmt.Sprint(atoi(t, before)+2) {
		t.Fatalf("after the TTL: lookups %s -> %s, want a second one", before, got)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
