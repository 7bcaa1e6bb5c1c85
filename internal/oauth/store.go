package oauth

import (
	"context"
	"errors"
	"time"
)

// ErrReused is returned when a single-use value (authorization code,
// refresh token) is presented a second time.
var ErrReused = errors.New("oauth: already used")

// ErrRevoked is returned for a refresh token of a revoked family.
var ErrRevoked = errors.New("oauth: token family revoked")

// Store remembers the little that cannot be stateless: which authorization
// codes were used and which refresh token is current in each family.
// Everything else (client ids, codes, state, tokens) is sealed or signed, so
// any replica can serve any step. Implementations must be safe for
// concurrent use by several replicas.
type Store interface {
	// UseCode records that code id was redeemed. It returns ErrReused when
	// it was redeemed before. expires bounds how long the record is kept.
	UseCode(ctx context.Context, id string, expires time.Time) error

	// StartFamily begins a refresh-token family whose current token is first.
	StartFamily(ctx context.Context, family, first string, expires time.Time) error

	// Rotate replaces the family's current token presented by next. If
	// presented is not the current token (it was already rotated away: a
	// replay) the whole family is revoked and ErrReused returned; a revoked
	// or unknown family returns ErrRevoked.
	Rotate(ctx context.Context, family, presented, next string, expires time.Time) error

	// Revoke kills a family: none of its tokens refresh any more.
	Revoke(ctx context.Context, family string) error
}
