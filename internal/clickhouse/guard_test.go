package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/sqlguard"
)

// The attack review's bypasses, against the real server: each was run by
// ClickHouse under readonly=1 behind a guard that classified it as SHOW or
// SELECT.
func TestCheckReadRefusesAttacksOnTheServer(t *testing.T) {
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			c := newTestClient(t, srv(t).ClickHouseConfig(p))
			ctx := context.Background()
			for q, want := range map[string]string{
				"/* /* */ SHOW */ KILL QUERY WHERE 1":                                                 "KILL QUERY is not",
				"/* /* */ SHOW */ DESCRIBE TABLE url('http://127.0.0.1:1/', CSV)":                     "url() connects to a URL",
				"/* /* */ SELECT */ BACKUP TABLE system.one TO Disk('backups', 'b') SETTINGS async=1": "BACKUP is not",
				"/* /* */ SHOW */ CHECK TABLE system.one":                                             "CHECK is not",
				"/* /* */ SHOW */ SET ROLE NONE":                                                      "SET ROLE is not",
				"/* /* */ SHOW */ USE system":                                                         "USE is not",
				"WITH 1 AS x INSERT INTO t SELECT x":                                                  "INSERT is not a read-only statement",
				"WITH (SELECT 1) AS x /* */ INSERT INTO t SELECT x":                                   "INSERT is not",
				"EXPLAIN AST DROP TABLE t":                                                            "DROP is not",
				"EXPLAIN indexes = 1 KILL QUERY WHERE 1":                                              "SYNTAX_ERROR",
				"SELECT file('/etc/hostname')":                                                        "file() reads files",
				"SELECT * APPLY(file) FROM (SELECT '/etc/hostname' AS p)":                             "file() reads files",
				"SELECT arrayMap(file, ['/etc/hostname'])":                                            "file() reads files",
				"SELECT `fi\\x6ce`('/etc/hostname')":                                                  "uses escapes",
				"SELECT * FROM eval('SELECT 1')":                                                      "SQL built while the query runs",
				"SELECT * FROM filesystem()":                                                          "reads files",
			} {
				err := c.CheckRead(ctx, anyone, q)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("CheckRead(%q) = %v, want an error containing %q", q, err, want)
				}
				// execute_query's path checks once and refuses the same.
				if _, qerr := c.QueryRead(ctx, anyone, q, QueryOptions{ReadOnly: true}); qerr == nil || err != nil && qerr.Error() != err.Error() {
					t.Errorf("QueryRead(%q) = %v, want CheckRead's %v", q, qerr, err)
				}
			}
		})
	}
}

// Valid read-only SQL that the old parser library refused.
func TestCheckReadAcceptsWhatClickHouseParses(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	for _, q := range []string{
		"SELECT number FROM numbers(10) QUALIFY number > 5",
		"EXPLAIN indexes = 1 SELECT 1",
		"EXPLAIN PLAN header = 1 SELECT 1",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
		"WITH 1 AS insert SELECT insert",
		"FROM numbers(2) SELECT number",
		"(SELECT 1) UNION ALL (SELECT 2)",
		"SELECT 1 <=> 1, ‘it’ AS “a b”, $$x'y$$",
		"SHOW DATABASES",
		"EXISTS TABLE system.one",
		"DESCRIBE numbers(3)",
		"/* a /* nested */ comment */ SELECT 1",
		"EXPLAIN SELECT 1 FORMAT TSV", // attack review 2: was refused as "IDENTIFIER is not a read-only statement"
	} {
		if err := c.CheckRead(ctx, anyone, q); err != nil {
			t.Errorf("CheckRead(%q) = %v", q, err)
			continue
		}
		if _, err := c.Query(ctx, anyone, q, QueryOptions{ReadOnly: true}); err != nil {
			t.Errorf("Query(%q) = %v", q, err)
		}
	}
	// Invalid SQL is reported as ClickHouse's syntax error, not as "not allowed".
	err := c.CheckRead(ctx, anyone, "WITH 1 AS x SELEC x")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Code != 62 {
		t.Errorf("CheckRead(syntax error) = %v, want ClickHouse's SYNTAX_ERROR (62)", err)
	}
	var ge *GuardError
	if err := c.CheckRead(ctx, anyone, "SELECT 'unclosed"); !errors.As(err, &ge) || !ge.Invalid || !strings.HasPrefix(err.Error(), "invalid SQL") {
		t.Errorf("CheckRead(unclosed quote) = %v, want an invalid-SQL GuardError", err)
	}
	if err := c.CheckRead(ctx, anyone, "DROP TABLE t"); !errors.As(err, &ge) || ge.Invalid || !strings.HasPrefix(err.Error(), "not allowed here") {
		t.Errorf("CheckRead(DROP) = %v, want a not-allowed GuardError", err)
	}
}

