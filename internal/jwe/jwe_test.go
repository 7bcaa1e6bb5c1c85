package jwe

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef-jwe-secret")
	jwtKey = []byte("fedcba9876543210fedcba9876543210-jwt-secret")
	now    = time.Unix(1_800_000_000, 0)
)

func ptr[T any](v T) *T { return &v }

func sample() Claims {
	return Claims{
		Connection: Connection{Host: "ch1.internal", Port: 9440, Database: "sales", Username: "ann", Password: "s3cret",
			Protocol: "tcp", TLS: ptr(true), TLSInsecureSkipVerify: ptr(false)},
		Expiry:   now.Add(time.Hour),
		IssuedAt: now,
	}
}

// rawToken encrypts an arbitrary payload with arbitrary algorithms, for the
// tokens Encode refuses to make.
func rawToken(t testing.TB, key []byte, alg jose.KeyAlgorithm, enc jose.ContentEncryption, payload string, opts *jose.EncrypterOptions) string {
	t.Helper()
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kekOf(t testing.TB, s []byte) []byte {
	t.Helper()
	k, err := kek(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	for _, jk := range [][]byte{nil, jwtKey} {
		t.Run(fmt.Sprintf("jwt=%v", jk != nil), func(t *testing.T) {
			tok, err := Encode(secret, jk, sample())
			if err != nil {
				t.Fatal(err)
			}
			if !LooksLikeJWE(tok) {
				t.Fatalf("Encode made something that does not look like a JWE: %s", tok)
			}
			got, err := Decode(secret, jk, tok, now)
			if err != nil {
				t.Fatal(err)
			}
			want := sample()
			if got.Host != want.Host || got.Port != want.Port || got.Database != want.Database || got.Username != want.Username ||
				got.Password != want.Password || got.Protocol != want.Protocol || *got.TLS != true || *got.TLSInsecureSkipVerify != false ||
				!got.Expiry.Equal(want.Expiry) || !got.IssuedAt.Equal(want.IssuedAt) || !got.NotBefore.IsZero() {
				t.Fatalf("round trip: got %+v, want %+v", got, want)
			}
		})
	}
}

func TestMinimalClaims(t *testing.T) {
	tok, err := Encode(secret, nil, Claims{Expiry: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(secret, nil, tok, now)
	if err != nil || got.Host != "" || got.TLS != nil || got.TLSInsecureSkipVerify != nil {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := Encode(secret, nil, Claims{}); err == nil {
		t.Fatal("Encode without an expiry succeeded")
	}
}

func TestTimes(t *testing.T) {
	c := sample()
	tok := mustEncode(t, secret, nil, c)
	if _, err := Decode(secret, nil, tok, c.Expiry.Add(Leeway)); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	_, err := Decode(secret, nil, tok, c.Expiry.Add(Leeway+time.Second))
	if !errors.Is(err, ErrExpired) || errors.Is(err, ErrInvalid) || err.Error() != "token expired" {
		t.Fatalf("expired: %v", err)
	}
	c.NotBefore = now.Add(10 * time.Minute)
	tok = mustEncode(t, secret, nil, c)
	if _, err := Decode(secret, nil, tok, now); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nbf") {
		t.Fatalf("nbf in the future: %v", err)
	}
	c.NotBefore, c.IssuedAt = time.Time{}, now.Add(10*time.Minute)
	tok = mustEncode(t, secret, nil, c)
	if _, err := Decode(secret, nil, tok, now); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "iat") {
		t.Fatalf("iat in the future: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	k := kekOf(t, secret)
	exp := fmt.Sprint(now.Add(time.Hour).Unix())
	good := mustEncode(t, secret, nil, sample())
	parts := strings.Split(good, ".")
	flip := func(s string) string { // change one character of the ciphertext
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	signed := func(key []byte, payload string) string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, nil)
		jws, _ := s.Sign([]byte(payload))
		c, _ := jws.CompactSerialize()
		return c
	}
	cases := []struct {
		name   string
		token  string
		jwtKey []byte
		want   string
	}{
		{"empty", "", nil, "not a compact JWE"},
		{"a JWT is not a JWE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", nil, "not a compact JWE"},
		{"too large", strings.Repeat("a", MaxTokenSize+1), nil, "larger than"},
		{"foreign key", mustEncode(t, []byte("another-secret-of-at-least-32-bytes!!"), nil, sample()), nil, "cannot decrypt"},
		{"tampered ciphertext", strings.Join([]string{parts[0], parts[1], parts[2], flip(parts[3]), parts[4]}, "."), nil, "cannot decrypt"},
		{"tampered tag", strings.Join([]string{parts[0], parts[1], parts[2], parts[3], flip(parts[4])}, "."), nil, "cannot decrypt"},
		{"tampered header", strings.Join([]string{base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"A256KW","enc":"A256GCM","kid":"x"}`)), parts[1], parts[2], parts[3], parts[4]}, "."), nil, "cannot decrypt"},
		{"other key algorithm", rawToken(t, k[:16], jose.A128KW, jose.A256GCM, `{"exp":`+exp+`}`, nil), nil, "only alg A256KW"},
		{"other content encryption", rawToken(t, k, jose.A256KW, jose.A128GCM, `{"exp":`+exp+`}`, nil), nil, "only alg A256KW"},
		{"direct encryption", rawToken(t, k, jose.DIRECT, jose.A256GCM, `{"exp":`+exp+`}`, nil), nil, "not a compact JWE"},
		{"compressed", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`}`, &jose.EncrypterOptions{Compression: jose.DEFLATE}), nil, `header parameter "zip"`},
		{"unknown claim", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"read_only":false}`, nil), nil, `unknown claim "read_only"`},
		{"missing exp", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"host":"x"}`, nil), nil, "exp claim is required"},
		{"null exp", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":null}`, nil), nil, "exp claim is required"},
		{"string exp", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":"tomorrow"}`, nil), nil, `claim "exp" has the wrong type`},
		{"numeric string exp", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":"`+exp+`"}`, nil), nil, `claim "exp" has the wrong type`},
		{"negative exp", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":-1}`, nil), nil, `claim "exp" has the wrong type`},
		{"port as string", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"port":"9000"}`, nil), nil, `claim "port" has the wrong type`},
		{"port out of range", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"port":70000}`, nil), nil, `"port" must be 0..65535`},
		{"protocol", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"protocol":"grpc"}`, nil), nil, `"protocol" must be tcp or http`},
		{"host with port", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"host":"a.b:9000"}`, nil), nil, `bare host name`},
		{"host with scheme", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"host":"http://a.b"}`, nil), nil, `bare host name`},
		{"control characters", rawToken(t, k, jose.A256KW, jose.A256GCM, `{"exp":`+exp+`,"username":"a\nb"}`, nil), nil, `claim "username" is not valid`},
		{"not an object", rawToken(t, k, jose.A256KW, jose.A256GCM, `[1]`, nil), nil, "a nested JWT needs"},
		{"JWT required", good, jwtKey, "a signed JWT is required"},
		{"JWT without a key to check it", mustEncode(t, secret, jwtKey, sample()), nil, "a nested JWT needs"},
		{"JWT signed with another key", rawToken(t, k, jose.A256KW, jose.A256GCM, signed([]byte("wrong-jwt-key-wrong-jwt-key-wrong!!"), `{"exp":`+exp+`}`), nil), jwtKey, "bad JWT signature"},
		{"JWT with an unknown claim", rawToken(t, k, jose.A256KW, jose.A256GCM, signed(jwtKey, `{"exp":`+exp+`,"sub":"x"}`), nil), jwtKey, `unknown claim "sub"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(secret, tc.jwtKey, tc.token, now)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an invalid-token error containing %q, got %v", tc.want, err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("the error leaks a secret: %v", err)
			}
		})
	}
}

