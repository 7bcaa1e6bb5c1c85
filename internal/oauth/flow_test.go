package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// TestFullFlow walks the whole MCP authorization flow over real HTTP, hop
// by hop: discovery, registration, authorization with consent, the
// upstream login, the callback, the code exchange, a call to the MCP
// endpoint, two refreshes, and a refresh-token replay that revokes the
// whole family.
func TestFullFlow(t *testing.T) {
	h := newHarness(t)
	const redirect = "http://127.0.0.1:33418/callback"

	// An unauthenticated call tells the client where to look.
	resp, _ := h.get(h.ts.URL + "/")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated MCP call: %d", resp.StatusCode)
	}
	wantChallenge := `Bearer resource_metadata="` + h.ts.URL + `/.well-known/oauth-protected-resource"`
	if got := resp.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Fatalf("WWW-Authenticate = %q, want %q", got, wantChallenge)
	}

	// Discovery: protected resource metadata, then the AS metadata.
	resp, body := h.get(h.ts.URL + PathProtectedResource)
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	mustJSON(t, body, &prm)
	if resp.StatusCode != 200 || prm.Resource != h.ts.URL+"/" || len(prm.AuthorizationServers) != 1 {
		t.Fatalf("PRM: %d %s", resp.StatusCode, body)
	}
	resp, body = h.get(prm.AuthorizationServers[0] + PathAuthServer)
	var asm struct {
		Issuer               string `json:"issuer"`
		RegistrationEndpoint string `json:"registration_endpoint"`
	}
	mustJSON(t, body, &asm)
	if resp.StatusCode != 200 || asm.Issuer != prm.AuthorizationServers[0] {
		t.Fatalf("AS metadata: %d %s", resp.StatusCode, body)
	}

	// Registration.
	resp, body = h.postJSON(asm.RegistrationEndpoint, `{"redirect_uris":["`+redirect+`"],"client_name":"Flow test","token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`)
	var reg map[string]any
	mustJSON(t, body, &reg)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	clientID := reg["client_id"].(string)

	// Authorization, consent, upstream login, callback.
	verifier, challenge := pkce()
	params := authorizeParams(clientID, redirect, challenge)
	params.Set("resource", h.ts.URL+"/")
	code := h.code(params, verifiedUser("sub-ann", "Ann@Example.com"))

	// Code exchange.
	status, tok := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {clientID}, "code_verifier": {verifier}, "resource": {h.ts.URL + "/"}})
	if status != 200 || tok["token_type"] != "Bearer" || tok["access_token"] == nil || tok["refresh_token"] == nil || tok["expires_in"] != float64(3600) {
		t.Fatalf("token: %d %v", status, tok)
	}
	access := tok["access_token"].(string)
	claims, err := h.srv.VerifyAccessToken(access)
	if err != nil || claims.Subject != "sub-ann" || claims.ClientID != clientID || !slices.Equal(claims.Audience, []string{h.ts.URL + "/"}) {
		t.Fatalf("access token claims %+v, %v", claims, err)
	}

	// The MCP endpoint sees the mapped identity, not the token.
	resp, body = h.get(h.ts.URL+"/", "Authorization", "Bearer "+access)
	var id identity.Identity
	mustJSON(t, body, &id)
	if resp.StatusCode != 200 || id.User != "Ann@Example.com" || id.Source != identity.SourceEmail || id.Subject != "sub-ann" {
		t.Fatalf("MCP call: %d %s", resp.StatusCode, body)
	}
	if h.nextSawAuth.Load() {
		t.Error("the Authorization header reached the MCP handler")
	}

	// Refresh twice: each rotates.
	refresh := func(rt string) (int, map[string]any) {
		return h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}})
	}
	first := tok["refresh_token"].(string)
	status, tok2 := refresh(first)
	if status != 200 || tok2["refresh_token"] == first || tok2["access_token"] == nil {
		t.Fatalf("refresh 1: %d %v", status, tok2)
	}
	status, tok3 := refresh(tok2["refresh_token"].(string))
	if status != 200 {
		t.Fatalf("refresh 2: %d %v", status, tok3)
	}
	resp, _ = h.get(h.ts.URL+"/", "Authorization", "Bearer "+tok3["access_token"].(string))
	if resp.StatusCode != 200 {
		t.Fatalf("MCP call with a refreshed token: %d", resp.StatusCode)
	}

	// Replaying the first refresh token revokes the family: the latest
	// refresh token is dead too.
	status, body2 := refresh(first)
	wantError(t, status, body2, 400, "invalid_grant")
	status, body2 = refresh(tok3["refresh_token"].(string))
	wantError(t, status, body2, 400, "invalid_grant")

	// One log line per step; never a code, token, client id or secret.
	logs := h.logs.String()
	for _, step := range []string{"step=register", "step=authorize", "step=consent", "step=callback", "step=token", "outcome=refused error=invalid_grant"} {
		if !strings.Contains(logs, step) {
			t.Errorf("no %q in the log:\n%s", step, logs)
		}
	}
	for name, secret := range map[string]string{"code": code, "access token": access, "refresh token": first,
		"client id": clientID, "client secret": h.idp.ClientSecret, "signing key": testKey, "verifier": verifier} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// TestIdentityFromSubject: without an email the identity policy falls
// back to sub.
func TestIdentityFromSubject(t *testing.T) {
	h := newHarness(t, func(cfg *config.OAuthConfig, _ *Deps) { cfg.RequireEmailVerified = false })
	tok := h.accessToken("", &mockoidc.MockUser{Subject: "robot-7"})
	if id := h.whoami(tok); id.User != "robot-7" || id.Source != identity.SourceSubject {
		t.Fatalf("identity %+v", id)
	}
}
