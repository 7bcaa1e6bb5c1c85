package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/chmcp/chmcp/internal/identity"
)

// Middleware protects an endpoint by itself: it requires a chmcp access
// token (Authorization: Bearer) and puts the caller's identity in the
// request context (see Authenticate). The Authorization header is removed
// before next runs, so the token can never be passed on. The MCP endpoint
// is protected by the auth boundary (internal/auth), which calls
// Authenticate.
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, present, ok := s.Authenticate(w, r)
		switch {
		case !present:
			s.Challenge(w)
			return
		case !ok:
			return
		}
		r2 := r.WithContext(identity.With(r.Context(), id))
		r2.Header = r.Header.Clone()
		r2.Header.Del("Authorization")
		next.ServeHTTP(w, r2)
	})
}

// Authenticate checks the request's chmcp access token (Authorization:
// Bearer): its signature, audience and expiry, its scopes, and maps its
// claims to a ClickHouse identity with the identity policy. present is
// false when the request carries no bearer token at all (nothing is
// written: the caller answers, with Challenge when no other credential
// applies); otherwise ok false means the refusal (401 or 403) was written.
func (s *Server) Authenticate(w http.ResponseWriter, r *http.Request) (id identity.Identity, present, ok bool) {
	token, present := bearerToken(r)
	if !present {
		return identity.Identity{}, false, false
	}
	claims, err := s.VerifyAccessToken(token)
	if err != nil {
		e := newError(errInvalidToken, "the access token is invalid")
		if errors.Is(err, ErrTokenExpired) {
			e.Description = "the access token expired"
		}
		s.logStep(r, "resource", "", e)
		s.challenge(w, http.StatusUnauthorized, e.Code, e.Description)
		return identity.Identity{}, true, false
	}
	granted := strings.Fields(claims.Scope)
	for _, sc := range s.scopes {
		if !slices.Contains(granted, sc) {
			e := newError(errInsufficientScope, "the access token lacks a required scope")
			s.logStep(r, "resource", claims.ClientID, e)
			s.challenge(w, http.StatusForbidden, e.Code, e.Description)
			return identity.Identity{}, true, false
		}
	}
	id, err = s.policy.Map(upstreamUser{Subject: claims.Subject, Email: claims.Email, EmailVerified: claims.EmailVerified,
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
		return identity.Identity{}, true, false
	}
	return id, true, true
}

// Challenge answers a request without credentials: 401 with the
// WWW-Authenticate header that points MCP clients at the protected
// resource metadata, where their login starts.
func (s *Server) Challenge(w http.ResponseWriter) {
	s.challenge(w, http.StatusUnauthorized, "", "an OAuth access token is required")
}

// Issuer is the authorization server's issuer URL, without a trailing
// slash; its endpoints (PathAuthorize, PathToken, ...) are relative to it.
func (s *Server) Issuer() string { return s.issuer }

// Scopes are the scopes an access token must carry.
func (s *Server) Scopes() []string { return slices.Clone(s.scopes) }

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
