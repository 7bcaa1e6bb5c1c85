package oauth

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
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
// allowed email domain, an allowed Google Workspace domain (hd).
func (s *Server) checkLogin(u *upstreamUser) *oauthError {
	deny := func(why string) *oauthError { return newError(errAccessDenied, why) }
	if s.cfg.RequireEmailVerified && (u.Email == "" || !u.EmailVerified) {
		return deny("the identity provider did not return a verified email address")
	}
	if len(s.cfg.AllowedEmailDomains) > 0 {
		at := strings.LastIndexByte(u.Email, '@')
		// An unverified address proves nothing about its domain.
		if at < 0 || !u.EmailVerified || !containsFold(s.cfg.AllowedEmailDomains, u.Email[at+1:]) {
			return deny("this email domain is not allowed to log in")
		}
	}
	if len(s.cfg.AllowedHostedDomains) > 0 && (u.HostedDomain == "" || !containsFold(s.cfg.AllowedHostedDomains, u.HostedDomain)) {
		return deny("this account's hosted domain is not allowed to log in")
	}
	return nil
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(d string) bool { return strings.EqualFold(strings.TrimSpace(d), v) })
}
