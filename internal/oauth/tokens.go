package oauth

import (
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// AccessClaims are the claims of a chmcp access token (an RFC 9068-style
// JWT, typ at+jwt, HS256 with a key derived from the signing key).
type AccessClaims struct {
	jwt.Claims
	ClientID          string `json:"client_id"`
	Scope             string `json:"scope,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     bool   `json:"email_verified"`
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
}

const (
	accessTokenType = "at+jwt"
	maxTokenLen     = 16 << 10
	clockLeeway     = 30 * time.Second
)

// accessTokenAlgs are the only algorithms VerifyAccessToken parses.
var accessTokenAlgs = []jose.SignatureAlgorithm{jose.HS256}

// newAccessSigner is the HS256 signer of access tokens (safe for
// concurrent use: New builds it once).
func newAccessSigner(key []byte) (jose.Signer, error) {
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, (&jose.SignerOptions{}).WithType(accessTokenType))
}

// Token verification failures.
var (
	ErrTokenInvalid = errors.New("oauth: access token is invalid")
	ErrTokenExpired = errors.New("oauth: access token expired")
)

// mintAccessToken signs an access token for user, audience-bound to the
// MCP resource.
func (s *Server) mintAccessToken(user upstreamUser, clientID, scope string) (string, time.Duration, error) {
	now := s.now()
	ttl := s.cfg.AccessTokenTTL.D()
	c := AccessClaims{
		Claims: jwt.Claims{
			Issuer:   s.issuer,
			Subject:  user.Subject,
			Audience: jwt.Audience{s.resource},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(ttl)),
			ID:       randomToken(16),
		},
		ClientID:          clientID,
		Scope:             scope,
		Email:             user.Email,
		EmailVerified:     user.EmailVerified,
		Name:              user.Name,
		PreferredUsername: user.PreferredUsername,
	}
	tok, err := jwt.Signed(s.signer).Claims(c).Serialize()
	return tok, ttl, err
}

// VerifyAccessToken checks a chmcp access token: HS256 only, typ at+jwt,
// signature, issuer, audience (the MCP resource, with or without its
// trailing slash), expiry (30 s leeway). It returns ErrTokenExpired or
// ErrTokenInvalid.
func (s *Server) VerifyAccessToken(token string) (*AccessClaims, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrTokenInvalid
	}
	tok, err := jwt.ParseSigned(token, accessTokenAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return nil, ErrTokenInvalid
	}
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); typ != accessTokenType {
		return nil, ErrTokenInvalid
	}
	var c AccessClaims
	if err := tok.Claims(s.accessKey, &c); err != nil {
		return nil, ErrTokenInvalid
	}
	if c.Expiry == nil || c.Subject == "" {
		return nil, ErrTokenInvalid
	}
	err = c.ValidateWithLeeway(jwt.Expected{
		Issuer:      s.issuer,
		AnyAudience: jwt.Audience{s.resource, s.issuer},
		Time:        s.now(),
	}, clockLeeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, ErrTokenExpired
	case err != nil:
		return nil, ErrTokenInvalid
	}
	return &c, nil
}
