package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

var protocols = []string{config.ProtocolTCP, config.ProtocolHTTP}

var anyone = identity.Identity{Source: identity.SourceConfig}

func TestQueryBothProtocols(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			c := newTestClient(t, srv(t).ClickHouseConfig(p))
			res, err := c.Query(context.Background(), anyone, "SELECT number AS n, toString(number) AS s, currentUser() AS u FROM numbers(3)", QueryOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			want := `[["0","0","default"],["1","1","default"],["2","2","default"]]`
			if got := rows(res); got != want {
				t.Fatalf("rows = %s, want %s", got, want)
			}
			if res.Truncated || res.RowCount != 3 || res.QueryID == "" {
				t.Fatalf("unexpected result meta: %+v", res)
			}
			if res.Columns[0] != (Column{Name: "n", Type: "UInt64"}) {
				t.Fatalf("columns = %+v", res.Columns)
			}
		})
	}
}

func rows(r *Result) string {
	var whole struct {
		Rows json.RawMessage `json:"rows"`
	}
	b, _ := r.JSON()
	_ = json.Unmarshal(b, &whole)
	return string(whole.Rows)
}

func TestTruncation(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxResultRows = 10
	cfg.MaxResultBytes = 200
	c := newTestClient(t, cfg)
	ctx := context.Background()

	res, err := c.Query(ctx, anyone, "SELECT number FROM numbers(100)", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || res.TruncatedReason != ReasonMaxRows || res.RowCount != 10 {
		t.Fatalf("want 10 rows truncated by rows, got %d truncated=%v reason=%q", res.RowCount, res.Truncated, res.TruncatedReason)
	}
	// Exactly the cap is not truncation.
	res, err = c.Query(ctx, anyone, "SELECT number FROM numbers(10)", QueryOptions{ReadOnly: true})
	if err != nil || res.Truncated || res.RowCount != 10 {
		t.Fatalf("exactly 10 rows: err=%v truncated=%v rows=%d", err, res.Truncated, res.RowCount)
	}
	res, err = c.Query(ctx, anyone, "SELECT repeat('x', 50) FROM numbers(9)", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || res.TruncatedReason != ReasonMaxBytes || res.RowCount != 3 {
		t.Fatalf("want 3 rows (3*56 bytes <= 200) truncated by bytes, got %d truncated=%v reason=%q", res.RowCount, res.Truncated, res.TruncatedReason)
	}
	// The row cap must not leak into subqueries: an aggregate over more rows
	// than the cap is still exact.
	res, err = c.Query(ctx, anyone, "SELECT count() FROM (SELECT number FROM numbers(100000))", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(res); got != `[["100000"]]` {
		t.Fatalf("count over subquery = %s, want [[\"100000\"]]", got)
	}
}

func TestReadOnlyEnforcedByClickHouse(t *testing.T) {
	exec(t, "CREATE TABLE IF NOT EXISTS default.ro_target (a UInt8) ENGINE = MergeTree ORDER BY a")
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			c := newTestClient(t, srv(t).ClickHouseConfig(p))
			ctx := context.Background()
			// Parser gaps cannot write: ClickHouse itself refuses.
			_, err := c.Query(ctx, anyone, "INSERT INTO default.ro_target VALUES (1)", QueryOptions{ReadOnly: true})
			assertCode(t, err, 164) // READONLY
			_, err = c.Query(ctx, anyone, "SELECT 1 SETTINGS readonly = 0", QueryOptions{ReadOnly: true})
			assertCode(t, err, 164)
			// A caller's settings never override chmcp's.
			_, err = c.Query(ctx, anyone, "INSERT INTO default.ro_target VALUES (1)",
				QueryOptions{ReadOnly: true, Settings: map[string]any{"readonly": 0, "max_result_rows": 0}})
			assertCode(t, err, 164)
			// Allowed settings still apply next to readonly=1.
			res, err := c.Query(ctx, anyone, "SELECT getSetting('max_threads')", QueryOptions{ReadOnly: true, Settings: map[string]any{"max_threads": 1}})
			if err != nil {
				t.Fatal(err)
			}
			if got := rows(res); got != `[[1]]` {
				t.Fatalf("max_threads = %s", got)
			}
		})
	}
	if got := strings.TrimSpace(exec(t, "SELECT count() FROM default.ro_target")); got != "0" {
		t.Fatalf("read-only query wrote %s rows", got)
	}
}

