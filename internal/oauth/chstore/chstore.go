// Package chstore keeps the OAuth Store in a ClickHouse table, so several
// chmcp replicas share used codes and refresh-token families.
//
// ClickHouse has no compare-and-swap, so every operation is insert-only and
// a race is resolved by counting afterwards: whoever counts more than one
// use of a single-use value treats it as reused. Two replicas redeeming the
// same refresh token at once therefore both see the reuse (or the later one
// does) and the family is revoked: the safe outcome.
package chstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/oauth"
)

// Runner is the slice of the ClickHouse client the store needs; it runs
// statements as chmcp's configured user with {name:Type} parameters.
type Runner interface {
	ExecInternal(ctx context.Context, sql string, params map[string]string) error
	QueryUint64Internal(ctx context.Context, sql string, params map[string]string) (uint64, error)
}

// Store implements oauth.Store on a MergeTree table.
type Store struct {
	db    Runner
	table string // validated db.table, safe to splice
}

// consistency makes reads see the latest inserts on replicated tables
// (harmless on a single server).
const consistency = " SETTINGS select_sequential_consistency = 1"

// New creates the table if it does not exist. On a cluster, create it
// beforehand ON CLUSTER with ReplicatedMergeTree (docs/oauth.md); an
// existing table is used as it is.
func New(ctx context.Context, db Runner, table string) (*Store, error) {
	if !config.ValidTableName(table) {
		return nil, fmt.Errorf("server.oauth.store_table: invalid table name %q (want database.table)", table)
	}
	s := &Store{db: db, table: table}
	err := db.ExecInternal(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
    kind LowCardinality(String) COMMENT 'code | family | rotation | revoked',
    id String COMMENT 'code id or refresh-token family id',
    token String COMMENT 'family: first token id; rotation: the new token id',
    prev String COMMENT 'rotation: the token id presented',
    at DateTime64(3) DEFAULT now64(3),
    expires DateTime
) ENGINE = MergeTree ORDER BY (kind, id) TTL expires
COMMENT 'chmcp OAuth state: used authorization codes and refresh-token families'`, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth store: creating %s: %w", table, err)
	}
	return s, nil
}

func (s *Store) insert(ctx context.Context, kind, id, token, prev string, expires time.Time) error {
	return s.db.ExecInternal(ctx, "INSERT INTO "+s.table+" (kind, id, token, prev, expires) SETTINGS insert_quorum = 'auto' "+
		"VALUES ({kind:String}, {id:String}, {token:String}, {prev:String}, {expires:DateTime})",
		map[string]string{"kind": kind, "id": chsql.StringParam(id), "token": chsql.StringParam(token),
			"prev": chsql.StringParam(prev), "expires": strconv.FormatInt(expires.Unix(), 10)})
}

// selectUint64 evaluates expr (a UInt64) over the rows matching where.
func (s *Store) selectUint64(ctx context.Context, expr, where string, params map[string]string) (uint64, error) {
	return s.db.QueryUint64Internal(ctx, "SELECT "+expr+" FROM "+s.table+" WHERE "+where+consistency, params)
}

// UseCode records a redemption, then counts redemptions.
func (s *Store) UseCode(ctx context.Context, id string, expires time.Time) error {
	if err := s.insert(ctx, "code", id, "", "", expires); err != nil {
		return err
	}
	n, err := s.selectUint64(ctx, "count()", "kind = 'code' AND id = {id:String}", map[string]string{"id": chsql.StringParam(id)})
	if err != nil {
		return err
	}
	if n > 1 {
		return oauth.ErrReused
	}
	return nil
}

// StartFamily records a new family and its first token.
func (s *Store) StartFamily(ctx context.Context, family, first string, expires time.Time) error {
	return s.insert(ctx, "family", family, first, "", expires)
}

// Rotate checks that the family is alive (started and never revoked),
// records presented -> next, then checks that presented was rotated exactly
// once.
func (s *Store) Rotate(ctx context.Context, family, presented, next string, expires time.Time) error {
	p := map[string]string{"id": chsql.StringParam(family), "prev": chsql.StringParam(presented)}
	alive, err := s.selectUint64(ctx, "toUInt64(countIf(kind = 'family') > 0 AND countIf(kind = 'revoked') = 0)",
		"kind IN ('family', 'revoked') AND id = {id:String}", p)
	if err != nil {
		return err
	}
	if alive == 0 {
		return oauth.ErrRevoked
	}
	if err := s.insert(ctx, "rotation", family, next, presented, expires); err != nil {
		return err
	}
	uses, err := s.selectUint64(ctx, "count()", "kind = 'rotation' AND id = {id:String} AND prev = {prev:String}", p)
	if err != nil {
		return err
	}
	if uses > 1 {
		if err := s.Revoke(ctx, family); err != nil {
			return err
		}
		return oauth.ErrReused
	}
	return nil
}

// Revoke records the family as dead; its rows expire with their TTL.
func (s *Store) Revoke(ctx context.Context, family string) error {
	// The tombstone outlives any family: refresh_token_ttl is at most a year.
	return s.insert(ctx, "revoked", family, "", "", time.Now().Add(tombstoneTTL))
}

const tombstoneTTL = 366 * 24 * time.Hour

var _ oauth.Store = (*Store)(nil)
