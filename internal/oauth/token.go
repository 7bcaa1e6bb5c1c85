package oauth

import (
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// refreshGrant is the sealed refresh token. Family is the grant (one per
// code exchange); ID is this token's place in the rotation.
type refreshGrant struct {
	Family   string       `json:"f"`
	ID       string       `json:"i"`
	ClientID string       `json:"c"`
	Scope    string       `json:"o,omitempty"`
	User     upstreamUser `json:"u"`
	Exp      int64        `json:"e"` // the family's end; rotation does not extend it
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope,omitempty"` // RFC 6749 §3.3: at least one token, so omit when none
}

// pkceVerifier is RFC 7636's code_verifier syntax.
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// handleToken is the token endpoint for public clients: client_id in the
// body (or as the user of HTTP Basic with an empty password), no secret.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	form, clientID, e := s.tokenRequest(w, r)
	grant := form.Get("grant_type")
	var resp *tokenResponse
	var err error
	switch {
	case e != nil:
		err = e
	case grant == grantAuthorizationCode:
		resp, err = s.exchangeCode(r, form, clientID)
	case grant == grantRefreshToken:
		resp, err = s.exchangeRefresh(r, form, clientID)
	case grant == "":
		err = newError(errInvalidRequest, "grant_type is required")
	default:
		err = newError(errUnsupportedGrantType, "grant_type must be authorization_code or refresh_token")
	}
	s.logStep(r, "token", clientID, err, "grant_type", bounded(grant, 40))
	if err != nil {
		oe := asOAuthError(err)
		if oe.status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
			// RFC 6749 §5.2: a client that tried the header gets a challenge.
			w.Header().Set("WWW-Authenticate", `Basic realm="chmcp"`)
		}
		writeError(w, oe)
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, resp)
}

// tokenRequest parses the form and identifies the (public) client.
func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) (url.Values, string, *oauthError) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return url.Values{}, "", newError(errInvalidRequest, "the request body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return url.Values{}, "", newError(errInvalidRequest, "invalid form body")
	}
	form := r.PostForm
	for name, vs := range form {
		if len(vs) > 1 {
			return form, "", newError(errInvalidRequest, "parameter "+quoteShort(name)+" is repeated")
		}
	}
	clientID := form.Get("client_id")
	if user, pass, ok := r.BasicAuth(); ok {
		u, _ := url.QueryUnescape(user)
		switch {
		case pass != "":
			return form, u, newError(errInvalidClient, "client secrets are not used: chmcp clients are public (token_endpoint_auth_method none)")
		case clientID != "" && clientID != u:
			return form, clientID, newError(errInvalidRequest, "client_id differs between the body and the Authorization header")
		}
		clientID = u
	}
	if form.Has("client_secret") && form.Get("client_secret") != "" {
		return form, clientID, newError(errInvalidClient, "client secrets are not used: chmcp clients are public (token_endpoint_auth_method none)")
	}
	if len(clientID) > maxClientIDLen {
		return form, "", newError(errInvalidClient, "client_id is too long")
	}
	if e := s.checkResource(form["resource"]); e != nil {
		return form, clientID, e
	}
	return form, clientID, nil
}

