package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/chmcp/chmcp/internal/identity"
)

// Middleware protects the MCP endpoint: it requires a chmcp access token
// (Authorization: Bearer), checks its scopes, maps its claims to a
// ClickHouse identity with the identity policy and puts that identity in
// the request context. The Authorization header is removed before next
// runs, so the token can never be passed on.
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, present := bearerToken(r)
		if !present {
			s.challenge(w, http.StatusUnauthorized, "", "an OAuth access token is required")
			return
		}
		claims, err := s.VerifyAccessToken(token)
		if err != nil {
			e := newError(errInvalidToken, "the access token is invalid")
			if errors.Is(err, ErrTokenExpired) {
				e.Description = "the access token expired"
			}
			s.logStep(r, "resource", "", e)
			s.challenge(w, http.StatusUnauthorized, e.Code, e.Description)
			return
		}
		granted := strings.Fields(claims.Scope)
		for _, sc := range s.scopes {
			if !slices.Contains(granted, sc) {
				e := newError(errInsufficientScope, "the access token lacks a required scope")
				s.logStep(r, "resource", claims.ClientID, e)
				s.challenge(w, http.StatusForbidden, e.Code, e.Description)
				return
			}
		}
		id, err := s.policy.Map(upstreamUser{Subject: claims.Subject, Email: claims.Email, EmailVerified: claims.EmailVerified,
			Name: claims.Name, PreferredUsername: claims.PreferredUsername}.claims())
		if err != nil {
			e := newError(errServerError, "internal error")
			var pe *identity.PolicyError
			if errors.As(err, &pe) {
				// 403 without insufficient_scope: re-authorizing would not
				// help, so clients must not loop.
				e = &oauthError{Code: errAccessDenied, Description: pe.Error(), status: http.StatusForbidden}
				err = e
			}
			s.logStep(r, "resource", claims.ClientID, err)
			writeError(w, e)
			return
		}
		r2 := r.WithContext(identity.With(r.Context(), id))
		r2.Header = r.Header.Clone()
		r2.Header.Del("Authorization")
		next.ServeHTTP(w, r2)
	})
}

// bearerToken extracts an RFC 6750 header token. present is false when no
// Bearer credentials were sent at all (another scheme counts as none).
func bearerToken(r *http.Request) (token string, present bool) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return "", len(h) > 1
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(h[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// challenge answers 401/403 with an RFC 6750 / RFC 9728 WWW-Authenticate
// header naming the MCP endpoint's metadata. Without credentials there is
// no error attribute (RFC 6750 §3.1).
func (s *Server) challenge(w http.ResponseWriter, status int, code, desc string) {
	parts := []string{`resource_metadata="` + s.issuer + PathProtectedResource + `"`}
	if len(s.scopes) > 0 {
		parts = append(parts, `scope="`+strings.Join(s.scopes, " ")+`"`)
	}
	body := map[string]string{"error": "unauthorized", "error_description": desc}
	if code != "" {
		parts = append(parts, `error="`+code+`"`, `error_description="`+desc+`"`)
		body["error"] = code
	}
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(parts, ", "))
	noStore(w)
	writeJSON(w, status, body)
}
