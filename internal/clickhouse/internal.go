package clickhouse

import (
	"context"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/chmcp/chmcp/internal/identity"
)

// server is the identity of chmcp's own bookkeeping queries (the OAuth
// store): the configured clickhouse.username, never a caller.
var server = identity.Identity{Source: identity.SourceConfig}

// ExecInternal runs chmcp's own statement (not a caller's) as the
// configured user, without read-only or result caps. params fill
// {name:Type} placeholders; values are never spliced into the SQL.
func (c *Client) ExecInternal(ctx context.Context, sql string, params map[string]string) error {
	qid := uuid.NewString()
	if err := c.conn.Exec(ch.Context(ctx, c.queryOptions(server, qid, ch.Settings{}, params)...), sql); err != nil {
		return c.failed(ctx, server, qid, err)
	}
	return nil
}

// QueryUint64Internal runs chmcp's own single-value query (count() and the like).
func (c *Client) QueryUint64Internal(ctx context.Context, sql string, params map[string]string) (uint64, error) {
	qid := uuid.NewString()
	var v uint64
	if err := c.conn.QueryRow(ch.Context(ctx, c.queryOptions(server, qid, ch.Settings{}, params)...), sql).Scan(&v); err != nil {
		return 0, c.failed(ctx, server, qid, err)
	}
	return v, nil
}
