package clickhouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Secret-mode queries are INITIAL queries signed with the V2 handshake. The
// tests below pin the answers that differ from a SECONDARY query (what
// clickhouse-go v2.51.0 sends), each on every query of one pooled
// connection, not only on its first (see docs/cluster-secret.md).

// constrainedUser runs under a profile that caps max_block_size at 1000
// (chtest.FixtureProfiles): ClickHouse refuses a higher value in an initial query and
// silently clamps it in a secondary one. (max_block_size, not a limit such
// as max_threads: chmcp itself refuses a limit above the profile's value
// before ClickHouse sees it.)
const constrainedUser = "capped"

// readonlyUser has a readonly = 1 profile: ClickHouse refuses every setting
// of an initial query, chmcp's time limit and result caps included. A
// secondary query dropped them silently and ran without them.
const readonlyUser = "dave"

// oneConnection is a secret-mode client whose pool holds one connection, so
// every query after the first reuses it.
func oneConnection(t *testing.T) *Client {
	t.Helper()
	cfg := secretConfig(t)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	return newTestClient(t, cfg)
}

func query(t *testing.T, c *Client, id string, sql string) string {
	t.Helper()
	rows, _ := run(t, c, id, sql)
	return rows
}

// run runs sql as id and returns the rows, space-separated, and the query_id.
func run(t *testing.T, c *Client, id string, sql string) (string, string) {
	t.Helper()
	res, err := c.Query(context.Background(), as(id), sql, QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("as %s, %s: %v", id, sql, err)
	}
	return rowsText(res), res.QueryID
}

func rowsText(res *Result) string {
	rows := make([]string, len(res.AllRows()))
	for i, r := range res.AllRows() {
		rows[i] = string(r)
	}
	return strings.Join(rows, " ")
}

// distributedTable makes a Distributed table over the harness's one-shard
// cluster (this server itself) and returns its name.
func distributedTable(t *testing.T) string {
	t.Helper()
	exec(t, "CREATE TABLE IF NOT EXISTS default.initial_local (region String, n UInt32) ENGINE = MergeTree ORDER BY region")
	exec(t, "TRUNCATE TABLE default.initial_local")
	exec(t, "INSERT INTO default.initial_local VALUES ('eu', 1), ('eu', 2), ('us', 3)")
	exec(t, fmt.Sprintf("CREATE TABLE IF NOT EXISTS default.initial_all AS default.initial_local ENGINE = Distributed(%s, default, initial_local)", srv(t).ClusterName))
	return "default.initial_all"
}

func TestSecretInitialQuerySemantics(t *testing.T) {
	dist := distributedTable(t)
	c := oneConnection(t)
	cases := []struct{ sql, want string }{
		// A secondary query takes GROUP BY 1 as the constant 1 (the
		// initiator already resolved positions): NOT_AN_AGGREGATE.
		{"SELECT number % 3 AS k, count() FROM numbers(9) GROUP BY 1 ORDER BY 1", `[0,"3"] [1,"3"] [2,"3"]`},
		{"SELECT region, count() FROM " + dist + " GROUP BY 1 ORDER BY 1", `["eu","2"] ["us","1"]`},
		// A secondary query over a Distributed table: THERE_IS_NO_COLUMN.
		{"SELECT currentUser(), sum(n) FROM " + dist, `["alice","6"]`},
		// A secondary query from a client older than 23.3 (clickhouse-go
		// reports 2.x) has the analyzer turned off, from the second query of
		// a connection on.
		{"SELECT getSetting('allow_experimental_analyzer')", `[true]`},
	}
	var ids []string
	for round := 1; round <= 3; round++ {
		for _, tc := range cases {
			res, err := c.Query(context.Background(), as("alice"), tc.sql, QueryOptions{ReadOnly: true})
			if err != nil {
				t.Errorf("round %d: %s: %v", round, tc.sql, err)
				continue
			}
			if got := rowsText(res); got != tc.want {
				t.Errorf("round %d: %s = %s, want %s", round, tc.sql, got, tc.want)
			}
			ids = append(ids, "'"+res.QueryID+"'")
		}
	}
	if t.Failed() {
		return
	}
	// All of them initial queries of alice, and connections were reused: the
	// pool may dial a second one when a query starts while the previous one
	// is still being released (clickhouse-go frees the slot before it parks
	// the connection), so this asks for reuse, not for exactly one port.
	exec(t, "SYSTEM FLUSH LOGS")
	in := "type = 'QueryFinish' AND query_id IN (" + strings.Join(ids, ",") + ")"
	got := strings.TrimSpace(exec(t, "SELECT uniqExact(user, initial_user, is_initial_query), any(user), any(is_initial_query), count() "+
		"FROM system.query_log WHERE "+in+" FORMAT TSV"))
	if want := fmt.Sprintf("1\talice\t1\t%d", len(ids)); got != want {
		t.Fatalf("query_log (identities, user, is_initial_query, count) = %q, want %q", got, want)
	}
	perConnection := strings.TrimSpace(exec(t, "SELECT max(n) FROM (SELECT count() AS n FROM system.query_log WHERE "+in+" GROUP BY port)"))
	if perConnection == "1" {
		t.Fatal("no connection ran more than one query: the test did not exercise a reused connection")
	}
}

