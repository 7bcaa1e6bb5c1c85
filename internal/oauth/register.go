package oauth

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	authMethodNone         = "none"
	maxRegisterBody        = 64 << 10
)

// registrationRequest is the part of RFC 7591 client metadata chmcp reads;
// everything else is ignored. (Not oauthex.ClientRegistrationMetadata: its
// jwks is a string, so a client sending RFC 7591's jwks object would be
// refused over a field chmcp never reads.)
type registrationRequest struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
}

// handleRegister is RFC 7591 dynamic client registration for public
// clients. Nothing is stored: the client id is the sealed registration.
// A client asking for client_secret_basic/post is registered as a public
// client anyway (RFC 7591 §3.2.1 lets the server replace requested values)
// and the response says token_endpoint_auth_method "none".
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	reg, err := s.register(w, r)
	if err != nil {
		var oe *oauthError
		if !errors.As(err, &oe) {
			oe = newError(errServerError, "registration failed")
		}
		s.logStep(r, "register", "", err)
		writeError(w, oe)
		return
	}
	s.logStep(r, "register", reg.ClientID, nil, "redirect_uris", reg.RedirectURIs, "client_name", reg.ClientName)
	noStore(w)
	writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) (*oauthex.ClientRegistrationResponse, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, newError(errInvalidClientMetadata, "the request body must be application/json")
	}
	var req registrationRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRegisterBody))
	if err := dec.Decode(&req); err != nil {
		return nil, newError(errInvalidClientMetadata, "the request body is not valid client metadata JSON")
	}
	if err := checkRedirectURIs(req.RedirectURIs); err != nil {
		return nil, err
	}
	if len(req.GrantTypes) > 0 && !slices.Contains(req.GrantTypes, grantAuthorizationCode) {
		return nil, newError(errInvalidClientMetadata, "grant_types must include authorization_code")
	}
	if len(req.ResponseTypes) > 0 && !slices.Contains(req.ResponseTypes, "code") {
		return nil, newError(errInvalidClientMetadata, "response_types must include code")
	}
	now := s.now().Unix()
	name := cleanName(req.ClientName)
	id, err := s.client.seal(clientReg{RedirectURIs: req.RedirectURIs, Name: name, IssuedAt: now})
	if err != nil {
		return nil, err
	}
	return &oauthex.ClientRegistrationResponse{
		ClientID:         id,
		ClientIDIssuedAt: time.Unix(now, 0),
		ClientRegistrationMetadata: oauthex.ClientRegistrationMetadata{
			ClientName:              name,
			RedirectURIs:            req.RedirectURIs,
			GrantTypes:              []string{grantAuthorizationCode, grantRefreshToken},
			ResponseTypes:           []string{"code"},
			TokenEndpointAuthMethod: authMethodNone,
		},
	}, nil
}
