package auth

import (
	"net/http"

	"github.com/chmcp/chmcp/internal/oauth"
)

// OAuth authenticates the access tokens of chmcp's authorization server s
// (Authorization: Bearer); its claims are mapped to an identity with the
// policy s was built with. It takes any bearer token, so it goes after
// authenticators that recognise theirs by shape (JWE).
func OAuth(s *oauth.Server) Authenticator { return oauthAuth{s} }

type oauthAuth struct{ s *oauth.Server }

func (a oauthAuth) Authenticate(w http.ResponseWriter, r *http.Request) (Caller, func(), Verdict) {
	id, present, ok := a.s.Authenticate(w, r)
	switch {
	case !present:
		return Caller{}, nil, Absent
	case !ok:
		return Caller{}, nil, Refused
	}
	return Caller{Identity: id}, nil, Accepted
}

// Challenge points the client at the protected resource metadata, where
// its login starts.
func (a oauthAuth) Challenge(w http.ResponseWriter, _ *http.Request) { a.s.Challenge(w) }

func (a oauthAuth) Headers() []string { return []string{"Authorization"} }

// Routes: the metadata under /.well-known/, the flow under /oauth/.
func (a oauthAuth) Routes(mux *http.ServeMux) []string {
	a.s.Register(mux)
	return []string{"/.well-known/", "/oauth/"}
}

func (a oauthAuth) Rewrite(next http.Handler) http.Handler { return next }

func (a oauthAuth) Security() Security { return OAuth2(a.s.Issuer(), a.s.Scopes()) }
