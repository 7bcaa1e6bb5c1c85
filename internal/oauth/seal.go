package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Key purposes. Every key is derived from the signing key with HKDF and its
// own label, so a value sealed for one purpose (a client id, say) never
// opens as another (an authorization code), and the HMAC key of access
// tokens is unrelated to every sealing key.
const (
	purposeAccessToken = "access-token"
	purposeClient      = "client-id"
	purposeConsent     = "consent"
	purposeState       = "upstream-state"
	purposeCode        = "authorization-code"
	purposeRefresh     = "refresh-token"
)

// hkdfSalt versions the derivation: changing it invalidates everything.
const hkdfSalt = "chmcp oauth v1"

// maxSealed bounds what open even looks at.
const maxSealed = 16 << 10

var errSealed = errors.New("oauth: sealed value is invalid")

var b64 = base64.RawURLEncoding.Strict()

// deriveKey returns the 256-bit key for purpose.
func deriveKey(secret []byte, purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, []byte(hkdfSalt), "chmcp/"+purpose, 32)
}

// sealer encrypts and authenticates small JSON values with AES-256-GCM
// under a purpose-specific key: base64url(nonce || ciphertext || tag). The
// purpose is also the additional authenticated data.
type sealer struct {
	aead    cipher.AEAD
	purpose string
}

func newSealer(secret []byte, purpose string) (*sealer, error) {
	key, err := deriveKey(secret, purpose)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, purpose: purpose}, nil
}

// seal returns v, encrypted; random nonces, so equal values seal differently.
func (s *sealer) seal(v any) (string, error) {
	pt, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("oauth: seal %s: %w", s.purpose, err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(pt)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return b64.EncodeToString(s.aead.Seal(nonce, nonce, pt, []byte(s.purpose))), nil
}

// open authenticates, decrypts and decodes a sealed value into v. Any
// change to any byte fails with errSealed.
func (s *sealer) open(sealed string, v any) error {
	if len(sealed) > maxSealed {
		return errSealed
	}
	raw, err := b64.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return errSealed
	}
	n := s.aead.NonceSize()
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(s.purpose))
	if err != nil {
		return errSealed
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return errSealed
	}
	return nil
}

// expired reports whether a sealed value's unix expiry has passed. A zero
// expiry counts as expired: every expiring value must carry one.
func expired(exp int64, now time.Time) bool {
	return exp == 0 || now.Unix() >= exp
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b64.EncodeToString(b)
}

// shortHash is a log-safe, stable, non-reversible name for a secret-ish value.
func shortHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return fmt.Sprintf("%x", h[:6])
}
