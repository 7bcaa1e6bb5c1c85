package jwe

import (
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// FuzzClaims fuzzes what FuzzDecode cannot reach without the key: the
// decrypted claim set. Every payload is encrypted properly, then decoded
// and resolved as the server would (cluster secret, default policy). No
// input panics; errors are typed and never echo the password; what
// decodes is valid; what resolves acts as a plain, unprotected user in an
// allowed domain.
func FuzzClaims(f *testing.F) {
	for _, p := range []string{
		`{"exp":1800003600,"username":"alice"}`,
		`{"exp":1800003600,"username":"admin"}`,
		`{"exp":1800003600,"username":"default","database":"system"}`,
		`{"exp":1800003600,"username":"\u212Aelly"}`,
		`{"exp":1800003600,"username":"ADM\u0130N"}`,
		`{"exp":1800003600,"username":"eve@attacker.example"}`,
		`{"exp":1800003600,"username":"ann@corp.com","host":"ch.internal","port":9000,"protocol":"tcp"}`,
		`{"exp":1800003600,"username":"alice","password":"pw-secret-1"}`,
		`{"exp":1800003600,"username":"alice","tls":true,"tls_insecure_skip_verify":false}`,
		`{"exp":1800003600,"iat":1800000000,"nbf":1799999999,"username":"alice"}`,
		`{"exp":1e300}`, `{"exp":"1800003600"}`, `{"exp":1800003600,"port":1.5}`, `{"exp":1800003600,"x":1}`,
		`{"exp":1800003600,"username":"al\u0000ice"}`, `{"exp":1800003600,"username":"a","username":"admin"}`,
		`{}`, `null`, `[]`, ``, `{"exp":1800003600,"host":"a@b"}`,
	} {
		f.Add(p)
	}
	k := kekOf(f, secret)
	base := baseConfig()
	base.ClusterName, base.ClusterSecret = "cl", "interserver"
	base.Impersonation.AllowedDomains = []string{"corp.com"}
	policy, err := identity.NewPolicy(base.Impersonation, base.Username)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		token := rawToken(t, k, jose.A256KW, jose.A256GCM, payload, nil)
		c, err := Decode(secret, nil, token, now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
				t.Fatalf("untyped error: %v", err)
			}
			if strings.Contains(err.Error(), "pw-secret-1") {
				t.Fatalf("the error echoes the password: %v", err)
			}
			return
		}
		if c.Expiry.IsZero() || c.Connection.Validate() != nil {
			t.Fatalf("accepted claims that break the invariants: %+v", c)
		}
		target, err := Resolve(base, config.JWEConfig{}, policy, c.Connection)
		if err != nil {
			if !errors.Is(err, ErrNotAllowed) {
				t.Fatalf("untyped refusal: %v", err)
			}
			return
		}
		u := target.User
		if u != c.Username || !identity.PlainUserName(u) || policy.Allow(u) != nil {
			t.Fatalf("resolved %+v to user %+q", c.Connection, u)
		}
		if u == "admin" || u == "default" || u == base.Username {
			t.Fatalf("a token acts as the protected user %q", u)
		}
		if _, domain, ok := strings.Cut(u, "@"); ok && !identity.DomainIn(domain, []string{"corp.com"}) {
			t.Fatalf("a token acts as %q outside corp.com", u)
		}
	})
}