// TestSecretSettingConstraintRefused: a setting over the user's profile
// constraint is an error, as for any client, not silently clamped.
func TestSecretSettingConstraintRefused(t *testing.T) {
	c := oneConnection(t)
	for round := 1; round <= 2; round++ {
		_, err := c.Query(context.Background(), as(constrainedUser), "SELECT getSetting('max_block_size')",
			QueryOptions{ReadOnly: true, Settings: map[string]any{"max_block_size": 8000}})
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Name != "SETTING_CONSTRAINT_VIOLATION" {
			t.Fatalf("round %d: want SETTING_CONSTRAINT_VIOLATION, got %v", round, err)
		}
	}
	// Within the constraint it runs, on the same connection.
	res, err := c.Query(context.Background(), as(constrainedUser), "SELECT getSetting('max_block_size')",
		QueryOptions{ReadOnly: true, Settings: map[string]any{"max_block_size": 500}})
	if err != nil || string(res.Row(0)) != `[500]` {
		t.Fatalf("max_block_size within the constraint: %v %v", res, err)
	}
	// A readonly = 1 user: chmcp's own settings are refused, not dropped.
	_, err = c.Query(context.Background(), as(readonlyUser), "SELECT getSetting('max_execution_time')", QueryOptions{ReadOnly: true})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Name != "READONLY" {
		t.Fatalf("readonly profile: want READONLY, got %v", err)
	}
}

// TestSecretQueryLogInitial: the query is logged as an initial query of the
// person, like a password login would be.
func TestSecretQueryLogInitial(t *testing.T) {
	c := oneConnection(t)
	marker := fmt.Sprintf("initial_log_%d", time.Now().UnixNano())
	for i := 0; i < 3; i++ {
		query(t, c, "bob", "SELECT '"+marker+"'")
	}
	exec(t, "SYSTEM FLUSH LOGS")
	got := strings.TrimSpace(exec(t, "SELECT user, initial_user, is_initial_query, query_id = initial_query_id, count() FROM system.query_log "+
		"WHERE type = 'QueryFinish' AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%' GROUP BY ALL FORMAT TSV"))
	if got != "bob\tbob\t1\t1\t3" {
		t.Fatalf("query_log = %q, want bob bob 1 1 3", got)
	}
}

// TestSecretHandshakeV2: the server never logs the deprecated (V1, no nonce)
// interserver handshake. It rate-limits that line (one per 10 s), so the
// whole log of this test binary's server is read: the first V1 connection of
// the run is always logged, whichever test made it.
func TestSecretHandshakeV2(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, secretConfig(t))
	var wg sync.WaitGroup
	for _, user := range []string{"alice", "bob", "alice"} {
		wg.Add(1)
		go func() { defer wg.Done(); query(t, c, user, "SELECT 1") }()
	}
	wg.Wait()
	for _, line := range strings.Split(srv(t).ServerLog(), "\n") {
		if strings.Contains(line, "deprecated interserver protocol") {
			t.Fatalf("server logged the V1 handshake: %s", line)
		}
	}
}

