// Package jwe reads and writes JWE connection tokens: an encrypted (A256KW +
// A256GCM) set of claims that names the ClickHouse connection a request runs
// on (docs/jwe.md). The key-wrapping key is SHA-256 of server.jwe.secret_key.
// With server.jwe.jwt_secret_key the payload is a compact HS256 JWT instead
// of bare JSON claims, and a token without one is refused.
//
// Decoding is strict: pinned algorithms, a whitelist of header parameters
// and claims, a required expiry, a bounded size. Which connections a token
// may name is decided by Resolve, against the server's configuration.
package jwe

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/chmcp/chmcp/internal/config"
)

// MaxTokenSize bounds an encoded token; anything longer is refused unread.
const MaxTokenSize = 8 << 10

// Leeway tolerates clock skew between the minting host and this one when
// checking exp, nbf and iat.
const Leeway = 30 * time.Second

// Errors that Decode's errors wrap (errors.Is): ErrExpired for a token past
// its exp, ErrInvalid for everything else.
var (
	ErrInvalid = errors.New("invalid token")
	ErrExpired = errors.New("token expired")
)

// Error is a refusal whose message is safe to show the caller: it never
// contains the token, the key or a password.
type Error struct {
	kind   error // ErrInvalid, ErrExpired or ErrNotAllowed
	reason string
}

func (e *Error) Error() string {
	if e.reason == "" {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.reason
}

// Unwrap makes errors.Is(err, ErrInvalid / ErrExpired / ErrNotAllowed) work.
func (e *Error) Unwrap() error { return e.kind }

func invalid(format string, args ...any) error {
	return &Error{kind: ErrInvalid, reason: fmt.Sprintf(format, args...)}
}

// Connection is what a token says about the ClickHouse connection. Empty
// fields (nil for the booleans) keep the server's own value; see Resolve for
// what a token may change.
type Connection struct {
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	Database string `json:"database,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Protocol string `json:"protocol,omitempty"` // tcp | http
	TLS      *bool  `json:"tls,omitempty"`
	// TLSInsecureSkipVerify may only be true when the server's own
	// clickhouse.tls.insecure_skip_verify is.
	TLSInsecureSkipVerify *bool `json:"tls_insecure_skip_verify,omitempty"`
}

// Format keeps the password out of every fmt rendering (%v, %+v, %#v, %s).
func (c Connection) Format(f fmt.State, verb rune) {
	type plain Connection // no methods: no recursion
	p := plain(c)
	if p.Password != "" {
		p.Password = "[REDACTED]"
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), p)
}

// Claims are a token's contents: the connection and its validity window.
// Expiry is required.
type Claims struct {
	Connection
	Expiry    time.Time
	IssuedAt  time.Time // optional
	NotBefore time.Time // optional
}

// Format keeps the password out of every fmt rendering.
func (c Claims) Format(f fmt.State, verb rune) {
	type plain struct {
		Connection                  Connection
		Expiry, IssuedAt, NotBefore time.Time
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain{c.Connection, c.Expiry, c.IssuedAt, c.NotBefore})
}

// wireClaims is the JSON form: the connection fields plus NumericDates.
type wireClaims struct {
	Connection
	Exp *numericDate `json:"exp,omitempty"`
	Iat *numericDate `json:"iat,omitempty"`
	Nbf *numericDate `json:"nbf,omitempty"`
}

// knownHeaders are the JOSE header parameters a token may carry. "zip"
// (compression) and "crit" are not among them.
var knownHeaders = []string{"alg", "enc", "cty", "typ", "kid"}

// numericDate is RFC 7519's NumericDate: seconds since the epoch, possibly
// fractional (truncated here).
type numericDate int64

// maxNumericDate (year 5138) keeps conversions to time.Time far from overflow.
const maxNumericDate = 1e11

func (d numericDate) MarshalJSON() ([]byte, error) { return json.Marshal(int64(d)) }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var n json.Number
	if bytes.HasPrefix(b, []byte(`"`)) || json.Unmarshal(b, &n) != nil { // json.Number would take "123"
		return errors.New("not a number")
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return errors.New("not a valid NumericDate")
	}
	*d = numericDate(f)
	return nil
}