func (s *Server) exchangeCode(r *http.Request, form url.Values, clientID string) (*tokenResponse, error) {
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	switch {
	case clientID == "":
		return nil, newError(errInvalidClient, "client_id is required")
	case code == "":
		return nil, newError(errInvalidRequest, "code is required")
	case redirectURI == "":
		return nil, newError(errInvalidRequest, "redirect_uri is required")
	case verifier == "":
		return nil, newError(errInvalidRequest, "code_verifier is required (PKCE)")
	}
	var g codeGrant
	if err := s.code.open(code, &g); err != nil {
		return nil, newError(errInvalidGrant, "the authorization code is invalid")
	}
	switch {
	case expired(g.Exp, s.now()):
		return nil, newError(errInvalidGrant, "the authorization code expired")
	case g.Req.ClientID != clientID:
		return nil, newError(errInvalidGrant, "the authorization code was issued to another client")
	case g.Req.RedirectURI != redirectURI:
		return nil, newError(errInvalidGrant, "redirect_uri does not match the authorization request")
	case !pkceVerifier.MatchString(verifier) ||
		subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(verifier)), []byte(g.Req.Challenge)) != 1:
		return nil, newError(errInvalidGrant, "code_verifier does not match the code_challenge")
	}
	// The code's id names its refresh-token family, so a replayed code
	// can revoke what the first redemption issued (RFC 6749 §4.1.2).
	family := g.ID
	if err := s.store.UseCode(r.Context(), g.ID, time.Unix(g.Exp, 0).Add(time.Minute)); err != nil {
		if errors.Is(err, ErrReused) {
			_ = s.store.Revoke(r.Context(), family)
			return nil, newError(errInvalidGrant, "the authorization code was already used; tokens issued for it are revoked")
		}
		return nil, err
	}
	rg := refreshGrant{Family: family, ID: randomToken(16), ClientID: clientID, Scope: g.Req.Scope, User: g.User,
		Exp: s.now().Add(s.cfg.RefreshTokenTTL.D()).Unix()}
	if err := s.store.StartFamily(r.Context(), family, rg.ID, time.Unix(rg.Exp, 0)); err != nil {
		return nil, err
	}
	return s.issue(rg, g.Req.Scope)
}

func (s *Server) exchangeRefresh(r *http.Request, form url.Values, clientID string) (*tokenResponse, error) {
	presented := form.Get("refresh_token")
	if presented == "" {
		return nil, newError(errInvalidRequest, "refresh_token is required")
	}
	var rg refreshGrant
	if err := s.refresh.open(presented, &rg); err != nil {
		return nil, newError(errInvalidGrant, "the refresh token is invalid")
	}
	if clientID == "" {
		// Lenient: some clients omit it on refresh; the token names its client.
		clientID = rg.ClientID
	}
	switch {
	case expired(rg.Exp, s.now()):
		return nil, newError(errInvalidGrant, "the refresh token expired; authorize again")
	case rg.ClientID != clientID:
		return nil, newError(errInvalidGrant, "the refresh token was issued to another client")
	}
	scope := rg.Scope
	if req := form.Get("scope"); req != "" {
		granted := strings.Fields(rg.Scope)
		for _, sc := range strings.Fields(req) {
			if !slices.Contains(granted, sc) {
				return nil, newError(errInvalidScope, "scope "+quoteShort(sc)+" was not granted")
			}
		}
		scope = strings.Join(strings.Fields(req), " ")
	}
	next := rg
	next.ID = randomToken(16)
	switch err := s.store.Rotate(r.Context(), rg.Family, rg.ID, next.ID, time.Unix(rg.Exp, 0)); {
	case errors.Is(err, ErrReused):
		return nil, newError(errInvalidGrant, "the refresh token was already used; every token of this grant is revoked, authorize again")
	case errors.Is(err, ErrRevoked):
		return nil, newError(errInvalidGrant, "the refresh token was revoked; authorize again")
	case err != nil:
		return nil, err
	}
	return s.issue(next, scope)
}

// issue mints the access token and seals the refresh token of a grant.
func (s *Server) issue(rg refreshGrant, scope string) (*tokenResponse, error) {
	// The policy may have changed since the login (a domain removed, a user
	// protected): no token for a user it now refuses.
	if _, err := s.policy.Map(rg.User.claims()); err != nil {
		if e := policyRefusal(err); e.Code == errAccessDenied {
			return nil, newError(errInvalidGrant, e.Description)
		}
		return nil, err
	}
	at, ttl, err := s.mintAccessToken(rg.User, rg.ClientID, scope)
	if err != nil {
		return nil, err
	}
	rt, err := s.refresh.seal(rg)
	if err != nil {
		return nil, err
	}
	return &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), RefreshToken: rt, Scope: scope}, nil
}

func bounded(v string, n int) string {
	if len(v) > n {
		return v[:n]
	}
	return v
}