func mustEncode(t testing.TB, s, jk []byte, c Claims) string {
	t.Helper()
	tok, err := Encode(s, jk, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestFractionalNumericDate(t *testing.T) {
	tok := rawToken(t, kekOf(t, secret), jose.A256KW, jose.A256GCM, fmt.Sprintf(`{"exp":%d.75}`, now.Unix()+60), nil)
	c, err := Decode(secret, nil, tok, now)
	if err != nil || c.Expiry.Unix() != now.Unix()+60 {
		t.Fatalf("got %v, %v", c.Expiry, err)
	}
}

func TestLooksLikeJWE(t *testing.T) {
	tok := mustEncode(t, secret, nil, sample())
	for s, want := range map[string]bool{
		tok:           true,
		"a.b.c.d.e":   true,
		"a.b.c":       false, // a JWT / JWS: an OAuth access token
		"a.b..d.e":    false,
		"a.b.c.d.e.f": false,
		"a.b.c.d.e=":  false, // padding is not base64url in JOSE
		"a.b.c.d.e/":  false,
		"sse":         false,
		"openapi":     false,
		"":            false,
		strings.Repeat("a.", 4) + strings.Repeat("a", MaxTokenSize): false,
	} {
		if got := LooksLikeJWE(s); got != want {
			t.Errorf("LooksLikeJWE(%.40q) = %v, want %v", s, got, want)
		}
	}
}

func TestFormatRedactsPassword(t *testing.T) {
	c := sample()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, c.Connection, &c} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "s3cret") {
				t.Errorf("%s of %T shows the password: %s", verb, v, out)
			}
		}
	}
	if out := fmt.Sprintf("%+v", c); !strings.Contains(out, "ch1.internal") || !strings.Contains(out, "REDACTED") {
		t.Errorf("%%+v lost the other fields: %s", out)
	}
}

// FuzzDecode: no input panics, and whatever decodes satisfies the
// invariants (an expiry, valid connection claims).
func FuzzDecode(f *testing.F) {
	k := kekOf(f, secret)
	f.Add(mustEncode(f, secret, nil, sample()), false)
	f.Add(mustEncode(f, secret, jwtKey, sample()), true)
	f.Add("a.b.c.d.e", false)
	f.Add("eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d", false)
	for _, payload := range []string{`{"exp":1e300}`, `{"exp":1,"port":1.5}`, `{"exp":2000000000,"tls":"yes"}`, `{"exp":2000000000,"host":"\u0000"}`, `{}`, `null`, `"x"`} {
		f.Add(rawToken(f, k, jose.A256KW, jose.A256GCM, payload, nil), false)
	}
	f.Fuzz(func(t *testing.T, token string, nestedJWT bool) {
		var jk []byte
		if nestedJWT {
			jk = jwtKey
		}
		c, err := Decode(secret, jk, token, now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if c.Expiry.IsZero() || c.Connection.Validate() != nil || !LooksLikeJWE(token) {
			t.Fatalf("accepted a token that breaks the invariants: %+v", c)
		}
	})
}
