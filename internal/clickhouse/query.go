package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"strconv"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/sqlguard"
)

// QueryOptions tunes one query; the result caps and the time limit are the
// configured ones.
type QueryOptions struct {
	// ReadOnly runs the query with ClickHouse readonly=1: even a statement
	// the classifier let through cannot write or change settings.
	ReadOnly bool
	// Settings are extra ClickHouse settings, already allow-listed by the
	// caller; they never override chmcp's own (see newGuards).
	Settings map[string]any
	// Params are ClickHouse query parameters ({name:Type} placeholders).
	Params map[string]string
}

// Column describes one result column.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is a capped query result. Rows are JSON arrays, one per row, in
// column order; Truncated says explicitly when a cap cut the result.
//
// A result from Query carries its rows already encoded, inside its whole
// JSON (see JSON and Row), and leaves Rows nil: a row is never held twice.
// Rows is for results built by hand.
type Result struct {
	Columns         []Column          `json:"columns" jsonschema:"Name and ClickHouse type of each column; the type says how to read a value (a UInt64 comes as a string)."`
	Rows            []json.RawMessage `json:"rows"`
	RowCount        int               `json:"row_count"`
	Truncated       bool              `json:"truncated" jsonschema:"True when a cap cut rows off the result: see note."`
	TruncatedReason string            `json:"truncated_reason,omitempty" jsonschema:"The cap that cut it: max_result_rows or max_result_bytes."`
	QueryID         string            `json:"query_id"`
	ElapsedMs       float64           `json:"elapsed_ms"`
	User            string            `json:"user,omitempty"`

	// What a cap cut, for the reader (see truncation.go).
	RowsBeforeLimitAtLeast *uint64 `json:"rows_before_limit_at_least,omitempty" jsonschema:"ClickHouse's count of rows before the query's LIMIT (a lower bound); absent when ClickHouse does not say."`
	CellsCut               int     `json:"cells_cut,omitempty" jsonschema:"How many long string values were cut (each ends in a marker saying how much)."`
	Note                   string  `json:"note,omitempty" jsonschema:"Set when anything was cut: what, by which cap, and what to do next."`

	encoded []byte // the JSON, as Query streamed it; never modified
}

// Truncation reasons.
const (
	ReasonMaxRows  = "max_result_rows"
	ReasonMaxBytes = "max_result_bytes"
)

// Query runs one statement as id and reads at most the capped result.
func (c *Client) Query(ctx context.Context, id identity.Identity, sql string, o QueryOptions) (*Result, error) {
	return c.query(withCallBudget(ctx), c.bound(id), sql, o, nil)
}

// QueryRead is CheckRead then Query (execute_query), lexing sql once.
func (c *Client) QueryRead(ctx context.Context, id identity.Identity, sql string, o QueryOptions) (*Result, error) {
	ctx, id = withCallBudget(ctx), c.bound(id)
	passed, err := c.checkRead(ctx, id, sql)
	if err != nil {
		return nil, err
	}
	return c.query(ctx, id, sql, o, passed)
}

func (c *Client) query(ctx context.Context, id identity.Identity, sql string, o QueryOptions, passed *sqlguard.Policy) (*Result, error) {
	if err := c.checkLength(sql); err != nil {
		return nil, err
	}
	if err := c.authorize(id); err != nil {
		return nil, err
	}
	if err := c.checkIO(ctx, id, sql, passed); err != nil {
		return nil, err
	}
	lim, err := c.limits(ctx, id, o.Settings)
	if err != nil {
		return nil, err
	}
	maxRows, maxBytes := c.cfg.MaxResultRows, c.cfg.MaxResultBytes
	qctx, queryID := c.statement(ctx, id, c.capped.with(o, lim.settings), o.Params)
	fail := func(err error) error { return lim.blame(c.failed(ctx, id, queryID, err)) }
	var profile profileInfo
	qctx = ch.Context(qctx, ch.WithProfileInfo(profile.set))

	// Admission: a call that finds the result budget full fails here,
	// before ClickHouse does any work.
	hold, held := budget.From(ctx), int64(initialResultBuffer)
	if err := hold.Reserve(held); err != nil {
		return nil, err
	}
	start := time.Now()
	rows, err := c.conn.Query(qctx, sql)
	if err != nil {
		return nil, fail(err)
	}
	defer rows.Close()

	types := rows.ColumnTypes()
	res := &Result{Columns: make([]Column, len(types)), QueryID: queryID, User: id.RunAs}
	dest, typeNames := make([]any, len(types)), make([]string, len(types))
	for i, t := range types {
		res.Columns[i] = Column{Name: t.Name(), Type: t.DatabaseTypeName()}
		dest[i] = reflect.New(t.ScanType()).Interface()
		typeNames[i] = t.DatabaseTypeName()
	}
	enc := newRowEncoder(typeNames, c.cfg.MaxCellBytes)
	// The rows are encoded once, straight into the result's JSON, with the
	// caps applied as they arrive; the buffer's capacity is what the call
	// holds of the budget.
	buf, err := res.appendHead(make([]byte, 0, initialResultBuffer))
	if err != nil {
		return nil, err
	}
	buf = append(buf, '[')
	// The most a whole result can take: head, rows, a comma per row, tail.
	most := len(buf) + int(min(maxBytes, math.MaxInt32)) + maxRows + 1024
	var size int64 // bytes of rows, commas not counted
	last := 64     // length of the last row, to make room for the next
	for rows.Next() {
		if res.RowCount >= maxRows {
			res.Truncated, res.TruncatedReason = true, ReasonMaxRows
			break
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fail(err)
		}
		if cap(buf)-len(buf) <= last {
			buf = grow(buf, last, most)
		}
		mark := len(buf)
		if res.RowCount > 0 {
			buf = append(buf, ',')
		}
		rowStart := len(buf)
		buf = enc.appendRow(buf, dest)
		n := int64(len(buf) - rowStart)
		last = int(n) + 1
		if size+n > maxBytes {
			buf = buf[:mark]
			enc.dropRow()
			res.Truncated, res.TruncatedReason = true, ReasonMaxBytes
			break
		}
		size += n
		res.RowCount++
		if c := int64(cap(buf)); c > held {
			if err := hold.Reserve(c - held); err != nil {
				return nil, err
			}
			held = c
		}
	}
	if err := rows.Err(); err != nil && !res.Truncated {
		return nil, fail(err)
	}
	rows.Close() // reads the rest of the stream, ClickHouse's profile info included
	res.explain(profile.rowsBeforeLimit(), enc.cut, c.cfg)
	res.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
	if res.encoded, err = res.appendTail(append(buf, ']')); err != nil {
		return nil, err
	}
	return res, nil
}

