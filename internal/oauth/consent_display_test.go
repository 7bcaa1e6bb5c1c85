package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestConsentPageCannotBeSpoofed: the consent page is where a person
// decides whom to trust, so what it shows must be what it is. A client
// name cannot reorder or hide text with bidirectional or zero-width
// characters, and the redirect host is shown as the browser will look it
// up: in punycode, so a Cyrillic "а" in "аpp.example.com" is visible.
func TestConsentPageCannotBeSpoofed(t *testing.T) {
	h := newHarness(t)
	const (
		lookalike = "https://аpp.example.com/cb" // Cyrillic а (U+0430)
		punycode  = "xn--pp-6kc.example.com"
	)
	// "Trusted\u202Eevil" renders as "Trustedlive": U+202E reverses what follows.
	spoofName := "Claude\u200b \u202eedualC\u202c\u2066 Desktop\u2069\ufeff"
	b, _ := json.Marshal(map[string]any{"redirect_uris": []string{lookalike}, "client_name": spoofName, "token_endpoint_auth_method": "none"})
	resp, body := h.postJSON(h.ts.URL+PathRegister, string(b))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var reg map[string]any
	mustJSON(t, body, &reg)
	const cleaned = "Claude edualC Desktop"
	if reg["client_name"] != cleaned {
		t.Errorf("registered name %q, want %q", reg["client_name"], cleaned)
	}

	// A client id sealed before names were cleaned is cleaned when shown.
	oldID, err := h.srv.client.seal(clientReg{RedirectURIs: []string{lookalike}, Name: spoofName, IssuedAt: time.Now().Unix()})
	if err != nil {
		t.Fatal(err)
	}
	_, challenge := pkce()
	for _, id := range []string{reg["client_id"].(string), oldID} {
		resp, page := h.get(h.ts.URL + PathAuthorize + "?" + authorizeParams(id, lookalike, challenge).Encode())
		if resp.StatusCode != 200 || !strings.Contains(page, `name="consent"`) {
			t.Fatalf("consent page: %d %s", resp.StatusCode, page)
		}
		if strings.ContainsFunc(page, invisible) {
			t.Errorf("the consent page carries invisible formatting characters: %q", page)
		}
		if !strings.Contains(page, "<strong>"+cleaned+"</strong>") {
			t.Errorf("the page does not name the client %q", cleaned)
		}
		if !strings.Contains(page, "<strong>"+punycode+"</strong>") || !strings.Contains(page, "<code>https://"+punycode+"/cb</code>") ||
			strings.Contains(page, "аpp") {
			t.Errorf("the redirect host is not shown in punycode:\n%s", page)
		}
	}

	// Redirect URIs with invisible characters are not registered at all.
	for _, uri := range []string{"https://app.example.com/\u202ebc", "https://app\u200b.example.com/cb", "https://app.example.com/cb?x=\u2066"} {
		b, _ := json.Marshal(map[string]any{"redirect_uris": []string{uri}})
		resp, body := h.postJSON(h.ts.URL+PathRegister, string(b))
		var e map[string]any
		mustJSON(t, body, &e)
		wantError(t, resp.StatusCode, e, 400, "invalid_redirect_uri")
	}
}

func TestDisplayRedirect(t *testing.T) {
	for raw, want := range map[string][2]string{
		"https://bücher.example/cb?q=ü":   {"https://xn--bcher-kva.example/cb?q=%C3%BC", "xn--bcher-kva.example"},
		"https://APP.example.com:8443/cb": {"https://app.example.com:8443/cb", "app.example.com:8443"},
		"http://[::1]:3000/callback":      {"http://[::1]:3000/callback", "[::1]:3000"},
		"http://127.0.0.1:33418/":         {"http://127.0.0.1:33418/", "127.0.0.1:33418"},
		"https://app.example/pfad/ä":      {"https://app.example/pfad/%C3%A4", "app.example"},
		"cursor://anysphere.cursor/cb":    {"cursor://anysphere.cursor/cb", "anysphere.cursor"},
		"com.example.app:/oauth":          {"com.example.app:/oauth", ""},
	} {
		uri, host := displayRedirect(raw)
		if uri != want[0] || host != want[1] {
			t.Errorf("displayRedirect(%q) = %q, %q; want %q, %q", raw, uri, host, want[0], want[1])
		}
		if _, err := url.Parse(uri); err != nil {
			t.Errorf("%q: shown URI does not parse: %v", raw, err)
		}
	}
}