func dateOf(t time.Time) *numericDate {
	if t.IsZero() {
		return nil
	}
	d := numericDate(t.Unix())
	return &d
}

func (d *numericDate) time() time.Time {
	if d == nil {
		return time.Time{}
	}
	return time.Unix(int64(*d), 0)
}

// kek derives the A256KW key-wrapping key from server.jwe.secret_key.
func kek(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errors.New("jwe: empty secret key")
	}
	sum := sha256.Sum256(secret)
	return sum[:], nil
}

// Encode encrypts c into a compact JWE with the key derived from secret
// (server.jwe.secret_key). When jwtKey (server.jwe.jwt_secret_key) is
// non-empty, the payload is an HS256 JWT signed with it. c must be valid
// (Expiry set); Encode does not apply the server's rules: see Resolve.
func Encode(secret, jwtKey []byte, c Claims) (string, error) {
	if c.Expiry.IsZero() {
		return "", errors.New("jwe: the expiry (exp) is required")
	}
	wc := wireClaims{Connection: c.Connection, Exp: dateOf(c.Expiry), Iat: dateOf(c.IssuedAt), Nbf: dateOf(c.NotBefore)}
	if err := wc.Connection.Validate(); err != nil {
		return "", fmt.Errorf("jwe: %w", err)
	}
	key, err := kek(secret)
	if err != nil {
		return "", err
	}
	opts := &jose.EncrypterOptions{}
	if len(jwtKey) > 0 {
		opts = opts.WithContentType("JWT") // RFC 7519 §5.2: a nested JWT says so
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.A256KW, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("jwe: %w", err)
	}
	var token string
	if len(jwtKey) == 0 {
		token, err = jwt.Encrypted(enc).Claims(wc).Serialize()
	} else {
		var signer jose.Signer
		if signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jwtKey}, (&jose.SignerOptions{}).WithType("JWT")); err == nil {
			token, err = jwt.SignedAndEncrypted(signer, enc).Claims(wc).Serialize()
		}
	}
	if err != nil {
		return "", fmt.Errorf("jwe: %w", err)
	}
	if len(token) > MaxTokenSize {
		return "", fmt.Errorf("jwe: token of %d bytes exceeds the %d-byte limit", len(token), MaxTokenSize)
	}
	return token, nil
}

// Decode decrypts and checks token at time now. Errors wrap ErrExpired or
// ErrInvalid and are safe to show the caller.
func Decode(secret, jwtKey []byte, token string, now time.Time) (Claims, error) {
	if len(token) > MaxTokenSize {
		return Claims{}, invalid("token larger than %d bytes", MaxTokenSize)
	}
	if !LooksLikeJWE(token) {
		return Claims{}, invalid("not a compact JWE (five base64url parts)")
	}
	if err := checkHeader(token[:strings.IndexByte(token, '.')]); err != nil {
		return Claims{}, err
	}
	obj, err := jose.ParseEncryptedCompact(token, []jose.KeyAlgorithm{jose.A256KW}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return Claims{}, invalid("malformed JWE")
	}
	key, err := kek(secret)
	if err != nil {
		return Claims{}, err
	}
	payload, err := obj.Decrypt(key)
	if err != nil {
		return Claims{}, invalid("cannot decrypt (wrong key or altered token)")
	}
	isJSON := bytes.HasPrefix(bytes.TrimLeftFunc(payload, unicode.IsSpace), []byte("{"))
	switch {
	case len(jwtKey) > 0 && isJSON:
		return Claims{}, invalid("a signed JWT is required inside the JWE (server.jwe.jwt_secret_key is set)")
	case len(jwtKey) > 0:
		jws, err := jose.ParseSignedCompact(string(payload), []jose.SignatureAlgorithm{jose.HS256})
		if err != nil {
			return Claims{}, invalid("the payload is not an HS256 JWT")
		}
		if payload, err = jws.Verify(jwtKey); err != nil {
			return Claims{}, invalid("bad JWT signature")
		}
	case !isJSON:
		return Claims{}, invalid("the payload is not a JSON claim set (a nested JWT needs server.jwe.jwt_secret_key)")
	}
	c, err := parseClaims(payload)
	if err != nil {
		return Claims{}, err
	}
	return c, checkTimes(c, now)
}

