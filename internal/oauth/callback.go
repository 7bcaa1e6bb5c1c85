package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/chmcp/chmcp/internal/identity"
)

// codeGrant is the sealed authorization code.
type codeGrant struct {
	ID   string       `json:"i"`
	Req  authzRequest `json:"q"`
	User upstreamUser `json:"u"`
	Exp  int64        `json:"e"`
}

// errorCode matches an RFC 6749 error code, so an upstream one can be named
// in a description without reflecting arbitrary text.
var errorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// handleCallback is where the upstream IdP sends the browser back. The
// state is chmcp's sealed upstreamState; nothing else is trusted.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var st upstreamState
	if err := s.state.open(q.Get("state"), &st); err != nil || expired(st.Exp, s.now()) {
		s.refusePage(w, r, "callback", "", newError(errInvalidRequest, "the login took too long or its state is invalid; start the connection again from the application"))
		return
	}
	req := st.Req
	fail := func(e *oauthError, cause error) {
		if cause == nil {
			cause = e
		}
		s.logStep(r, "callback", req.ClientID, cause)
		s.redirectError(w, r, req.RedirectURI, req.State, e)
	}
	if upErr := q.Get("error"); upErr != "" {
		code := errAccessDenied
		if upErr == errServerError || upErr == "temporarily_unavailable" {
			code = errServerError
		}
		if !errorCode.MatchString(upErr) {
			upErr = "unknown"
		}
		fail(newError(code, "the identity provider refused the login ("+upErr+")"), nil)
		return
	}
	upCode := q.Get("code")
	if upCode == "" || len(upCode) > 4096 {
		fail(newError(errServerError, "the identity provider returned no code"), nil)
		return
	}
	user, err := s.upstream.Exchange(r.Context(), upCode, st.Verifier, st.Nonce)
	if err != nil {
		fail(newError(errServerError, "the login with the identity provider could not be completed"), err)
		return
	}
	if e := s.checkLogin(user); e != nil {
		fail(e, nil)
		return
	}
	if _, err := s.policy.Map(user.claims()); err != nil {
		// Refused now, at login, rather than with every request later.
		fail(policyRefusal(err), err)
		return
	}
	grant := codeGrant{ID: randomToken(16), Req: req, User: *user, Exp: s.now().Add(s.cfg.AuthCodeTTL.D()).Unix()}
	grant.Req.State = "" // returned to the client now; not needed at the token endpoint
	code, err := s.code.seal(grant)
	if err != nil {
		fail(newError(errServerError, "internal error"), err)
		return
	}
	s.logStep(r, "callback", req.ClientID, nil, "sub", user.Subject, "email", user.Email)
	p := url.Values{"code": {code}}
	if req.State != "" {
		p.Set("state", req.State)
	}
	s.redirectTo(w, r, req.RedirectURI, p)
}

// checkLogin applies the login policy: a verified email (by default), an
// allowed email domain, an allowed Google Workspace domain (hd). Domains
// compare in ASCII case only (identity.DomainIn): Unicode folding would
// equate the Kelvin sign with k.
func (s *Server) checkLogin(u *upstreamUser) *oauthError {
	deny := func(why string) *oauthError { return newError(errAccessDenied, why) }
	if s.cfg.RequireEmailVerified && (u.Email == "" || !u.EmailVerified) {
		return deny("the identity provider did not return a verified email address")
	}
	if len(s.cfg.AllowedEmailDomains) > 0 {
		at := strings.LastIndexByte(u.Email, '@')
		// An unverified address proves nothing about its domain.
		if at < 0 || !u.EmailVerified || !identity.DomainIn(u.Email[at+1:], s.cfg.AllowedEmailDomains) {
			return deny("this email domain is not allowed to log in")
		}
	}
	if len(s.cfg.AllowedHostedDomains) > 0 && (u.HostedDomain == "" || !identity.DomainIn(u.HostedDomain, s.cfg.AllowedHostedDomains)) {
		return deny("this account's hosted domain is not allowed to log in")
	}
	return nil
}

// claims are what the identity policy maps to a ClickHouse user; the
// access token carries the same ones (see Middleware).
func (u upstreamUser) claims() identity.Claims {
	return identity.Claims{
		Subject:       u.Subject,
		Email:         u.Email,
		EmailVerified: u.EmailVerified,
		Other:         map[string]string{"name": u.Name, "preferred_username": u.PreferredUsername},
	}
}

// policyRefusal is the OAuth error for an identity the policy refuses
// (access_denied with the policy's reason); other errors are internal.
func policyRefusal(err error) *oauthError {
	var pe *identity.PolicyError
	if errors.As(err, &pe) {
		return newError(errAccessDenied, pe.Error())
	}
	return newError(errServerError, "internal error")
}