func TestIOFunctionsNeedTheOperator(t *testing.T) {
	ctx := context.Background()
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	c := newTestClient(t, cfg)
	// Every path that runs a caller's SQL refuses IO: Query and Exec too.
	if _, err := c.Query(ctx, anyone, "SELECT file('/etc/hostname')", QueryOptions{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "clickhouse.allowed_io_functions") {
		t.Fatalf("Query(file) = %v, want the refusal naming the setting", err)
	}
	if _, err := c.Exec(ctx, anyone, "INSERT INTO FUNCTION url('http://127.0.0.1:1/', CSV, 'a UInt8') SELECT 1", QueryOptions{}); err == nil || !strings.Contains(err.Error(), "url()") {
		t.Fatalf("Exec(url) = %v", err)
	}
	cfg.AllowedIOFunctions = []string{"file"}
	open := newTestClient(t, cfg)
	if err := open.CheckRead(ctx, anyone, "SELECT file('/etc/hostname')"); err != nil {
		t.Fatalf("allowed file(): %v", err)
	}
	res, err := open.Query(ctx, anyone, "SELECT length(file('/etc/hostname')) > 0", QueryOptions{ReadOnly: true})
	if err != nil || rows(res) != "[[1]]" {
		t.Fatalf("allowed file() query = %v, %v", res, err)
	}
}

// The built-in lists name every table function of the server the tests
// run, so a new engine version with a new one fails here until it is sorted
// into IO or local.
func TestEveryServerTableFunctionIsClassified(t *testing.T) {
	out := exec(t, "SELECT name FROM system.table_functions ORDER BY name")
	io := sqlguard.IOFunctions()
	local := sqlguard.LocalTableFunctions()
	for _, name := range strings.Fields(out) {
		lower := strings.ToLower(name)
		if !slices.Contains(io, lower) && !slices.Contains(local, lower) {
			t.Errorf("table function %s is neither IO nor known to stay local: add it to sqlguard's lists", name)
		}
	}
	// And the client learns the server's list: every name it knows.
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	p := c.guardPolicy(context.Background(), anyone)
	if len(p.ServerTableFunctions) < 50 || !p.ServerTableFunctions["numbers"] {
		t.Fatalf("server table functions not loaded: %d names", len(p.ServerTableFunctions))
	}
}

// TestGuardAgreesWithClickHouse is the differential test: queries built to
// confuse a lexer (nested comments, quotes, escapes, heredocs, Unicode
// quotes and spaces, statement separators) are decided by chmcp and parsed
// by ClickHouse. Whatever chmcp accepts, ClickHouse must parse as one
// read-only statement with no IO function.
func TestGuardAgreesWithClickHouse(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	corpus := guardCorpus(1200)
	accepted := 0
	for _, q := range corpus {
		if serverDisagrees(t, c, q) {
			continue
		}
		if c.CheckRead(context.Background(), anyone, q) == nil {
			accepted++
		}
	}
	t.Logf("%d queries, %d accepted by chmcp", len(corpus), accepted)
	if accepted < len(corpus)/20 {
		t.Fatalf("only %d of %d accepted: the corpus no longer tests acceptance", accepted, len(corpus))
	}
}

func FuzzGuardAgreesWithClickHouse(f *testing.F) {
	for _, q := range guardCorpus(40) {
		f.Add(q)
	}
	c, err := New(srv(f).ClickHouseConfig(config.ProtocolTCP), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	f.Fuzz(func(t *testing.T, q string) {
		if len(q) > 2000 {
			return
		}
		serverDisagrees(t, c, q)
	})
}

// serverDisagrees fails t when chmcp accepts q and ClickHouse's parser does
// not see one read-only statement without IO functions.
func serverDisagrees(t *testing.T, c *Client, q string) bool {
	t.Helper()
	ctx := context.Background()
	if c.CheckRead(ctx, anyone, q) != nil {
		return false
	}
	tree, err := c.syntaxTree(ctx, anyone, q)
	var qe *QueryError
	if errors.As(err, &qe) && parserRefusals[qe.Code] {
		return false // ClickHouse's parser refuses it: it will not run it either
	}
	if err != nil {
		t.Errorf("chmcp accepted %q; EXPLAIN AST: %v", q, err)
		return true
	}
	if err := sqlguard.CheckAST(tree, c.guardPolicy(ctx, anyone)); err != nil {
		t.Errorf("chmcp accepted %q, but ClickHouse parses it as something else: %v\n%s", q, err, strings.Join(tree, "\n"))
		return true
	}
	return false
}

// parserRefusals are the codes ClickHouse's parser itself answers with:
// SYNTAX_ERROR (also max_query_size), TOO_DEEP_AST, TOO_BIG_AST and
// TOO_DEEP_RECURSION (fuzzed input nests NOT or unary minus without brackets).
var parserRefusals = map[int32]bool{62: true, 167: true, 168: true, 306: true}

// guardCorpus builds n queries from pieces that lexers disagree on.
func guardCorpus(n int) []string {
	statements := []string{
		"SELECT 1", "SHOW TABLES", "KILL QUERY WHERE 1", "DROP TABLE t", "INSERT INTO t VALUES (1)",
		"WITH 1 AS x INSERT INTO t SELECT x", "WITH 1 AS x SELECT x", "EXPLAIN AST DROP TABLE t", "EXPLAIN SELECT 1",
		"USE system", "SET ROLE NONE", "BACKUP TABLE t TO Disk('a', 'b')", "CHECK TABLE t", "SYSTEM FLUSH LOGS",
		"DESCRIBE TABLE url('http://x', CSV)", "SELECT file('x')", "SELECT * FROM numbers(1)", "EXISTS TABLE t",
		"(SELECT 1)", "FROM numbers(1) SELECT 1", "SELECT 1 QUALIFY 1", "OPTIMIZE TABLE t", "GRANT SELECT ON *.* TO x",
		"DESC system.one", "SHOW CREATE TABLE system.one", "ALTER TABLE t DELETE WHERE 1", "RENAME TABLE a TO b",
		"SELECT * APPLY(file) FROM t", "EXPLAIN indexes = 1 SELECT 1", "WITH 1 AS x DELETE FROM t",
	}
	pieces := []string{
		"/* x */", "/* /* */", "*/", "/* /* */ SHOW */", "-- c\n", "--", "# c\n", "#!c\n", "#x", "// c\n", "\n",
		"/*/ SELECT */", "$$ x $$", "$a$ ; $a$", "$a$", "$$", "‘x’", "‘", "’", "“x”", "“", "”", "'\\''", "'a\\' SELECT '",
		"'", "\"", "`", "\\", "\u00a0", "\u2028", "\ufeff", "\u2212", "\u200b", "\u00ad", ";", "; ", " ", "(", ")",
		"x'41'", "b'1'", "0x1p3", "1e", ".5", "1_0", "x.1.1", "SELECT", "SHOW", "WITH", "EXPLAIN", "AS", ",", "=",
		"'it''s'", "\"q\"\"q\"", "`b``b`", "/* a /* b /* c */ */ */", "/* ' */", "-- ' \n", "/* \" */", "$b$ ' $b$",
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, 0, n)
	out = append(out, statements...)
	for len(out) < n {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			if r.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(statements[r.IntN(len(statements))])
		for range r.IntN(3) {
			if r.IntN(2) == 0 {
				b.WriteByte(' ')
			}
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if r.IntN(4) == 0 {
			b.WriteString(fmt.Sprint(" ", statements[r.IntN(len(statements))]))
		}
		out = append(out, b.String())
	}
	return out
}

// The guard holds in cluster-secret mode too, where ClickHouse's parser is
// asked as the impersonated user; cluster() stays inside the cluster and is
// allowed.
func TestCheckReadAsImpersonatedUser(t *testing.T) {
	c := newTestClient(t, secretConfig(t))
	ctx := context.Background()
	alice := as("alice")
	if err := c.CheckRead(ctx, alice, "WITH 1 AS x SELECT x"); err != nil {
		t.Fatalf("WITH as alice: %v", err)
	}
	for q, want := range map[string]string{
		"/* /* */ SHOW */ KILL QUERY WHERE 1": "KILL QUERY is not",
		"WITH 1 AS x INSERT INTO t SELECT x":  "INSERT is not",
		"SELECT file('/etc/hostname')":        "reads files",
	} {
		if err := c.CheckRead(ctx, alice, q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckRead(%q) as alice = %v, want %q", q, err, want)
		}
	}
	q := "SELECT count() FROM cluster('" + srv(t).ClusterName + "', system.one)"
	if err := c.CheckRead(ctx, alice, q); err != nil {
		t.Fatalf("cluster(): %v", err)
	}
	if res, err := c.Query(ctx, alice, q, QueryOptions{ReadOnly: true}); err != nil || res.RowCount != 1 {
		t.Fatalf("cluster() query: %v %v", res, err)
	}
}

// Attack review 2: "stmt PARALLEL WITH stmt" is one statement to
// ClickHouse, so a read keyword in front decides nothing. ClickHouse runs
// the parts in parallel threads and complains only afterwards that a
// SELECT has output: behind "SELECT (SELECT sleep(1))" a KILL QUERY killed
// another query under readonly=1, and BACKUP reached the backup engine.
func TestCheckReadRefusesParallelWithOnTheServer(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	for _, q := range []string{
		"SELECT (SELECT sleep(1)) PARALLEL WITH KILL QUERY WHERE query_id = 'chmcp-no-such-query'",
		"(SELECT 1) PARALLEL WITH BACKUP TABLE system.one TO Disk('backups', 'b')",
		"SHOW TABLES parallel /* c */ WITH USE system",
		"DESCRIBE system.one PARALLEL WITH SET ROLE NONE",
	} {
		if err := c.CheckRead(ctx, anyone, q); err == nil || !strings.Contains(err.Error(), "PARALLEL WITH runs several statements") {
			t.Errorf("CheckRead(%q) = %v, want the PARALLEL WITH refusal", q, err)
		}
	}
	// A column named parallel before WITH TOTALS is refused too (the one
	// false refusal), and quoting it, as the refusal says, works.
	q := "SELECT number % 2 AS parallel, count() FROM numbers(4) GROUP BY parallel WITH TOTALS"
	if err := c.CheckRead(ctx, anyone, q); err == nil || !strings.Contains(err.Error(), `as "parallel"`) {
		t.Errorf("CheckRead(%q) = %v, want the refusal with the hint", q, err)
	}
	q = `SELECT number % 2 AS parallel, count() FROM numbers(4) GROUP BY "parallel" WITH TOTALS`
	if err := c.CheckRead(ctx, anyone, q); err != nil {
		t.Fatalf("CheckRead(%q) = %v", q, err)
	}
	if _, err := c.Query(ctx, anyone, q, QueryOptions{ReadOnly: true}); err != nil {
		t.Fatalf("Query(%q) = %v", q, err)
	}
}

// Attack review 2: ClickHouse resolves a function name passed to a
// higher-order function through parentheses and aliases:
// arrayMap((file), [path]) reads the file, and the guard let it through.
func TestCheckReadRefusesWrappedHigherOrderIOOnTheServer(t *testing.T) {
	// The premise: ClickHouse really calls file() here.
	if out := exec(t, "SELECT length(arrayMap((file), ['/etc/hostname'])[1]) > 0"); strings.TrimSpace(out) != "1" {
		t.Fatalf("arrayMap((file), ...) on the server = %q, want 1 (the premise of this test changed)", out)
	}
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	for _, q := range []string{
		"SELECT arrayMap((file), ['/etc/hostname'])",
		"SELECT arrayMap(file AS f, ['/etc/hostname'])",
		"SELECT arrayMap(((file)) AS f, ['/etc/hostname'])",
		"WITH 1 AS x SELECT arrayMap((file), ['/etc/hostname'])",
	} {
		if err := c.CheckRead(ctx, anyone, q); err == nil || !strings.Contains(err.Error(), "file() reads files") {
			t.Errorf("CheckRead(%q) = %v, want the file() refusal", q, err)
		}
		if _, err := c.Query(ctx, anyone, q, QueryOptions{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "file() reads files") {
			t.Errorf("Query(%q) = %v, want the file() refusal", q, err)
		}
	}
	q := "SELECT arrayMap((url) -> upper(url), ['a'])"
	if err := c.CheckRead(ctx, anyone, q); err != nil {
		t.Errorf("CheckRead(%q) = %v (a lambda parameter named url)", q, err)
	}
}

// Attack review 2: the server's AI functions send their arguments over
// HTTP to an LLM provider; every one of them must be refused as IO.
func TestAIFunctionsAreIO(t *testing.T) {
	names := strings.Fields(exec(t, "SELECT name FROM system.functions WHERE description ILIKE '%AI provider%' "+
		"OR description ILIKE '%LLM%' OR description ILIKE '%embedding endpoint%' OR lower(name) LIKE 'ai%' ORDER BY name"))
	if len(names) < 5 {
		t.Fatalf("found %d AI functions on the server (%v); the query no longer finds them", len(names), names)
	}
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	for _, name := range names {
		q := "SELECT " + name + "('x')"
		if err := c.CheckRead(context.Background(), anyone, q); err == nil || !strings.Contains(err.Error(), "allowed_io_functions") {
			t.Errorf("CheckRead(%q) = %v, want the IO refusal", q, err)
		}
	}
}

// Attack review 2: chmcp asks ClickHouse's parser with "EXPLAIN AST
// graph = 0 " + sql, and the caller's text could end the EXPLAIN early and
// append "PARALLEL WITH <statement>" to chmcp's own EXPLAIN: the outer
// statement became ParallelWithQuery(EXPLAIN AST ..., KILL QUERY ...), and
// ClickHouse ran the KILL while chmcp was only checking (seen killing
// another query). The inner statement stops early where ClickHouse's
// grammar does not let it go on but the outer EXPLAIN does: a second
// FORMAT after SETTINGS, a parenthesised statement, or text that continues
// EXPLAIN's own settings list. None of these may reach ClickHouse.
func TestCheckReadNeverLetsTheCallerExtendItsExplain(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	kill := " PARALLEL WITH KILL QUERY WHERE query_id = 'chmcp-no-such-query'"
	for _, q := range []string{
		"WITH 1 AS x SELECT x FORMAT TSV SETTINGS max_threads = 1 FORMAT TSV" + kill,
		"WITH 1 AS x SELECT x FORMAT TSV FORMAT TSV" + kill, // no SETTINGS needed
		"EXPLAIN SELECT 1 FORMAT TSV FORMAT TSV" + kill,
		"EXPLAIN SELECT 1 FORMAT TSV SETTINGS max_threads = 1 FORMAT TSV" + kill,
		", optimize = 0 (KILL QUERY WHERE 1)" + kill,
		"(KILL QUERY WHERE 1)" + kill,
		"SELECT 1" + kill,
		", optimize = 0 SELEC 1", // never sent: ClickHouse would answer SYNTAX_ERROR
	} {
		err := c.CheckRead(ctx, anyone, q)
		var ge *GuardError
		if !errors.As(err, &ge) {
			t.Errorf("CheckRead(%q) = %v (%T), want chmcp's own refusal before anything reaches ClickHouse", q, err, err)
		}
	}
	// The server's own parser is still asked where its verdict is safe.
	var qe *QueryError
	if err := c.CheckRead(ctx, anyone, "KILL QUERY WHERE"); !errors.As(err, &qe) || qe.Code != 62 {
		t.Errorf("CheckRead(invalid KILL) = %v, want ClickHouse's SYNTAX_ERROR", err)
	}
}

// ClickHouse's readonly=1 refuses a query's own SETTINGS clause but applies
// one in a subquery (getSetting('readonly') answers 0 there), so the guard
// refuses every SETTINGS clause in execute_query's SQL.
func TestSubquerySettingsEscapeReadonly(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	q := "SELECT * FROM (SELECT getSetting('readonly') SETTINGS readonly = 0)"
	res, err := c.Query(ctx, anyone, q, QueryOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("ClickHouse refused the subquery SETTINGS itself (%v): the guard's rule may be relaxed", err)
	}
	if got := rows(res); got != "[[0]]" {
		t.Fatalf("getSetting('readonly') in the subquery = %s, want 0 (ClickHouse fixed it? then relax the guard)", got)
	}
	if err := c.CheckRead(ctx, anyone, q); err == nil || !strings.Contains(err.Error(), "is not allowed in execute_query's SQL") {
		t.Fatalf("CheckRead(%q) = %v", q, err)
	}
}

// TestIOCheckAfterPolicyChange: a statement that passed the read check
// skips the second IO check only under the same policy. When the server's
// table functions arrive in between (a stricter policy), the IO check runs
// again: a table function the built-in lists do not know as local is IO.
func TestIOCheckAfterPolicyChange(t *testing.T) {
	c := newTestClient(t, srv(t).ClickHouseConfig(config.ProtocolTCP))
	ctx := context.Background()
	c.tableFunctions.lastTry = time.Now() // keep the real list from loading
	const q = "SELECT * FROM chmcp_test_fn()"
	passed, err := c.checkRead(ctx, anyone, q)
	if err != nil {
		t.Fatalf("read check before the server's list: %v", err)
	}
	if err := c.checkIO(ctx, anyone, q, passed); err != nil {
		t.Fatalf("same policy: %v", err)
	}
	c.tableFunctions.lastTry = time.Time{}
	c.tableFunctions.load(ctx, func(context.Context) (map[string]bool, error) {
		return map[string]bool{"chmcp_test_fn": true}, nil
	})
	err = c.checkIO(ctx, anyone, q, passed)
	var ge *GuardError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "chmcp_test_fn") {
		t.Fatalf("IO check under the server's list = %v, want chmcp_test_fn() refused", err)
	}
}
