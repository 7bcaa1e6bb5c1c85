package clickhouse

import (
	"context"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/identity"
)

// A user's profile values are read only when a statement's limits depend
// on them (a guardrail is set, or the caller passes a limit setting), and
// kept per ClickHouse user for a short time: a profile an operator
// tightens takes effect in chmcp within profileTTL.
const (
	profileTTL       = 30 * time.Second
	profileCacheSize = 4096 // users; the least recently used is dropped
	profileTimeout   = 10 * time.Second
)

// profileQuery reads the user's own values: it runs with no settings, since
// system.settings reports the ones a query carries.
var profileQuery = func() string {
	names := []string{chsql.QuoteString(productMode)}
	for _, l := range limitSettings {
		names = append(names, chsql.QuoteString(l.name))
	}
	return "SELECT name, value FROM system.settings WHERE name IN (" + strings.Join(names, ", ") + ")"
}()

// profiles caches profileValues per ClickHouse user; concurrent misses for
// one user share a single lookup.
type profiles struct {
	cache  *lru.Cache[string, profileEntry]
	flight singleflight.Group
	now    func() time.Time
}

type profileEntry struct {
	values  profileValues
	fetched time.Time
}

func newProfiles() *profiles {
	cache, _ := lru.New[string, profileEntry](profileCacheSize) // errors only on size <= 0
	return &profiles{cache: cache, now: time.Now}
}

// profile returns the profile values of the user id runs as.
func (c *Client) profile(ctx context.Context, id identity.Identity) (profileValues, error) {
	user := id.RunAs
	if e, ok := c.profiles.cache.Get(user); ok && c.profiles.now().Sub(e.fetched) < profileTTL {
		return e.values, nil
	}
	ch := c.profiles.flight.DoChan(user, func() (any, error) {
		// Not tied to one caller: others may wait on this lookup.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), profileTimeout)
		defer cancel()
		vals, err := c.readProfile(lctx, id)
		if err == nil {
			c.profiles.cache.Add(user, profileEntry{values: vals, fetched: c.profiles.now()})
		}
		return vals, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(profileValues), nil
	case <-ctx.Done():
		return nil, &CancelledError{Cause: ctx.Err()}
	}
}

func (c *Client) readProfile(ctx context.Context, id identity.Identity) (profileValues, error) {
	qctx, queryID := c.statement(ctx, id, nil, nil)
	rows, err := c.conn.Query(qctx, profileQuery)
	if err != nil {
		return nil, c.failed(ctx, id, queryID, err)
	}
	defer rows.Close()
	vals := profileValues{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, c.failed(ctx, id, queryID, err)
		}
		vals[name] = value
	}
	if err := rows.Err(); err != nil {
		return nil, c.failed(ctx, id, queryID, err)
	}
	return vals, nil
}
