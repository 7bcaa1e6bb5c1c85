package oauth

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// authzRequest is a validated authorization request. It travels sealed:
// authorize -> consent ticket -> upstream state -> authorization code.
type authzRequest struct {
	ClientID    string `json:"c"`
	RedirectURI string `json:"r"`
	State       string `json:"s,omitempty"`
	Challenge   string `json:"p"`
	Scope       string `json:"o,omitempty"`
}

const maxStateLen = 1024

// pkceChallenge is an S256 challenge: base64url of 32 bytes.
var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// handleAuthorize validates an authorization request and shows the consent
// page. Every error here is shown on a page, never redirected: chmcp has no
// pre-registered clients, only ones that registered themselves (RFC 7591)
// or named themselves (client ID metadata documents), so a verified
// redirect URI is still one anybody could have chosen. Redirecting errors
// to it would make chmcp an open redirector (RFC 9700 §4.11.2: redirect
// automatically only to a trusted URI; RFC 6749 §4.1.2.1). Only once the
// person has seen the consent page, which names where the browser goes,
// are results and errors sent back to the client.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	c, err := s.checkClient(r.Context(), q)
	if err != nil {
		s.refusePage(w, r, "authorize", clientID, err)
		return
	}
	req, e := s.checkAuthorize(q)
	if e != nil {
		s.refusePage(w, r, "authorize", clientID, e)
		return
	}
	req.ClientID, req.RedirectURI = clientID, redirectURI
	s.logStep(r, "authorize", clientID, nil, "scope", req.Scope)
	s.showConsent(w, r, c, req)
}

// checkClient validates what must hold before an error can be sent back to
// the client: no repeated parameter, a known client, and a redirect URI
// registered for it.
func (s *Server) checkClient(ctx context.Context, q url.Values) (*client, error) {
	for name, vs := range q {
		if len(vs) > 1 && name != "resource" {
			return nil, newError(errInvalidRequest, "parameter "+quoteShort(name)+" is repeated")
		}
	}
	c, err := s.lookupClient(ctx, q.Get("client_id"))
	if err != nil {
		return nil, err
	}
	if uri := q.Get("redirect_uri"); uri == "" || !c.allowsRedirect(uri) {
		return nil, newError(errInvalidRequest, "redirect_uri is missing or is not registered for this client (exact match required)")
	}
	return c, nil
}

// checkAuthorize validates what can be reported back to the client:
// state, response type, PKCE, resource and scope.
func (s *Server) checkAuthorize(q url.Values) (*authzRequest, *oauthError) {
	state := q.Get("state")
	if len(state) > maxStateLen {
		return nil, newError(errInvalidRequest, "state is too long")
	}
	if rt := q.Get("response_type"); rt != "code" {
		return nil, newError(errUnsupportedResponseType, "response_type must be code")
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "":
		return nil, newError(errInvalidRequest, "PKCE is required: send code_challenge with code_challenge_method=S256")
	case method != "S256":
		return nil, newError(errInvalidRequest, "code_challenge_method must be S256 (plain is not supported)")
	case !pkceChallenge.MatchString(challenge):
		return nil, newError(errInvalidRequest, "code_challenge is not a base64url S256 value")
	}
	if e := s.checkResource(q["resource"]); e != nil {
		return nil, e
	}
	if q.Has("request") || q.Has("request_uri") {
		return nil, newError("request_not_supported", "request objects are not supported")
	}
	return &authzRequest{State: state, Challenge: challenge, Scope: s.grantScope(q.Get("scope"))}, nil
}

// checkResource accepts RFC 8707 resource indicators naming chmcp's MCP
// endpoint, with or without the trailing slash. None at all binds the
// grant to that endpoint too.
func (s *Server) checkResource(resources []string) *oauthError {
	for _, res := range resources {
		if res != s.resource && res != s.issuer {
			return newError(errInvalidTarget, "resource must be "+s.resource)
		}
	}
	return nil
}

// grantScope decides a grant's scope. Scopes chmcp does not know are
// dropped, not refused (RFC 6749 §3.3 lets the server ignore them; some
// clients send their own, such as "claudeai"); when none of the configured
// scopes was requested, all of them are granted, so that a client that asks
// for nothing in particular is not then refused by the resource.
func (s *Server) grantScope(requested string) string {
	supported := s.supportedScopes()
	var granted []string
	configured := false
	for _, sc := range strings.Fields(requested) {
		if slices.Contains(supported, sc) && !slices.Contains(granted, sc) {
			granted = append(granted, sc)
			configured = configured || slices.Contains(s.scopes, sc)
		}
	}
	if !configured {
		granted = append(slices.Clone(s.scopes), granted...)
	}
	return strings.Join(granted, " ")
}

func asOAuthError(err error) *oauthError {
	if oe, ok := err.(*oauthError); ok {
		return oe
	}
	return newError(errServerError, "internal error")
}
