package clickhouse

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckReadOnly(t *testing.T) {
	allowed := []string{
		"SELECT 1",
		"select 1;",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
		"SELECT 1 UNION ALL SELECT 2",
		"SELECT * FROM system.tables WHERE name = 'INSERT INTO t VALUES (1)'",
		"/* DROP TABLE t */ SELECT 1",
		"SHOW TABLES FROM system",
		"SHOW DATABASES",
		"DESCRIBE TABLE system.tables",
		"DESC system.tables",
		"EXISTS TABLE system.tables",
		"EXISTS system.tables",
		"exists database `default`",
		"EXPLAIN SELECT 1",
		"SELECT count() FROM numbers(10) FORMAT JSON",
		"SELECT 1 SETTINGS max_threads = 1",
		"SHOW CREATE TABLE system.tables",
		"SHOW GRANTS",
		"EXPLAIN PLAN header = 1 SELECT 1",
		"EXPLAIN SYNTAX SELECT 1",
		"SHOW TABLES FROM system LIKE '%;%' -- trailing; comment",
		"SHOW TABLES FROM system; -- done",
		"SHOW TABLES FROM system LIKE 'it''s'",
	}
	for _, q := range allowed {
		if err := CheckReadOnly(q); err != nil {
			t.Errorf("CheckReadOnly(%q) = %v, want allowed", q, err)
		}
	}
	refused := map[string]string{
		"INSERT INTO t VALUES (1)":                "INSERT is not a read-only statement",
		"DROP TABLE t":                            "DROP is not a read-only statement",
		"CREATE TABLE t (a Int8) ENGINE = Memory": "not a read-only statement",
		"ALTER TABLE t DELETE WHERE 1":            "not a read-only statement",
		"TRUNCATE TABLE t":                        "not a read-only statement",
		"SET readonly = 0":                        "not a read-only statement",
		"SYSTEM SHUTDOWN":                         "",
		"SELECT 1; DROP TABLE t":                  "only one statement",
		"SELECT 1; SELECT 2":                      "only one statement",
		"EXISTS TABLE t; DROP TABLE t":            "",
		"SELEC 1":                                 "cannot parse query",
		"":                                        "",
		"   ":                                     "",
		"GRANT ALL ON *.* TO bob":                 "not a read-only statement",
		"KILL QUERY WHERE 1":                      "",
		"OPTIMIZE TABLE t FINAL":                  "not a read-only statement",
		// After the ';' of a parser gap: anything unclosed is refused.
		"SHOW TABLES FROM system; 'x":      "cannot parse query",
		"SHOW TABLES FROM system; /* open": "cannot parse query",
	}
	for q, want := range refused {
		err := CheckReadOnly(q)
		var ge *GuardError
		if !errors.As(err, &ge) {
			t.Errorf("CheckReadOnly(%q) = %v, want a GuardError", q, err)
			continue
		}
		if want != "" && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckReadOnly(%q) = %q, want it to contain %q", q, err, want)
		}
	}
}

func FuzzCheckReadOnly(f *testing.F) {
	for _, s := range []string{"SELECT 1", "INSERT INTO t VALUES (1)", "EXISTS t", "WITH a AS (SELECT 1) SELECT * FROM a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_ = CheckReadOnly(q) // must never panic
	})
}
