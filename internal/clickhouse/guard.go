package clickhouse

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/sqlguard"
)

// GuardError is a request refused by chmcp before it reached ClickHouse.
// Invalid says the SQL itself is malformed; otherwise it is valid SQL that
// is not allowed here.
type GuardError struct {
	Reason  string
	Invalid bool
}

func (e *GuardError) Error() string {
	if e.Invalid {
		return "invalid SQL: " + e.Reason
	}
	return "not allowed here: " + e.Reason
}

// guardError turns a sqlguard refusal into a GuardError.
func guardError(err error) error {
	var se *sqlguard.Error
	if errors.As(err, &se) {
		return &GuardError{Reason: se.Reason, Invalid: se.Invalid}
	}
	return err
}

// CheckRead lets through exactly one read-only statement (SELECT, WITH,
// SHOW, DESCRIBE, EXISTS, EXPLAIN) with no file, network or process access
// the operator did not allow. Where the statement's first keyword does not
// decide what ClickHouse will run (WITH, EXPLAIN), ClickHouse's own parser
// decides: EXPLAIN AST parses without executing, as the caller.
func (c *Client) CheckRead(ctx context.Context, id identity.Identity, sql string) error {
	_, err := c.checkRead(ctx, id, sql)
	return err
}

// checkRead is CheckRead, returning the policy sql passed under: CheckRead
// applies every check checkIO does, so under the same policy (an immutable
// value; see serverTableFunctions.policy) a statement that passed it needs
// no second lexing.
func (c *Client) checkRead(ctx context.Context, id identity.Identity, sql string) (*sqlguard.Policy, error) {
	if err := c.checkLength(sql); err != nil {
		return nil, err
	}
	p := c.guardPolicy(ctx, id)
	return p, c.readVerdict(ctx, id, sql, p)
}

func (c *Client) readVerdict(ctx context.Context, id identity.Identity, sql string, p *sqlguard.Policy) error {
	v, err := sqlguard.CheckRead(sql, p)
	var se *sqlguard.Error
	notRead := errors.As(err, &se) && se.NotRead
	if err != nil && !notRead || err == nil && !v.AskServer {
		return guardError(err)
	}
	// ClickHouse's parser decides; for a statement refused by its first
	// keyword it says whether the text is valid SQL at all.
	tree, perr := c.syntaxTree(ctx, id, sql)
	if perr != nil {
		return perr // ClickHouse's own words: a syntax error is code 62
	}
	if err = sqlguard.CheckAST(tree, p); err == nil && notRead {
		// Never reached while the keyword table is right; refuse anyway.
		err = se
	}
	return guardError(err)
}

// syntaxTree runs EXPLAIN AST, which parses sql without executing it, as id.
// "graph = 0" (the default) closes EXPLAIN's own settings list, so the start
// of sql ("SELECT = 1 ...") cannot be read as one more EXPLAIN setting.
func (c *Client) syntaxTree(ctx context.Context, id identity.Identity, sql string) ([]string, error) {
	var tree []string
	err := c.each(ctx, id, "EXPLAIN AST graph = 0 "+sql, nil, func(r driver.Rows) error {
		var line string
		err := r.Scan(&line)
		tree = append(tree, line)
		return err
	})
	return tree, err
}

// checkIO refuses statements that reach files, the network or processes
// through SQL, for every statement chmcp sends on a caller's behalf.
// passed is the policy sql already passed checkRead under, if any: the
// check is skipped only when that is still the policy in force.
func (c *Client) checkIO(ctx context.Context, id identity.Identity, sql string, passed *sqlguard.Policy) error {
	p := c.guardPolicy(ctx, id)
	if passed != nil && passed == p {
		return nil
	}
	return guardError(sqlguard.CheckIO(sql, p))
}

// CheckIOText applies the IO check to SQL that is not sent as is, such as a
// view's definition before it becomes a tool.
func (c *Client) CheckIOText(sql string) error {
	return guardError(sqlguard.CheckIO(sql, c.tableFunctions.policy(c.cfg.AllowedIOFunctions)))
}

// guardPolicy is the operator's policy plus, once known, the server's table
// functions: one the guard does not know to stay local is treated as IO.
func (c *Client) guardPolicy(ctx context.Context, id identity.Identity) *sqlguard.Policy {
	c.tableFunctions.load(ctx, func(ctx context.Context) (map[string]bool, error) {
		names := map[string]bool{}
		err := c.each(ctx, id, "SELECT name FROM system.table_functions", nil, func(r driver.Rows) error {
			var n string
			err := r.Scan(&n)
			names[strings.ToLower(n)] = true
			return err
		})
		return names, err
	})
	return c.tableFunctions.policy(c.cfg.AllowedIOFunctions)
}

// serverTableFunctions caches system.table_functions: the list changes only
// with the server's version. One query loads it while the others go on with
// the built-in lists; a failed load is tried again after tableFunctionsRetry.
type serverTableFunctions struct {
	mu      sync.Mutex
	names   map[string]bool
	loading bool
	lastTry time.Time
	// cached is the policy of the current names, built once per names
	// (never modified, so a statement's checks can tell it is the same).
	cached *sqlguard.Policy
}

const tableFunctionsRetry = 10 * time.Second

func (s *serverTableFunctions) load(ctx context.Context, fetch func(context.Context) (map[string]bool, error)) {
	s.mu.Lock()
	if s.names != nil || s.loading || time.Since(s.lastTry) < tableFunctionsRetry {
		s.mu.Unlock()
		return
	}
	s.loading, s.lastTry = true, time.Now()
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	names, err := fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loading = false
	if err == nil {
		s.names, s.cached = names, nil
	}
}

// policy is the guard's policy with allowed (the same on every call of a
// client) and the server's names as last loaded.
func (s *serverTableFunctions) policy(allowed []string) *sqlguard.Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == nil {
		s.cached = &sqlguard.Policy{AllowedIO: allowed, ServerTableFunctions: s.names}
	}
	return s.cached
}
