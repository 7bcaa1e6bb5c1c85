package sqlguard

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckReadDecidesOrAsks(t *testing.T) {
	decided := map[string]string{
		"SELECT 1":                                                    "SELECT",
		"select 1;":                                                   "SELECT",
		"  (SELECT 1) UNION ALL (SELECT 2)":                           "SELECT",
		"FROM numbers(1) SELECT 1":                                    "FROM",
		"SELECT 1 QUALIFY 1":                                          "SELECT",
		"SHOW TABLES FROM system LIKE '%;%'":                          "SHOW",
		"SHOW TABLES FROM system; -- done":                            "SHOW",
		"DESCRIBE TABLE system.tables":                                "DESCRIBE",
		"desc numbers(3)":                                             "DESC",
		"EXISTS TABLE system.tables":                                  "EXISTS",
		"/* DROP TABLE t */ SELECT 1":                                 "SELECT",
		"/* /* nested */ still comment */ SELECT 1":                   "SELECT",
		"-- c\nSELECT 'a\\'b', \"x\"\"y\", `z`":                       "SELECT",
		"SELECT $$it's$$, $a$ ; DROP $a$":                             "SELECT",
		"SELECT ‘it's’ AS “a b”":                                      "SELECT",
		"SELECT\u00a01\u3000FROM\u2028numbers(1)":                     "SELECT",
		"SELECT name FROM system.settings WHERE name = 'max_threads'": "SELECT",
		"SELECT settings = 1, settings FROM t":                        "SELECT",
		"SELECT url, file_name FROM logs":                             "SELECT",
		"SELECT count(url), domain(url), extractURLParameter(url, 'q') FROM hits": "SELECT",
		"SELECT arrayMap(x -> x, [url]) FROM hits":                                "SELECT",
		"SELECT 0x1F, 1_000, .5e-3, 1e+10, x.1.1 FROM t":                          "SELECT",
	}
	for q, want := range decided {
		v, err := CheckRead(q, nil)
		if err != nil || v.Keyword != want || v.AskServer {
			t.Errorf("CheckRead(%q) = %+v, %v; want %s decided", q, v, err, want)
		}
	}
	for _, q := range []string{"WITH 1 AS x SELECT x", "EXPLAIN indexes = 1 SELECT 1", "explain ast select 1", "WITH 1 AS x INSERT INTO t SELECT x"} {
		v, err := CheckRead(q, nil)
		if err != nil || !v.AskServer {
			t.Errorf("CheckRead(%q) = %+v, %v; want it to ask the server", q, v, err)
		}
	}
}

