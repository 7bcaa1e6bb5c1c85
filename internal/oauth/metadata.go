package oauth

import (
	"net/http"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// authServerMetadata is RFC 8414 metadata. (oauthex.AuthServerMeta would
// emit an empty jwks_uri: chmcp's tokens are HMAC-signed and only chmcp
// verifies them, so there is no key set to publish.)
type authServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClientIDMetadataDocumentSupported bool     `json:"client_id_metadata_document_supported"`
	AuthorizationResponseIssParameter bool     `json:"authorization_response_iss_parameter_supported"`
	ProtectedResources                []string `json:"protected_resources,omitempty"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
}

// scopeOfflineAccess is advertised so clients that ask for it get a
// refresh token without an invalid_scope. chmcp issues one either way.
const scopeOfflineAccess = "offline_access"

// supportedScopes are the scopes a client may request: the configured
// ones plus offline_access.
func (s *Server) supportedScopes() []string {
	out := slices.Clone(s.scopes)
	if !slices.Contains(out, scopeOfflineAccess) {
		out = append(out, scopeOfflineAccess)
	}
	return out
}

func (s *Server) handleProtectedResource(w http.ResponseWriter, _ *http.Request) {
	scopes := s.scopes
	if scopes == nil {
		scopes = []string{}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, &oauthex.ProtectedResourceMetadata{
		Resource:               s.resource,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "chmcp (ClickHouse MCP server)",
	})
}

func (s *Server) handleAuthServerMetadata(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, &authServerMetadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + PathAuthorize,
		TokenEndpoint:                     s.issuer + PathToken,
		RegistrationEndpoint:              s.issuer + PathRegister,
		ScopesSupported:                   s.supportedScopes(),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{grantAuthorizationCode, grantRefreshToken},
		TokenEndpointAuthMethodsSupported: []string{authMethodNone},
		CodeChallengeMethodsSupported:     []string{"S256"},
		ClientIDMetadataDocumentSupported: true,
		AuthorizationResponseIssParameter: true,
		ProtectedResources:                []string{s.resource},
	})
}
