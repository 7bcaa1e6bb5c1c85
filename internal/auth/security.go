package auth

import (
	"strings"

	"github.com/chmcp/chmcp/internal/oauth"
)

// Security schemes an API description can declare for an authenticator.
const (
	SecurityNone   = ""       // open endpoint, or the credential is in the URL (JWE path token)
	SecurityBearer = "bearer" // Authorization: Bearer <token> (a JWE token, or an OAuth token obtained elsewhere)
	SecurityOAuth2 = "oauth2" // OAuth 2 authorization code flow with chmcp as the authorization server
)

// Security is how clients authenticate, as the OpenAPI document declares
// it in components.securitySchemes. It lives here, not in openapi, so the
// boundary depends on no transport: the facade reads what it declares.
type Security struct {
	Scheme string // SecurityNone, SecurityBearer or SecurityOAuth2
	// OAuth2 only.
	AuthorizationURL string
	TokenURL         string
	Scopes           []string
}

// OAuth2 declares chmcp's own authorization server at issuer (its
// /oauth/authorize and /oauth/token endpoints) requiring scopes.
func OAuth2(issuer string, scopes []string) Security {
	issuer = strings.TrimSuffix(issuer, "/")
	return Security{Scheme: SecurityOAuth2, AuthorizationURL: issuer + oauth.PathAuthorize, TokenURL: issuer + oauth.PathToken, Scopes: scopes}
}
