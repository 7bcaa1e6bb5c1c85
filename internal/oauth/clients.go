package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/chmcp/chmcp/internal/config"
)

// Limits on client metadata, so that a sealed client id stays short and
// every input is bounded.
const (
	maxRedirectURIs      = 8
	maxRedirectURILen    = 1024
	maxRedirectURIsTotal = 2048
	maxClientNameLen     = 100
	maxClientIDLen       = 4096
)

// client is a registered (or metadata-document) public client.
type client struct {
	ID           string
	Name         string
	RedirectURIs []string
	// Document is true for a client ID metadata document client.
	Document bool
}

// clientReg is the content of a sealed client id.
type clientReg struct {
	RedirectURIs []string `json:"r"`
	Name         string   `json:"n,omitempty"`
	IssuedAt     int64    `json:"t"`
}

// lookupClient resolves a client_id: an https URL is a client ID metadata
// document, anything else must be a client id this server sealed.
func (s *Server) lookupClient(ctx context.Context, clientID string) (*client, error) {
	switch {
	case clientID == "":
		return nil, newError(errInvalidRequest, "client_id is required")
	case len(clientID) > maxClientIDLen:
		return nil, newError(errInvalidClient, "client_id is too long")
	case strings.HasPrefix(clientID, "https://"):
		return s.cimd.get(ctx, clientID)
	}
	var reg clientReg
	if err := s.client.open(clientID, &reg); err != nil || len(reg.RedirectURIs) == 0 {
		return nil, newError(errInvalidClient, "unknown client_id (register at "+s.issuer+PathRegister+" or use a client ID metadata document)")
	}
	// cleanName again: ids sealed by older versions kept invisible characters.
	return &client{ID: clientID, Name: cleanName(reg.Name), RedirectURIs: reg.RedirectURIs}, nil
}

// allowsRedirect is the exact, byte-for-byte redirect URI match OAuth 2.1
// demands. (RFC 8252 lets loopback ports vary; chmcp does not: MCP clients
// register the port they listen on.)
func (c *client) allowsRedirect(uri string) bool {
	return slices.Contains(c.RedirectURIs, uri)
}

// forbiddenSchemes can never be redirect URIs: they run code or read local
// data in the browser instead of handing the code to an application.
var forbiddenSchemes = []string{"javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "view-source", "ftp", "ws", "wss", "chrome", "chrome-extension-internal"}

// checkRedirectURIs validates a client's redirect URIs: https; http only
// on a loopback host (127.0.0.1, [::1], localhost, any port); or a private
// custom scheme of a native application (cursor://, vscode://,
// com.example.app:/cb). Never fragments, user info or script schemes.
func checkRedirectURIs(uris []string) error {
	if len(uris) == 0 {
		return newError(errInvalidRedirectURI, "redirect_uris is required")
	}
	if len(uris) > maxRedirectURIs {
		return newError(errInvalidRedirectURI, "too many redirect_uris")
	}
	total := 0
	for _, u := range uris {
		total += len(u)
		if err := checkRedirectURI(u); err != nil {
			return newError(errInvalidRedirectURI, err.Error())
		}
	}
	if total > maxRedirectURIsTotal {
		return newError(errInvalidRedirectURI, "redirect_uris are too long together")
	}
	return nil
}

func checkRedirectURI(raw string) error {
	bad := func(why string) error {
		return errors.New("redirect URI " + quoteShort(raw) + " " + why)
	}
	if len(raw) > maxRedirectURILen {
		return bad("is too long")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || invisible(r) }) {
		return bad("contains spaces, control characters or invisible formatting characters")
	}
	if strings.Contains(raw, "#") {
		return bad("has a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return bad("is not an absolute URI")
	}
	if u.User != nil {
		return bad("has user information")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case slices.Contains(forbiddenSchemes, scheme):
		return bad("uses a forbidden scheme")
	case scheme == "https":
		if u.Host == "" {
			return bad("has no host")
		}
	case scheme == "http":
		if !config.IsLoopbackHost(u.Hostname()) {
			return bad("uses http on a non-loopback host (use https, or http://127.0.0.1, http://[::1] or http://localhost)")
		}
	case u.Opaque != "":
		return bad("is not hierarchical")
	}
	return nil
}

// quoteShort quotes an untrusted value for an error description, bounded.
func quoteShort(v string) string {
	if len(v) > 80 {
		v = v[:80] + "..."
	}
	return `"` + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, v) + `"`
}

// invisible reports a format character (Unicode category Cf): the
// bidirectional controls (U+202A..U+202E, U+2066..U+2069, U+200E/F,
// U+061C), zero-width characters (U+200B..U+200D, U+2060, U+FEFF), soft
// hyphens and tag characters. None draws anything, and the bidirectional
// ones reorder what follows: "Claude\u202Eedualc" would read as someone
// else on the consent page.
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// cleanName bounds a self-asserted client name and strips control and
// invisible formatting characters (it is shown on the consent page,
// escaped).
func cleanName(n string) string {
	n = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || invisible(r) {
			return -1
		}
		return r
	}, n))
	if r := []rune(n); len(r) > maxClientNameLen {
		n = string(r[:maxClientNameLen])
	}
	return n
}