// The attack review's bypasses: a nested comment hid the real statement
// from the old guard, which classified the query as SHOW or SELECT.
func TestCheckReadRefusesAttacks(t *testing.T) {
	refused := map[string]string{
		"/* /* */ SHOW */ KILL QUERY WHERE 1":                                    "KILL is not a read-only statement",
		"/* /* */ SELECT */ BACKUP TABLE t TO S3('http://x/b') SETTINGS async=1": "S3() connects to object storage",
		"/* /* */ SELECT */ BACKUP TABLE t TO Disk('backups', 'b')":              "BACKUP is not",
		"/* /* */ SHOW */ DESCRIBE TABLE url('http://x', CSV)":                   "url() connects to a URL",
		"/* /* */ SHOW */ CHECK TABLE t":                                         "CHECK is not",
		"/* /* */ SHOW */ SET ROLE NONE":                                         "SET is not",
		"/* /* */ SHOW */ USE system":                                            "USE is not",
		"RESTORE TABLE t FROM Disk('a', 'b')":                                    "RESTORE is not",
		"INSERT INTO t VALUES (1)":                                               "INSERT is not",
		"SELECT 1; DROP TABLE t":                                                 "only one statement",
		"SELECT 1; SELECT 2":                                                     "only one statement",
		"SELECT 1;;":                                                             "only one statement",
		"SELECT file('/etc/passwd')":                                             "file() reads files",
		"SELECT FILE('/etc/passwd')":                                             "reads files",
		"SELECT `file`('/etc/passwd')":                                           "reads files",
		"SELECT \"file\" ('/etc/passwd')":                                        "reads files",
		"SELECT “file”('/etc/passwd')":                                           "reads files",
		"SELECT `fi\\x6ce`('/etc/passwd')":                                       "uses escapes",
		"SELECT * APPLY(file) FROM (SELECT '/etc/passwd' AS p)":                  "reads files",
		"SELECT * APPLY file FROM (SELECT '/etc/passwd' AS p)":                   "reads files",
		"SELECT arrayMap(file, ['/etc/passwd'])":                                 "reads files",
		"SELECT arraySort(`file`, ['/etc/passwd'])":                              "reads files",
		"SELECT arrayFold(file, [1], '/etc/passwd')":                             "reads files",
		"SELECT mapApply(file, map('a', 'b'))":                                   "reads files",
		"SELECT arrayMap(x -> x, ['a'], url)":                                    "connects to a URL",
		"SELECT * FROM url('http://169.254.169.254/', CSV)":                      "connects to a URL",
		"SELECT * FROM s3Cluster('c', 'http://x')":                               "object storage",
		"SELECT * FROM remote('10.0.0.1', system.one)":                           "another ClickHouse server",
		"SELECT * FROM executable('x.sh', CSV, 'a String')":                      "runs a program",
		"SELECT * FROM mysql('h:3306', 'd', 't', 'u', 'p')":                      "another database",
		"SELECT dictGetString('d', 'a', 1)":                                      "dictionary",
		"SELECT * FROM eval('SELECT 1')":                                         "SQL built while the query runs",
		"SELECT * FROM (SELECT getSetting('readonly') SETTINGS readonly = 0)":    "is not allowed in execute_query's SQL",
		"SELECT 1 SETTINGS readonly = 0 UNION ALL SELECT 2":                      "is not allowed in execute_query's SQL",
		"WITH x AS (SELECT 1 SETTINGS max_threads = 64) SELECT * FROM x":         "is not allowed in execute_query's SQL",
		"SELECT 1 SETTINGS max_threads = 1":                                      `execute_query "settings" argument instead, e.g. {"settings": {"max_threads": ...}}`,
		"SELECT 1 INTO OUTFILE '/tmp/x'":                                         "INTO OUTFILE",
		"SELECT 'unclosed":                                                       "cannot parse query",
		"SELECT 1 /* unclosed /* */":                                             "cannot parse query",
		"SELECT #x":                                                              "cannot parse query",
		"SELECT \u00ad1":                                                         "cannot parse query",
		"":                                                                       "empty query",
		"  -- only a comment":                                                    "empty query",
		"SELEC 1":                                                                "SELEC is not a read-only statement",
	}
	for q, want := range refused {
		_, err := CheckRead(q, nil)
		var ge *Error
		if !errors.As(err, &ge) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckRead(%q) = %v, want an Error containing %q", q, err, want)
		}
	}
}

func TestCheckReadNestingIsBoundedCheaply(t *testing.T) {
	deep := "SELECT " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000)
	_, err := CheckRead(deep, nil)
	if err == nil || !strings.Contains(err.Error(), "deeper than 256") {
		t.Fatalf("CheckRead(100k nested parentheses) = %v, want the depth refusal", err)
	}
	ok := "SELECT " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200)
	if _, err := CheckRead(ok, nil); err != nil {
		t.Fatalf("200 levels: %v", err)
	}
	if _, err := CheckRead(ok, &Policy{MaxDepth: 100}); err == nil {
		t.Fatal("MaxDepth 100 let 200 levels through")
	}
}

