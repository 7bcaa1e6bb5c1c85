package oauth

import (
	"context"
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// TestGoSDKClient runs the MCP Go SDK's own client-side authorization
// (discovery from the 401, RFC 9728 and 8414 metadata, DCR, PKCE, RFC 9207
// iss check, code exchange) and x/oauth2's refresh against chmcp: an
// independent client implementation agrees with this server.
func TestGoSDKClient(t *testing.T) {
	h := newHarness(t)
	const redirect = "http://127.0.0.1:47111/callback"
	handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs: []string{redirect}, ClientName: "go-sdk", TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", "refresh_token"},
		}},
		RedirectURL:         redirect,
		RequestRefreshToken: true,
		Client:              &http.Client{},
		AuthorizationCodeFetcher: func(_ context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			back := h.loginAt(args.URL, verifiedUser("sub-sdk", "sdk@example.com"))
			q := back.Query()
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/", nil)
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := handler.Authorize(t.Context(), req, resp); err != nil {
		t.Fatalf("go-sdk authorization: %v", err)
	}
	ts, err := handler.TokenSource(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("token: %v %+v", err, tok)
	}
	if id := h.whoami(tok.AccessToken); id.User != "sdk@example.com" {
		t.Fatalf("identity %+v", id)
	}
	// x/oauth2 (what the SDK refreshes with) redeems the refresh token.
	refreshed, err := (&oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: h.ts.URL + PathToken, AuthStyle: oauth2.AuthStyleInParams}}).
		TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || refreshed.AccessToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v %+v", err, refreshed)
	}
}