// checkHeader decodes the protected header and enforces the algorithms and
// the parameter whitelist before any cryptography runs.
func checkHeader(seg string) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return invalid("malformed JWE header")
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return invalid("malformed JWE header")
	}
	for name := range h {
		if !slices.Contains(knownHeaders, name) {
			return invalid("unsupported JWE header parameter %q", clip(name))
		}
	}
	var alg, enc string
	_ = json.Unmarshal(h["alg"], &alg)
	_ = json.Unmarshal(h["enc"], &enc)
	if alg != string(jose.A256KW) || enc != string(jose.A256GCM) {
		return invalid("only alg A256KW with enc A256GCM is accepted")
	}
	return nil
}

func parseClaims(payload []byte) (Claims, error) {
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return Claims{}, invalid("the claims are not a JSON object")
	}
	var wc wireClaims
	fields := map[string]any{ // the whitelist: any other claim is refused
		"host": &wc.Host, "port": &wc.Port, "database": &wc.Database, "username": &wc.Username,
		"password": &wc.Password, "protocol": &wc.Protocol, "tls": &wc.TLS,
		"tls_insecure_skip_verify": &wc.TLSInsecureSkipVerify, "exp": &wc.Exp, "iat": &wc.Iat, "nbf": &wc.Nbf,
	}
	for name, raw := range claims {
		field, ok := fields[name]
		if !ok {
			return Claims{}, invalid("unknown claim %q", clip(name))
		}
		if err := json.Unmarshal(raw, field); err != nil {
			return Claims{}, invalid("claim %q has the wrong type", name) // the value is not echoed
		}
	}
	if wc.Exp == nil {
		return Claims{}, invalid("the exp claim is required")
	}
	if err := wc.Connection.Validate(); err != nil {
		return Claims{}, invalid("%s", err.Error())
	}
	return Claims{Connection: wc.Connection, Expiry: wc.Exp.time(), IssuedAt: wc.Iat.time(), NotBefore: wc.Nbf.time()}, nil
}

// Validate checks the claims' syntax: lengths, no control characters, a
// bare host, a port in range, a known protocol. Whether the server allows
// them is Resolve's decision.
func (c Connection) Validate() error {
	for _, f := range []struct {
		name, value string
		max         int
	}{{"host", c.Host, 253}, {"database", c.Database, 256}, {"username", c.Username, 256}, {"password", c.Password, 1024}} {
		if len(f.value) > f.max || strings.ContainsFunc(f.value, unicode.IsControl) || !utf8.ValidString(f.value) {
			return fmt.Errorf("claim %q is not valid (at most %d bytes of text)", f.name, f.max)
		}
	}
	if strings.ContainsAny(c.Host, "/@ []?#") || strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil {
		return errors.New(`claim "host" must be a bare host name or IP address`)
	}
	if c.Port < 0 || c.Port > 65535 {
		return errors.New(`claim "port" must be 0..65535`)
	}
	if c.Protocol != "" && c.Protocol != config.ProtocolTCP && c.Protocol != config.ProtocolHTTP {
		return errors.New(`claim "protocol" must be tcp or http`)
	}
	return nil
}

func checkTimes(c Claims, now time.Time) error {
	if now.After(c.Expiry.Add(Leeway)) {
		return &Error{kind: ErrExpired}
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(Leeway)) {
		return invalid("not valid yet (nbf)")
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(Leeway)) {
		return invalid("issued in the future (iat)")
	}
	return nil
}

// LooksLikeJWE reports whether s has the shape of a compact JWE: five
// non-empty base64url parts. A JWT or JWS (an OAuth access token) has three,
// which is how the two kinds of bearer token are told apart.
func LooksLikeJWE(s string) bool {
	if len(s) > MaxTokenSize || strings.Count(s, ".") != 4 {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if part == "" || strings.ContainsFunc(part, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			return false
		}
	}
	return true
}

// clip shortens a caller-influenced name before it goes into a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
