package clickhouse

import (
	"context"

	"github.com/chmcp/chmcp/internal/identity"
)

// server is the identity of chmcp's own queries (the health check, the
// OAuth store): the configured clickhouse.username, never a caller.
var server = identity.Identity{Source: identity.SourceConfig}

// ExecInternal runs chmcp's own statement (not a caller's) as the
// configured user, without read-only or result caps. params fill
// {name:Type} placeholders; values are never spliced into the SQL.
func (c *Client) ExecInternal(ctx context.Context, sql string, params map[string]string) error {
	qctx, qid := c.statement(ctx, c.self, nil, params)
	if err := c.conn.Exec(qctx, sql); err != nil {
		return c.failed(ctx, c.self, qid, err)
	}
	return nil
}

// QueryUint64Internal runs chmcp's own single-value query (count() and the like).
func (c *Client) QueryUint64Internal(ctx context.Context, sql string, params map[string]string) (uint64, error) {
	qctx, qid := c.statement(ctx, c.self, nil, params)
	var v uint64
	if err := c.conn.QueryRow(qctx, sql).Scan(&v); err != nil {
		return 0, c.failed(ctx, c.self, qid, err)
	}
	return v, nil
}
