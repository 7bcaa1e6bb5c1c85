package jwe

import (
	"errors"
	"fmt"
	"time"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// Minter issues tokens under the rules the server applies when it reads
// them, so neither `chmcp token` nor POST /jwe/token can mint a token the
// server would refuse.
type Minter struct {
	Base   config.ClickHouseConfig // the server's ClickHouse configuration
	Config config.JWEConfig
	Policy *identity.Policy
	Key    []byte // server.jwe.secret_key
	JWTKey []byte // server.jwe.jwt_secret_key, may be empty
}

// ErrEncode: the token could not be built (a server fault, not the request's).
var ErrEncode = errors.New("jwe: cannot encode the token")

// Mint encodes conn for ttl from now. Errors wrap ErrNotAllowed (a
// connection the server would refuse) or ErrEncode; any other error is a bad
// request (ttl out of range, invalid claims).
func (m Minter) Mint(conn Connection, ttl time.Duration, now time.Time) (token string, expires time.Time, err error) {
	if maxTTL := m.Config.MaxTTL.D(); ttl < time.Second || ttl > maxTTL {
		return "", time.Time{}, fmt.Errorf("ttl must be between 1s and server.jwe.max_ttl (%s)", maxTTL)
	}
	if err := conn.Validate(); err != nil {
		return "", time.Time{}, err
	}
	if _, err := Resolve(m.Base, m.Config, m.Policy, conn); err != nil {
		return "", time.Time{}, err
	}
	expires = now.Add(ttl)
	token, err = Encode(m.Key, m.JWTKey, Claims{Connection: conn, Expiry: expires, IssuedAt: now})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %v", ErrEncode, err)
	}
	return token, expires, nil
}