func TestAllowedIOFunctions(t *testing.T) {
	p := &Policy{AllowedIO: []string{"URL", "dictGet*"}}
	for _, q := range []string{"SELECT * FROM url('http://x', CSV)", "SELECT dictGetString('d', 'a', 1)", "SELECT dictGet('d', 'a', 1)"} {
		if _, err := CheckRead(q, p); err != nil {
			t.Errorf("allowed %q: %v", q, err)
		}
	}
	if _, err := CheckRead("SELECT dictHas('d', 1)", p); err == nil {
		t.Error("dictHas passed with only dictGet* allowed")
	}
	if _, err := CheckRead("SELECT file('x')", p); err == nil {
		t.Error("file passed with only url allowed")
	}
	// A table function the server has and chmcp does not know is IO.
	p = &Policy{ServerTableFunctions: map[string]bool{"numbers": true, "brandnewstorage": true}}
	if _, err := CheckRead("SELECT * FROM brandNewStorage('x')", p); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("unknown server table function: %v", err)
	}
	if _, err := CheckRead("SELECT * FROM numbers(2)", p); err != nil {
		t.Errorf("numbers: %v", err)
	}
}

func TestCheckIO(t *testing.T) {
	for _, q := range []string{"INSERT INTO FUNCTION url('http://x', CSV) SELECT 1", "CREATE TABLE t (a Int8) ENGINE = URL('http://x', CSV)",
		"CREATE DICTIONARY d (k UInt64) PRIMARY KEY k SOURCE(HTTP(url 'http://x' format 'CSV')) LAYOUT(FLAT()) LIFETIME(0)",
		"INSERT INTO t SELECT * FROM file('/etc/passwd')"} {
		if err := CheckIO(q, nil); err == nil {
			t.Errorf("CheckIO(%q) passed", q)
		}
	}
	for _, q := range []string{"INSERT INTO t VALUES (1)", "CREATE TABLE t (url String) ENGINE = MergeTree ORDER BY url"} {
		if err := CheckIO(q, nil); err != nil {
			t.Errorf("CheckIO(%q) = %v", q, err)
		}
	}
}

func TestCheckAST(t *testing.T) {
	ok := [][]string{
		{"SelectWithUnionQuery (children 1)", " ExpressionList (children 1)"},
		{"ShowTables"},
		{"Explain EXPLAIN (children 2)", " Set", " SelectWithUnionQuery (children 1)", "  ExpressionList (children 1)", "   SelectQuery (children 1)"},
	}
	for _, rows := range ok {
		if err := CheckAST(rows, nil); err != nil {
			t.Errorf("CheckAST(%q) = %v", rows, err)
		}
	}
	bad := map[string][]string{
		"INSERT is not":     {"InsertQuery   (children 2)", " Identifier t", " SelectWithUnionQuery (children 1)"},
		"KILL QUERY is not": {"KillQueryQuery Literal_UInt64_1 ASYNC (children 1)", " Literal UInt64_1"},
		"DROP is not":       {"Explain EXPLAIN (children 1)", " DropQuery  t"},
		"reads files":       {"SelectWithUnionQuery (children 1)", " ExpressionList (children 1)", "  Function file (children 1)"},
		"no syntax tree":    {},
	}
	for want, rows := range bad {
		if err := CheckAST(rows, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAST(%q) = %v, want %q", rows, err, want)
		}
	}
}

func FuzzCheckRead(f *testing.F) {
	for _, s := range []string{"SELECT 1", "/* /* */ SHOW */ KILL QUERY WHERE 1", "SELECT $a$x$a$", "SELECT ‘x’", "WITH 1 AS x SELECT x",
		"SELECT 'a\\'b' -- c", "SELECT 0x1p-2, 1e5, x.1.1", "SELECT \u00a0 1", "SELECT * APPLY(file) FROM t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		toks := Lex(q)
		end := 0
		for _, tok := range toks {
			if tok.Begin != end || tok.End <= tok.Begin {
				t.Fatalf("Lex(%q): token %+v does not follow %d", q, tok, end)
			}
			end = tok.End
		}
		if end != len(q) {
			t.Fatalf("Lex(%q) covered %d of %d bytes", q, end, len(q))
		}
		_, _ = CheckRead(q, nil) // must not panic
	})
}