func assertCode(t *testing.T, err error, code int32) {
	t.Helper()
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("want ClickHouse error %d, got %v", code, err)
	}
	if qe.Code != code {
		t.Fatalf("want code %d, got %d: %s", code, qe.Code, qe.Message)
	}
	if strings.Contains(qe.Message, "Stack trace") || len(qe.Message) > maxMessage+10 {
		t.Fatalf("message not cleaned: %q", qe.Message)
	}
}

func TestQueryErrors(t *testing.T) {
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			c := newTestClient(t, srv(t).ClickHouseConfig(p))
			_, err := c.Query(context.Background(), anyone, "SELECT * FROM default.no_such_table", QueryOptions{ReadOnly: true})
			assertCode(t, err, 60) // UNKNOWN_TABLE
			var qe *QueryError
			if errors.As(err, &qe) && qe.Name != "UNKNOWN_TABLE" {
				t.Fatalf("error name = %q, want UNKNOWN_TABLE (message %q)", qe.Name, qe.Message)
			}
			if !strings.Contains(err.Error(), "no_such_table") {
				t.Fatalf("message lacks the table name: %v", err)
			}
		})
	}
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxQueryLength = 10
	c := newTestClient(t, cfg)
	_, err := c.Query(context.Background(), anyone, "SELECT 1234567890", QueryOptions{ReadOnly: true})
	var ge *GuardError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "max_query_length") {
		t.Fatalf("want a max_query_length GuardError, got %v", err)
	}
}

// oneRowBlocks makes sleepEachRow sleep per row, not per block. Settings go
// through QueryOptions: readonly=1 refuses a SETTINGS clause in the SQL.
var oneRowBlocks = map[string]any{"max_block_size": 1}

// TestGuards: the settings chmcp puts on every statement, and that a
// caller's settings neither override nor alter them.
func TestGuards(t *testing.T) {
	cfg := config.Defaults().ClickHouse
	cfg.MaxExecutionTime = config.Duration(400 * time.Millisecond)
	cfg.MaxResultRows, cfg.MaxResultBytes = 10, 100
	capped, uncapped := newGuards(cfg, true), newGuards(cfg, false)

	want := ch.Settings{"max_execution_time": 1, "max_result_rows": 11, "max_result_bytes": resultBytesBackstop(100),
		"result_overflow_mode": "break", "readonly": 1, "cancel_http_readonly_queries_on_client_close": 1,
		"send_profile_events": 0}
	got := capped.with(QueryOptions{ReadOnly: true, Settings: map[string]any{"readonly": 0, "max_threads": 2}}, nil)
	want["max_threads"] = 2
	if !reflect.DeepEqual(got, want) {
		t.Errorf("capped read-only with caller settings:\n got %v\nwant %v", got, want)
	}
	delete(want, "max_threads")
	if got := capped.with(QueryOptions{ReadOnly: true}, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("capped read-only (the caller's settings leaked into the shared map?):\n got %v\nwant %v", got, want)
	}
	if got := uncapped.with(QueryOptions{}, nil); !reflect.DeepEqual(got, ch.Settings{"max_execution_time": 1, "send_profile_events": 0}) {
		t.Errorf("uncapped: %v", got)
	}
	cfg.MaxExecutionTime = 0 // no limit
	if got := newGuards(cfg, false).with(QueryOptions{}, nil); !reflect.DeepEqual(got, ch.Settings{"send_profile_events": 0}) {
		t.Errorf("no time limit: %v", got)
	}
}