// grow returns buf with room for more than next bytes: twice its capacity,
// up to most, so that a result is copied about as many times as its size
// doubles, and never held in much more than it needs. (append grows a
// large slice by a quarter, leaving four times its size behind as garbage.)
func grow(buf []byte, next, most int) []byte {
	c := min(2*cap(buf), most)
	if c-len(buf) <= next {
		c = len(buf) + 2*next
	}
	out := make([]byte, len(buf), c)
	copy(out, buf)
	return out
}

// initialResultBuffer is where a result's encoding starts: enough for a
// small result, which most are.
const initialResultBuffer = 2 << 10

// Exec runs a statement that returns no rows (write_query).
func (c *Client) Exec(ctx context.Context, id identity.Identity, sql string, o QueryOptions) (string, error) {
	ctx, id = withCallBudget(ctx), c.bound(id)
	if err := c.checkLength(sql); err != nil {
		return "", err
	}
	if err := c.authorize(id); err != nil {
		return "", err
	}
	if err := c.checkIO(ctx, id, sql, nil); err != nil {
		return "", err
	}
	lim, err := c.limits(ctx, id, o.Settings)
	if err != nil {
		return "", err
	}
	qctx, queryID := c.statement(ctx, id, c.uncapped.with(o, lim.settings), o.Params)
	if err := c.conn.Exec(qctx, sql); err != nil {
		return "", lim.blame(c.failed(ctx, id, queryID, err))
	}
	return queryID, nil
}

func (c *Client) checkLength(sql string) error {
	if len(sql) > c.cfg.MaxQueryLength {
		return &GuardError{Reason: "query is " + strconv.Itoa(len(sql)) + " bytes, over the limit of " +
			strconv.Itoa(c.cfg.MaxQueryLength) + " (clickhouse.max_query_length)"}
	}
	return nil
}

// guards are the ClickHouse settings chmcp puts on a caller's statement,
// with readonly=1 and without. They are built once per Client and shared
// by every query: never write to them (clickhouse-go copies the settings
// of a query before adding its own).
type guards struct{ readWrite, readOnly ch.Settings }

// newGuards builds the guard settings from the configuration. With capped,
// the result caps are enforced by ClickHouse too, so a huge result is
// never produced only to be dropped while reading.
func newGuards(cfg config.ClickHouseConfig, capped bool) guards {
	// No ProfileEvents packet after each query: chmcp reads none, and
	// ClickHouse encoding and the driver decoding a block of counters
	// per query is CPU on both ends for nothing.
	rw := ch.Settings{"send_profile_events": 0}
	if t := cfg.MaxExecutionTime.D(); t > 0 {
		// Whole seconds, at least one: 0 would mean no limit at all.
		rw["max_execution_time"] = max(1, int(t.Round(time.Second)/time.Second))
	}
	if capped {
		// One row past the cap lets the reader tell "exactly N" from "more".
		rw["max_result_rows"] = cfg.MaxResultRows + 1
		rw["max_result_bytes"] = resultBytesBackstop(cfg.MaxResultBytes)
		rw["result_overflow_mode"] = "break"
	}
	ro := maps.Clone(rw)
	ro["readonly"] = 1
	// HTTP: stop the server-side query when the client goes away.
	ro["cancel_http_readonly_queries_on_client_close"] = 1
	return guards{readWrite: rw, readOnly: ro}
}