// BenchmarkCheckReadDeepNesting is the attack review's memory case: 100 KB
// of nested parentheses (the old parser library took 50 MB per query). The
// guard refuses it after one linear pass.
func BenchmarkCheckReadDeepNesting(b *testing.B) {
	q := "SELECT " + strings.Repeat("(", 50_000) + "1" + strings.Repeat(")", 50_000)
	b.ReportAllocs()
	b.SetBytes(int64(len(q)))
	for b.Loop() {
		if _, err := CheckRead(q, nil); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkCheckReadTypical(b *testing.B) {
	q := "SELECT region, count() AS n, avg(amount) FROM sales.orders WHERE day >= today() - 7 AND status = 'paid' GROUP BY region ORDER BY n DESC LIMIT 10"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckRead(q, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Attack review 2: "stmt PARALLEL WITH stmt" is one statement in
// ClickHouse's grammar (ParserQuery wraps any statement in it), so the
// first keyword does not decide it. ClickHouse runs the parts in parallel
// threads and only then complains that a SELECT has output: "SELECT (SELECT
// sleep(1)) PARALLEL WITH KILL QUERY WHERE ..." killed the query under
// readonly=1, and BACKUP ran too. Asking ClickHouse's parser is no way out
// either (see the clickhouse package's
// TestCheckReadNeverLetsTheCallerExtendItsExplain): it is refused.
func TestCheckReadParallelWithIsNotDecidedByTheFirstKeyword(t *testing.T) {
	for _, q := range []string{
		"SELECT 1 PARALLEL WITH KILL QUERY WHERE 1",
		"SELECT (SELECT sleep(1)) parallel /* c */ with KILL QUERY WHERE query_id = 'x'",
		"(SELECT 1) PARALLEL WITH BACKUP TABLE t TO Disk('backups', 'b')",
		"SHOW TABLES PARALLEL WITH USE system",
		"DESCRIBE system.one PARALLEL WITH SET ROLE NONE",
		"EXISTS t PARALLEL WITH KILL QUERY WHERE 1",
		"FROM system.one SELECT 1 PARALLEL WITH KILL QUERY WHERE 1",
	} {
		v, err := CheckRead(q, nil)
		var ge *Error
		if !errors.As(err, &ge) || ge.NotRead || !strings.Contains(err.Error(), "PARALLEL WITH runs several statements") {
			t.Errorf("CheckRead(%q) = %+v, %v: want the PARALLEL WITH refusal", q, v, err)
		}
	}
}

// Attack review 2: ClickHouse resolves a function name passed to a
// higher-order function through parentheses and aliases too:
// arrayMap((file), ['/etc/passwd']) and arrayMap(file AS f, ...) read the
// file; the guard only looked at a name directly between "(" or "," and
// "," or ")".
func TestCheckReadRefusesIOFunctionNamesWrappedInHigherOrderArguments(t *testing.T) {
	for _, q := range []string{
		"SELECT arrayMap((file), ['/etc/passwd'])",
		"SELECT arrayMap(((file)), ['/etc/passwd'])",
		"SELECT arrayMap(file AS f, ['/etc/passwd'])",
		"SELECT arrayMap((file) AS f, ['/etc/passwd'])",
		"SELECT arrayMap((file AS f), ['/etc/passwd'])",
		"SELECT arrayMap(x -> x, ['a'], (url))",
		"SELECT mapApply((`file`), map('/etc/passwd', 'b'))",
		"SELECT arrayFold(( /* c */ file), ['/etc/passwd'], '')",
	} {
		if _, err := CheckRead(q, nil); err == nil || !strings.Contains(err.Error(), "allowed_io_functions") {
			t.Errorf("CheckRead(%q) = %v, want the IO refusal", q, err)
		}
	}
	// Lambda parameters and tuples named like IO functions stay fine.
	for _, q := range []string{
		"SELECT arrayMap((url) -> domain(url), urls) FROM t",
		"SELECT arrayMap((url, n) -> concat(url, toString(n)), urls, ns) FROM t",
		"SELECT arrayFilter(x -> x != url, links) FROM t",
		"SELECT arrayMap(x -> (x, url), links) FROM t",
	} {
		if _, err := CheckRead(q, nil); err != nil {
			t.Errorf("CheckRead(%q) = %v, want it accepted", q, err)
		}
	}
}

// Attack review 2: ClickHouse 26.x has AI functions that send their
// arguments (table data) over HTTP to an LLM provider named by a named
// collection; they were not on the IO list.
func TestCheckReadRefusesAIFunctions(t *testing.T) {
	for _, q := range []string{
		"SELECT aiGenerate(comment) FROM t",
		"SELECT AIClassify(body, ['spam', 'ham']) FROM t",
		"SELECT aiEmbed(body, 'model') FROM t",
		"SELECT aiExtract(body, 'names') FROM t",
		"SELECT aiTranslate(body, 'fr') FROM t",
		"SELECT arrayMap(aiGenerate, bodies) FROM t",
	} {
		if _, err := CheckRead(q, nil); err == nil || !strings.Contains(err.Error(), "allowed_io_functions") {
			t.Errorf("CheckRead(%q) = %v, want the IO refusal", q, err)
		}
	}
}

// Attack review 2: every "$tagN$" without a closing tag made the lexer
// search the rest of the query, so 100 KB of distinct unclosed heredoc
// tags (the default clickhouse.max_query_length) took about 10 s of CPU
// per request before anything reached ClickHouse.
func TestLexUnclosedHeredocTagsIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i := 0; b.Len() < 100_000; i++ {
		fmt.Fprintf(&b, "$a%d$ ", i)
	}
	q := b.String()
	start := time.Now()
	_, _ = CheckRead(q, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("CheckRead(100 KB of unclosed heredoc tags) took %v", d)
	}
}

// The heredoc search must find exactly what ClickHouse's
// string_view::find finds: the first "$tag$" after the opening one.
func TestLexHeredocsAgreeWithPlainSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"$", "$a$", "$b$", "$$", "a", "b", " ", "$a", "a$", "'", "1", "$ab$", "$1$"}
	for range 20_000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		q := b.String()
		got, want := Lex(q), lexWithPlainHeredocSearch(q)
		if !slices.Equal(got, want) {
			t.Fatalf("Lex(%q) = %v, plain search gives %v", q, got, want)
		}
	}
}