// TestSecretReplayRefused captures the bytes chmcp sends on its connection
// (hello with the cluster and salt, then one signed query) through a TCP
// relay, and sends them again on a fresh connection. With the V2 handshake
// the server's nonce differs, the signature no longer matches, and
// ClickHouse refuses the query.
func TestSecretReplayRefused(t *testing.T) {
	relay := startRelay(t, srv(t).TCPAddr())
	cfg := secretConfig(t)
	cfg.Port = relay.port()
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	c := newTestClient(t, cfg)
	marker := fmt.Sprintf("replay_%d", time.Now().UnixNano())
	query(t, c, "alice", "SELECT '"+marker+"'")
	captured := relay.captured(marker)
	if captured == nil {
		t.Fatal("the relay did not capture the signed query")
	}

	conn, err := net.DialTimeout("tcp", srv(t).TCPAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(captured); err != nil {
		t.Fatal(err)
	}
	// ClickHouse closes the connection on a bad signature; with a replayable
	// one it answers and keeps it open, so a deadline ends the read.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("replayed connection was not closed by the server: %v", err)
	}

	exec(t, "SYSTEM FLUSH LOGS")
	n := strings.TrimSpace(exec(t, "SELECT count() FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%'"))
	if n != "1" {
		t.Fatalf("the query ran %s times, want 1 (the replay must be refused)", n)
	}
	// The server is still there, and chmcp's own connection still works.
	if got := query(t, c, "bob", "SELECT currentUser()"); got != `["bob"]` {
		t.Fatalf("after the replay: %s", got)
	}
}

// relay forwards TCP connections to a target and records what the first
// client sent.
// relay records what clients send, per connection: the pool may open more
// than one (chmcp's first query on a client loads system.table_functions,
// and clickhouse-go can dial anew while a connection is being released).
type relay struct {
	ln   net.Listener
	mu   sync.Mutex
	sent [][]byte
}

func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			r.mu.Lock()
			conn := len(r.sent)
			r.sent = append(r.sent, nil)
			r.mu.Unlock()
			go func() {
				defer server.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := client.Read(buf)
					if n > 0 {
						r.mu.Lock()
						r.sent[conn] = append(r.sent[conn], buf[:n]...)
						r.mu.Unlock()
						if _, werr := server.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
			go func() { defer client.Close(); _, _ = io.Copy(client, server) }()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return r
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// captured returns what the client sent on the connection that carried
// marker: its hello, then its queries.
func (r *relay) captured(marker string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.sent {
		if bytes.Contains(b, []byte(marker)) {
			return append([]byte(nil), b...)
		}
	}
	return nil
}

// TestSecretV1FallbackWarnsOnce: against a server older than 23.3 the driver
// reports each V1 connection; chmcp says why, once per client.
func TestSecretV1FallbackWarnsOnce(t *testing.T) {
	var logs strings.Builder
	warn := v1Warning(slog.New(slog.NewTextHandler(&logs, nil)), secretConfig(t))
	for i := 0; i < 3; i++ {
		warn(54460)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
	for _, want := range []string{"older than 23.3", "54460", "replayed", "cluster=" + srv(t).ClusterName} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("warning lacks %q: %s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), srv(t).ClusterSecret) {
		t.Fatal("secret logged")
	}
}

// TestSecretResultTypes: secret mode (revision 54462) decodes every result
// type exactly as password mode (54460) does.
func TestSecretResultTypes(t *testing.T) {
	const sql = "SELECT tuple(1, 'a') AS t, map('k', [toInt128(9)]) AS m, 1::Variant(UInt64, String) AS v, " +
		"'x'::Dynamic AS d, '{\"a\":{\"b\":1}}'::JSON AS j, CAST([(1, 'a')], 'Nested(x UInt8, y String)') AS n, " +
		"toLowCardinality('lc') AS lc, toDecimal128(-1.25, 4) AS dec, CAST('b', 'Enum8(\\'a\\' = 1, \\'b\\' = 2)') AS e, " +
		"toIPv6('::1') AS ip, toDateTime64('2026-01-02 03:04:05.123', 3) AS ts, CAST(NULL AS Nullable(String)) AS nul"
	password, err := newTestClient(t, srv(t).ClickHouseConfig("tcp")).Query(context.Background(), anyone, sql, QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := oneConnection(t).Query(context.Background(), as("alice"), sql, QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(secret.Columns) != fmt.Sprint(password.Columns) || rowsText(secret) != rowsText(password) {
		t.Fatalf("secret mode:\n%v %s\npassword mode:\n%v %s", secret.Columns, rowsText(secret), password.Columns, rowsText(password))
	}
	t.Logf("%v %s", secret.Columns, rowsText(secret))
}
