package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/chmcp/chmcp/internal/identity"
)

// QueryOptions tunes one query. Zero values take the configured defaults.
type QueryOptions struct {
	// ReadOnly runs the query with ClickHouse readonly=1: even a statement
	// the classifier let through cannot write or change settings.
	ReadOnly bool
	MaxRows  int
	MaxBytes int64
	// Settings are extra ClickHouse settings, already allow-listed by the caller.
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
type Result struct {
	Columns         []Column          `json:"columns"`
	Rows            []json.RawMessage `json:"rows"`
	RowCount        int               `json:"row_count"`
	Truncated       bool              `json:"truncated"`
	TruncatedReason string            `json:"truncated_reason,omitempty"`
	QueryID         string            `json:"query_id"`
	ElapsedMs       float64           `json:"elapsed_ms"`
	User            string            `json:"user,omitempty"`
}

// Truncation reasons.
const (
	ReasonMaxRows  = "max_result_rows"
	ReasonMaxBytes = "max_result_bytes"
)

// Query runs one statement as id and reads at most the capped result.
func (c *Client) Query(ctx context.Context, id identity.Identity, sql string, o QueryOptions) (*Result, error) {
	if err := c.checkLength(sql); err != nil {
		return nil, err
	}
	if err := c.authorize(id); err != nil {
		return nil, err
	}
	maxRows, maxBytes := c.caps(o)
	queryID := uuid.NewString()
	settings := c.settings(o, maxRows, maxBytes)
	qctx := ch.Context(ctx, c.queryOptions(id, queryID, settings, o.Params)...)

	start := time.Now()
	rows, err := c.conn.Query(qctx, sql)
	if err != nil {
		return nil, c.failed(ctx, id, queryID, err)
	}
	defer rows.Close()

	types := rows.ColumnTypes()
	res := &Result{Columns: make([]Column, len(types)), Rows: []json.RawMessage{}, QueryID: queryID, User: c.EffectiveUser(id)}
	dest := make([]any, len(types))
	for i, t := range types {
		res.Columns[i] = Column{Name: t.Name(), Type: t.DatabaseTypeName()}
		dest[i] = reflect.New(t.ScanType()).Interface()
	}
	var size int64
	var buf []byte
	for rows.Next() {
		if len(res.Rows) >= maxRows {
			res.Truncated, res.TruncatedReason = true, ReasonMaxRows
			break
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, c.failed(ctx, id, queryID, err)
		}
		buf = appendRow(buf[:0], dest)
		if size+int64(len(buf)) > maxBytes {
			res.Truncated, res.TruncatedReason = true, ReasonMaxBytes
			break
		}
		size += int64(len(buf))
		res.Rows = append(res.Rows, json.RawMessage(append([]byte(nil), buf...)))
	}
	if err := rows.Err(); err != nil && !res.Truncated {
		return nil, c.failed(ctx, id, queryID, err)
	}
	res.RowCount = len(res.Rows)
	res.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// Exec runs a statement that returns no rows (write_query).
func (c *Client) Exec(ctx context.Context, id identity.Identity, sql string, o QueryOptions) (string, error) {
	if err := c.checkLength(sql); err != nil {
		return "", err
	}
	if err := c.authorize(id); err != nil {
		return "", err
	}
	queryID := uuid.NewString()
	qctx := ch.Context(ctx, c.queryOptions(id, queryID, c.settings(o, 0, 0), o.Params)...)
	if err := c.conn.Exec(qctx, sql); err != nil {
		return "", c.failed(ctx, id, queryID, err)
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

func (c *Client) caps(o QueryOptions) (int, int64) {
	maxRows, maxBytes := c.cfg.MaxResultRows, c.cfg.MaxResultBytes
	if o.MaxRows > 0 && o.MaxRows < maxRows {
		maxRows = o.MaxRows
	}
	if o.MaxBytes > 0 && o.MaxBytes < maxBytes {
		maxBytes = o.MaxBytes
	}
	return maxRows, maxBytes
}

// settings builds the per-query ClickHouse settings. The caps are enforced by
// ClickHouse too, so a huge result is never produced only to be dropped here.
func (c *Client) settings(o QueryOptions, maxRows int, maxBytes int64) ch.Settings {
	s := ch.Settings{}
	for k, v := range o.Settings {
		s[k] = v
	}
	if t := c.cfg.MaxExecutionTime.D(); t > 0 {
		s["max_execution_time"] = int(t.Round(time.Second) / time.Second)
	}
	if maxRows > 0 {
		// One row past the cap lets the reader tell "exactly N" from "more".
		s["max_result_rows"] = maxRows + 1
		s["max_result_bytes"] = resultBytesBackstop(maxBytes)
		s["result_overflow_mode"] = "break"
	}
	if o.ReadOnly {
		s["readonly"] = 1
		// HTTP: stop the server-side query when the client goes away.
		s["cancel_http_readonly_queries_on_client_close"] = 1
	}
	return s
}

// resultBytesBackstop is ClickHouse's in-memory byte cap. In-memory and JSON
// sizes differ, so it is looser than the JSON cap the reader enforces
// exactly; it only keeps ClickHouse from producing far more than we send.
func resultBytesBackstop(jsonCap int64) int64 { return 4*jsonCap + 1<<20 }

// authorize refuses, before anything reaches ClickHouse, an identity the
// policy does not allow. Only secret mode acts as the caller.
func (c *Client) authorize(id identity.Identity) error {
	if !c.secretMode || id.User == "" {
		return nil
	}
	return c.policy.Allow(id.User)
}

func (c *Client) queryOptions(id identity.Identity, queryID string, s ch.Settings, params map[string]string) []ch.QueryOption {
	opts := []ch.QueryOption{ch.WithSettings(s)}
	if queryID != "" {
		opts = append(opts, ch.WithQueryID(queryID))
	}
	if c.secretMode {
		// Never empty: clickhouse.username is required, and an empty initial
		// user would make ClickHouse skip authentication.
		opts = append(opts, ch.WithInitialUser(c.EffectiveUser(id)))
	}
	if len(params) > 0 {
		opts = append(opts, ch.WithParameters(params))
	}
	return opts
}

// failed classifies err and, when the caller went away, makes sure the
// query dies on the server too: the native driver sends Cancel and drops the
// connection, and KILL QUERY covers HTTP and lost Cancel packets.
func (c *Client) failed(ctx context.Context, id identity.Identity, queryID string, err error) error {
	if ctx.Err() != nil {
		go c.kill(id, queryID)
		return &CancelledError{QueryID: queryID, Cause: ctx.Err()}
	}
	return c.classifyFor(err, queryID, c.EffectiveUser(id))
}

func (c *Client) kill(id identity.Identity, queryID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qctx := ch.Context(ctx, c.queryOptions(id, uuid.NewString(), nil, map[string]string{"qid": queryID})...)
	if err := c.conn.Exec(qctx, "KILL QUERY WHERE query_id = {qid:String} ASYNC"); err != nil && !errors.Is(err, context.Canceled) {
		c.log.Debug("kill query after cancellation failed", "query_id", queryID, "err", c.classify(err, queryID))
	}
}
