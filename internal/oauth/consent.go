package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/oauth2"
)

// Consent. chmcp logs everyone in with ONE upstream client id, and anybody
// can register a client here. Without a consent step, a link to
// /oauth/authorize with an attacker's client would, for a victim with an
// open IdP session, silently send the victim's code to the attacker (the
// "confused deputy" of the MCP security best practices). So the person
// approves each authorization on a page naming the client and where the
// code will go. The page's ticket is sealed and bound to a cookie, so a
// cross-site form post cannot approve on someone's behalf.

const (
	consentTTL  = 10 * time.Minute
	stateTTL    = 10 * time.Minute
	maxFormBody = 16 << 10
)

// consentTicket is the sealed hidden field of the consent form.
type consentTicket struct {
	Req    authzRequest `json:"q"`
	Cookie string       `json:"k"` // sha256 of the consent cookie
	Exp    int64        `json:"e"`
}

// upstreamState is the sealed state parameter sent to the upstream IdP.
type upstreamState struct {
	Req      authzRequest `json:"q"`
	Verifier string       `json:"v"` // chmcp's PKCE verifier at the IdP
	Nonce    string       `json:"n"`
	Exp      int64        `json:"e"`
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Authorize {{.Name}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}
code{background:#eee;padding:0 .3em;word-break:break-all}button{font-size:1em;padding:.5em 1.5em;margin-right:1em}</style>
</head><body>
<h1>Connect {{.Name}} to ClickHouse?</h1>
<p><strong>{{.Name}}</strong>{{if .Document}} (<code>{{.ClientID}}</code>){{end}} asks to run ClickHouse queries through
<code>{{.Issuer}}</code> as you.</p>
<p>After you sign in with your identity provider, you will be sent to{{if .RedirectHost}} <strong>{{.RedirectHost}}</strong>{{end}}:<br><code>{{.RedirectURI}}</code></p>
<p>Only continue if you started this connection yourself and trust this application.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="consent" value="{{.Ticket}}">
<button type="submit" name="action" value="approve">Continue</button>
<button type="submit" name="action" value="deny">Cancel</button>
</form></body></html>
`))

// showConsent renders the consent page for a validated request.
func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, c *client, req *authzRequest) {
	cookie := ""
	if ck, err := r.Cookie(s.cookieName); err == nil && len(ck.Value) == 43 {
		cookie = ck.Value // keep it: several tabs may be authorizing at once
	} else {
		cookie = randomToken(32)
	}
	ticket, err := s.consent.seal(consentTicket{Req: *req, Cookie: hashCookie(cookie), Exp: s.now().Add(consentTTL).Unix()})
	if err != nil {
		errorPage(w, r, newError(errServerError, "internal error"))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName, Value: cookie, Path: "/", MaxAge: int(consentTTL / time.Second),
		HttpOnly: true, Secure: s.secureCookie, SameSite: http.SameSiteLaxMode,
	})
	name := cleanName(c.Name)
	if name == "" {
		name = "An unnamed application"
	}
	redirect, host := displayRedirect(req.RedirectURI)
	clientID, _ := displayRedirect(c.ID) // a metadata document's URL (shown only for those)
	pageHeaders(w)
	_ = consentTmpl.Execute(w, map[string]any{
		"Name": name, "Document": c.Document, "ClientID": clientID, "Issuer": s.issuer,
		"RedirectURI": redirect, "RedirectHost": host, "Action": s.issuer + PathAuthorize, "Ticket": ticket,
	})
}

// displayRedirect is a redirect URI as the consent page shows it: in ASCII,
// the host in punycode (so "аpple.com" with a Cyrillic "а" shows as
// xn--pple-43d.com, not as apple.com), and that host on its own.
func displayRedirect(raw string) (uri, host string) {
	u, err := url.Parse(raw)
	if err != nil {
		return displayASCII(raw), ""
	}
	if u.Host != "" {
		host = asciiHost(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // IPv6
		}
		if p := u.Port(); p != "" {
			host += ":" + p
		}
		u.Host = host
	}
	u.RawQuery = displayASCII(u.RawQuery)
	u.Opaque = displayASCII(u.Opaque)
	return u.String(), host // String escapes a non-ASCII path
}

// asciiHost is a host name in its ASCII (A-label) form: what a browser
// looks up. A name that is not valid IDNA is still shown in ASCII.
func asciiHost(h string) string {
	if a, err := idna.Lookup.ToASCII(h); err == nil {
		return a
	}
	if a, err := idna.Punycode.ToASCII(h); err == nil {
		return a
	}
	return displayASCII(h)
}

// displayASCII percent-encodes every byte outside printable ASCII.
func displayASCII(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func hashCookie(v string) string {
	h := sha256.Sum256([]byte("chmcp consent cookie " + v))
	return b64.EncodeToString(h[:])
}

// handleConsent receives the consent form and sends the browser to the
// upstream IdP with chmcp's own PKCE pair, nonce and sealed state.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.refusePage(w, r, "consent", "", newError(errInvalidRequest, "invalid form"))
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !strings.EqualFold(o, originOf(s.issuer)) {
		s.refusePage(w, r, "consent", "", newError(errAccessDenied, "the consent form was posted from another site"))
		return
	}
	var t consentTicket
	if err := s.consent.open(r.PostForm.Get("consent"), &t); err != nil || expired(t.Exp, s.now()) {
		s.refusePage(w, r, "consent", "", newError(errInvalidRequest, "the consent page expired or was altered; start the connection again from the application"))
		return
	}
	ck, err := r.Cookie(s.cookieName)
	if err != nil || subtle.ConstantTimeCompare([]byte(hashCookie(ck.Value)), []byte(t.Cookie)) != 1 {
		s.refusePage(w, r, "consent", t.Req.ClientID, newError(errAccessDenied, "the consent could not be verified (are cookies blocked?); start the connection again"))
		return
	}
	if r.PostForm.Get("action") != "approve" {
		e := newError(errAccessDenied, "the user declined")
		s.logStep(r, "consent", t.Req.ClientID, e)
		s.redirectError(w, r, t.Req.RedirectURI, t.Req.State, e)
		return
	}
	st := upstreamState{Req: t.Req, Verifier: oauth2.GenerateVerifier(), Nonce: randomToken(16), Exp: s.now().Add(stateTTL).Unix()}
	sealed, err := s.state.seal(st)
	var login string
	if err == nil {
		login, err = s.upstream.LoginURL(r.Context(), sealed, st.Nonce, st.Verifier)
	}
	if err != nil {
		s.logStep(r, "consent", t.Req.ClientID, err)
		s.redirectError(w, r, t.Req.RedirectURI, t.Req.State, newError(errServerError, "the identity provider is unavailable; try again later"))
		return
	}
	s.logStep(r, "consent", t.Req.ClientID, nil)
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, login, http.StatusSeeOther)
}

// originOf is scheme://host of a URL, as browsers send in Origin.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