func TestMaxExecutionTime(t *testing.T) {
	t.Parallel()
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxExecutionTime = config.Duration(time.Second)
	c := newTestClient(t, cfg)
	_, err := c.Query(context.Background(), anyone, "SELECT sleepEachRow(0.5) FROM numbers(10)", QueryOptions{ReadOnly: true, Settings: oneRowBlocks})
	assertCode(t, err, 159) // TIMEOUT_EXCEEDED

	// A caller's far deadline must not loosen the limit (clickhouse-go
	// turns a context deadline into max_execution_time).
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err = c.Query(ctx, anyone, "SELECT sleepEachRow(0.5) FROM numbers(10)", QueryOptions{ReadOnly: true, Settings: oneRowBlocks})
	assertCode(t, err, 159)
	// ...and a near deadline still cancels.
	near, cancelNear := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelNear()
	var ce *CancelledError
	if _, err = c.Query(near, anyone, "SELECT sleepEachRow(0.5) FROM numbers(10)", QueryOptions{ReadOnly: true, Settings: oneRowBlocks}); !errors.As(err, &ce) {
		t.Fatalf("deadline before the limit: want CancelledError, got %v", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Port = 1 // nothing listens there
	c := newTestClient(t, cfg)
	_, err := c.Check(context.Background())
	var ce *ConnectionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("want a connection-refused ConnectionError, got %v", err)
	}
}

// TestCheckRefusedLogin: a refused login is a ClickHouse error that names
// Check's own query.
func TestCheckRefusedLogin(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Username, cfg.Password = srv(t).AdminUser, "wrong"
	_, err := newTestClient(t, cfg).Check(context.Background())
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Name != "AUTHENTICATION_FAILED" {
		t.Fatalf("want AUTHENTICATION_FAILED, got %v", err)
	}
	if _, perr := uuid.Parse(qe.QueryID); perr != nil {
		t.Fatalf("query_id = %q, want the id of Check's query", qe.QueryID)
	}
}

// TestCancellation: when the caller goes away, the query must die on the
// server too, not just in the client.
func TestCancellation(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, srv(t).ClickHouseConfig(p))
			marker := cancelSlowQuery(t, c, "cancel_me_"+p)
			waitFor(t, 10*time.Second, func() bool { return !running(t, marker) })
		})
	}
}

// cancelSlowQuery runs a two-minute query on c, cancels its context once
// ClickHouse runs it, checks the caller got a CancelledError, and returns
// the marker that finds the query in system.processes.
func cancelSlowQuery(t *testing.T, c *Client, prefix string) (marker string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	marker = fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Query(ctx, anyone, "SELECT sleepEachRow(1), '"+marker+"' FROM numbers(120)", QueryOptions{ReadOnly: true, Settings: oneRowBlocks})
		errc <- err
	}()
	waitFor(t, 10*time.Second, func() bool { return running(t, marker) })
	cancel()
	var ce *CancelledError
	if err := <-errc; !errors.As(err, &ce) {
		t.Fatalf("want CancelledError, got %v", err)
	}
	return marker
}

func running(t *testing.T, marker string) bool {
	out := exec(t, "SELECT count() FROM system.processes WHERE query LIKE '%"+marker+"%' AND query NOT LIKE '%system.processes%'")
	return strings.TrimSpace(out) != "0"
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestValueEncoding: types whose Go values marshal through pointer methods
// (big integers, decimals) and nullables come back as JSON values.
func TestValueEncoding(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	res, err := c.Query(context.Background(), anyone, "SELECT toInt128(-5), toUInt256(7), toDecimal64(1.5, 2), CAST(NULL AS Nullable(Int128)), "+
		"toUUID('00000000-0000-0000-0000-000000000001'), [1, 2], map('k', 1), toDate('2026-01-02'), nan, "+
		"[[toUInt8(3)], []], [nan, 1.5], map(2, [toInt128(9)]), CAST([NULL, 'x'] AS Array(Nullable(String)))", QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `[["-5","7","1.5",null,"00000000-0000-0000-0000-000000000001",[1,2],{"k":1},"2026-01-02","nan",` +
		`[[3],[]],["nan",1.5],{"2":["9"]},[null,"x"]]]`
	if got := rows(res); got != want {
		t.Fatalf("rows = %s\nwant   %s", got, want)
	}
}

// TestClientVersion: ClickHouse records chmcp's version in the client info
// of its queries, for a registry's clients too.
func TestClientVersion(t *testing.T) {
	c, err := New(srv(t).ClickHouseConfig(config.ProtocolTCP), nil, WithVersion("9.8.7-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := NewRegistry(c, RegistryOptions{})
	t.Cleanup(func() { r.Close() })
	other := srv(t).ClickHouseConfig(config.ProtocolTCP)
	other.Database = "system" // another target: the registry creates a client
	rc, release, err := r.Acquire(other)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if rc == c {
		t.Fatal("the registry returned the shared client for another target")
	}
	marker := fmt.Sprintf("version_%d", time.Now().UnixNano())
	for _, client := range []*Client{c, rc} {
		if _, err := client.Query(context.Background(), identity.Identity{}, "SELECT '"+marker+"'", QueryOptions{ReadOnly: true}); err != nil {
			t.Fatal(err)
		}
	}
	exec(t, "SYSTEM FLUSH LOGS")
	got := strings.TrimSpace(exec(t, "SELECT count(), countIf(client_name LIKE '%chmcp/9.8.7-test%') FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%' FORMAT TSV"))
	if got != "2\t2" {
		t.Fatalf("queries, of which with chmcp/9.8.7-test in client_name: %q, want 2 2", got)
	}
}