// lexWithPlainHeredocSearch lexes like Lex, finding closing heredoc tags
// by a plain search of the rest of the query, as ClickHouse does.
func lexWithPlainHeredocSearch(sql string) []Token {
	var out []Token
	for l := newLexer(sql); !l.done(); {
		begin := l.pos
		if sql[begin] == '$' {
			if end := strings.IndexByte(sql[begin+1:], '$'); end >= 0 {
				tag := sql[begin : begin+end+2]
				if wordChars(tag[1 : len(tag)-1]) {
					if close := strings.Index(sql[begin+len(tag):], tag); close >= 0 {
						l.pos = begin + len(tag) + close + len(tag)
						l.prev = HereDoc
						out = append(out, Token{Kind: HereDoc, Begin: begin, End: l.pos})
						continue
					}
				}
			}
		}
		out = append(out, l.token())
	}
	return out
}

func wordChars(s string) bool {
	for i := range len(s) {
		if !isWordChar(s[i]) {
			return false
		}
	}
	return true
}

// Attack review 2: an EXPLAIN's FORMAT is an Identifier child of its node
// in ClickHouse's tree; "EXPLAIN SELECT 1 FORMAT TSV" was refused as
// "IDENTIFIER is not a read-only statement".
func TestCheckASTExplainWithFormat(t *testing.T) {
	rows := []string{"Explain EXPLAIN (children 3)", " SelectWithUnionQuery (children 1)", "  ExpressionList (children 1)", " Identifier TSV", " Set"}
	if err := CheckAST(rows, nil); err != nil {
		t.Errorf("CheckAST(EXPLAIN SELECT 1 FORMAT TSV SETTINGS ...) = %v", err)
	}
}
