package oauth

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// metadataHost serves client ID metadata documents over TLS on loopback.
type metadataHost struct {
	ts      *httptest.Server
	fetches atomic.Int32
	docs    map[string]func(base string) (string, http.Header, int)
}

func newMetadataHost(t *testing.T) *metadataHost {
	m := &metadataHost{docs: map[string]func(string) (string, http.Header, int){}}
	m.ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.fetches.Add(1)
		doc, ok := m.docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, hdr, status := doc(m.ts.URL)
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(m.ts.Close)
	return m
}

func (m *metadataHost) serve(path, body string, hdr http.Header, status int) string {
	m.docs[path] = func(base string) (string, http.Header, int) {
		return strings.ReplaceAll(body, "BASE", base), hdr, status
	}
	return m.ts.URL + path
}

func cimdHarness(t *testing.T, m *metadataHost, allowPrivate bool) *harness {
	return newHarness(t, func(_ *config.OAuthConfig, deps *Deps) {
		deps.AllowPrivateCIMD = allowPrivate
		deps.HTTPClient = m.ts.Client() // trusts the test certificate
	})
}

const goodDoc = `{"client_id":"BASE/client.json","client_name":"Metadata Client","redirect_uris":["` + appRedirect + `"],"grant_types":["authorization_code","refresh_token","urn:future:grant"],"token_endpoint_auth_method":"none"}`

func TestCIMDFlow(t *testing.T) {
	m := newMetadataHost(t)
	clientID := m.serve("/client.json", goodDoc, http.Header{"Cache-Control": {"max-age=600"}}, 200)
	h := cimdHarness(t, m, true)
	tok := h.loginToken(clientID, appRedirect, verifiedUser("sub-c", "cimd@example.com"), nil)
	if id := h.whoami(tok); id.User != "cimd@example.com" {
		t.Fatalf("identity %+v", id)
	}
	// Cached per max-age: one fetch for the whole flow, a fresh one later.
	if n := m.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1 (cached)", n)
	}
	h.clock.Advance(11 * time.Minute)
	if _, err := h.srv.lookupClient(t.Context(), clientID); err != nil || m.fetches.Load() != 2 {
		t.Errorf("after max-age: err %v, %d fetches", err, m.fetches.Load())
	}
}

// TestCIMDPrivateAddressRefused: with AllowPrivateCIMD off (the default),
// a document on a loopback address is never fetched.
func TestCIMDPrivateAddressRefused(t *testing.T) {
	m := newMetadataHost(t)
	clientID := m.serve("/client.json", goodDoc, nil, 200)
	h := cimdHarness(t, m, false)
	_, challenge := pkce()
	h.authorizeErrorPage(authorizeParams(clientID, appRedirect, challenge), "invalid_client")
	if n := m.fetches.Load(); n != 0 {
		t.Errorf("the private address was contacted %d times", n)
	}
}

func TestCIMDInvalidDocuments(t *testing.T) {
	m := newMetadataHost(t)
	h := cimdHarness(t, m, true)
	for _, tc := range []struct {
		name, path, body string
		hdr              http.Header
		status           int
	}{
		{"client_id differs", "/a.json", `{"client_id":"BASE/other.json","redirect_uris":["` + appRedirect + `"]}`, nil, 200},
		{"no redirect uris", "/b.json", `{"client_id":"BASE/b.json"}`, nil, 200},
		{"javascript redirect", "/c.json", `{"client_id":"BASE/c.json","redirect_uris":["javascript:alert(1)"]}`, nil, 200},
		{"confidential client", "/d.json", `{"client_id":"BASE/d.json","redirect_uris":["` + appRedirect + `"],"token_endpoint_auth_method":"client_secret_basic"}`, nil, 200},
		{"client secret", "/e.json", `{"client_id":"BASE/e.json","redirect_uris":["` + appRedirect + `"],"client_secret":"x"}`, nil, 200},
		{"redirect", "/f.json", ``, http.Header{"Location": {"/client.json"}}, 302},
		{"not found", "/g.json", `{}`, nil, 404},
		{"not json", "/h.json", `<html>`, nil, 200},
		{"too big", "/i.json", `{"client_id":"BASE/i.json","x":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 200},
	} {
		clientID := m.serve(tc.path, tc.body, tc.hdr, tc.status)
		if _, err := h.srv.lookupClient(t.Context(), clientID); err == nil || asOAuthError(err).Code != "invalid_client" {
			t.Errorf("%s: %v, want invalid_client", tc.name, err)
		}
	}
	// A redirect URI the document does not list is refused with a page.
	clientID := m.serve("/ok.json", strings.ReplaceAll(goodDoc, "client.json", "ok.json"), nil, 200)
	_, challenge := pkce()
	h.authorizeErrorPage(authorizeParams(clientID, "https://evil.example/cb", challenge), "invalid_request")
}

func TestClientIDURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://app.example.com/client.json":     true,
		"https://app.example.com:8443/c?v=1":      true,
		"http://app.example.com/client.json":      false,
		"https://app.example.com":                 false,
		"https://app.example.com/":                false,
		"https://app.example.com/a/../client":     false,
		"https://app.example.com/./client":        false,
		"https://u:p@app.example.com/client.json": false,
		"https://app.example.com/client#x":        false,
	} {
		if err := checkClientIDURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
	}
}

func TestIsPublicIP(t *testing.T) {
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false,
		"255.255.255.255": false, "::1": false, "::": false, "fe80::1": false, "fc00::1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "2002:a00:1::": false,
		"ff02::1": false, "198.18.0.1": false,
	} {
		if got := isPublicIP(net.ParseIP(addr)); got != public {
			t.Errorf("isPublicIP(%s) = %v, want %v", addr, got, public)
		}
	}
}

func TestCacheAge(t *testing.T) {
	for cc, want := range map[string]time.Duration{
		"":                      cimdDefaultAge,
		"max-age=60":            time.Minute,
		"public, max-age=86401": cimdMaxAge,
		"max-age=999999999999":  cimdMaxAge,
		"no-store":              0,
		"max-age=60, no-cache":  0,
		"max-age=-1":            0,
		"max-age=abc":           0,
	} {
		if got := cacheAge(cc); got != want {
			t.Errorf("cacheAge(%q) = %v, want %v", cc, got, want)
		}
	}
}