// with returns the settings of a statement run with o: the caller's
// settings, overridden by the checked limits (see planLimits), overridden
// by the guards.
func (g guards) with(o QueryOptions, limits ch.Settings) ch.Settings {
	base := g.readWrite
	if o.ReadOnly {
		base = g.readOnly
	}
	if len(o.Settings) == 0 && len(limits) == 0 {
		return base
	}
	s := make(ch.Settings, len(o.Settings)+len(limits)+len(base))
	maps.Copy(s, o.Settings)
	maps.Copy(s, limits)
	maps.Copy(s, base)
	return s
}

// limits plans the limit settings of a statement run as id with the
// caller's settings; the user's profile is read only when they depend on it.
func (c *Client) limits(ctx context.Context, id identity.Identity, caller map[string]any) (limitPlan, error) {
	if !needsProfile(caller, c.guardrails) {
		return limitPlan{}, nil
	}
	prof, err := c.profile(ctx, id)
	if err != nil {
		return limitPlan{}, err
	}
	return planLimits(caller, c.guardrails, prof, id.RunAs)
}

// resultBytesBackstop is ClickHouse's in-memory byte cap. In-memory and JSON
// sizes differ, so it is looser than the JSON cap the reader enforces
// exactly; it only keeps ClickHouse from producing far more than we send.
func resultBytesBackstop(jsonCap int64) int64 { return 4*jsonCap + 1<<20 }

// authorize refuses, before anything reaches ClickHouse, an identity the
// policy does not allow. Only secret mode acts as the caller. The user
// checked is the one the statement will carry (RunAs): only the
// configuration identity runs as clickhouse.username unchecked.
func (c *Client) authorize(id identity.Identity) error {
	if !c.secretMode || id.User == "" && id.RunAs == c.cfg.Username {
		return nil
	}
	return c.policy.Allow(id.RunAs)
}

// statement prepares ctx for one statement run as id (bound: see
// Client.bound) with settings s and
// query parameters params, under a new query_id (the name KILL QUERY and
// system.query_log know it by), which it returns.
func (c *Client) statement(ctx context.Context, id identity.Identity, s ch.Settings, params map[string]string) (context.Context, string) {
	queryID := uuid.NewString()
	if c.cfg.LogComment {
		if comment := logComment(ctx, id, c.version); comment != "" {
			s = withLogComment(s, comment)
		}
	}
	opts := []ch.QueryOption{ch.WithSettings(s), ch.WithQueryID(queryID)}
	if c.secretMode {
		// Never empty: clickhouse.username is required, and an empty initial
		// user would make ClickHouse skip authentication.
		opts = append(opts, ch.WithInitialUser(id.RunAs))
	}
	if len(params) > 0 {
		opts = append(opts, ch.WithParameters(params))
	}
	if v, limited := s["max_execution_time"]; limited {
		ctx = keepTimeLimit{context.WithValue(ctx, timeLimitKey{}, timeLimitOf(v))}
	}
	return ch.Context(ctx, opts...), queryID
}

// keepTimeLimit hides a context's deadline from clickhouse-go, which
// would otherwise replace max_execution_time with "deadline + 5 s" and so
// loosen the configured limit. Cancellation is untouched: when the deadline
// passes, Done still fires and the driver cancels the query.
type keepTimeLimit struct{ context.Context }

func (keepTimeLimit) Deadline() (time.Time, bool) { return time.Time{}, false }

// failed classifies err and, when the caller went away, makes sure the
// query dies on the server too: the native driver sends Cancel and drops the
// connection, and KILL QUERY covers HTTP and lost Cancel packets.
func (c *Client) failed(ctx context.Context, id identity.Identity, queryID string, err error) error {
	if ctx.Err() != nil {
		c.goBackground(func() { c.kill(id, queryID, 1) })
		return &CancelledError{QueryID: queryID, Cause: ctx.Err()}
	}
	err = c.classify(err, queryID, id.RunAs)
	if te, ok := errors.AsType[*TimeoutError](err); ok && te.Stalled {
		c.goBackground(func() { c.kill(id, queryID, stalledKillAttempts) }) // cancel the query once ClickHouse answers again
	}
	return err
}

// stalledKillAttempts bounds how long kill keeps trying to reach a
// stalled ClickHouse: about a minute.
const stalledKillAttempts = 12

func (c *Client) kill(id identity.Identity, queryID string, attempts int) {
	for attempt := 1; ; attempt++ {
		err := c.killOnce(id, queryID)
		if err == nil || errors.Is(err, context.Canceled) || attempt >= attempts {
			if err != nil && !errors.Is(err, context.Canceled) {
				c.log.Debug("kill query after cancellation failed", "query_id", queryID, "err", c.classify(err, queryID, id.RunAs))
			}
			return
		}
		time.Sleep(time.Second)
	}
}

// killOnce sends KILL QUERY on the connection reserved for it.
func (c *Client) killOnce(id identity.Identity, queryID string) error {
	c.kills <- struct{}{}
	defer func() { <-c.kills }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var first error
	for _, conn := range c.killTargets() {
		kctx, _ := c.statement(ctx, id, nil, map[string]string{"qid": queryID})
		if err := conn.Exec(kctx, "KILL QUERY WHERE query_id = {qid:String} ASYNC"); err != nil && first == nil {
			first = err
		}
	}
	return first
}
