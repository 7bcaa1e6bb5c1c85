package oauth

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// RFC 6749 / 7591 / 8707 / 6750 error codes.
const (
	errInvalidRequest          = "invalid_request"
	errInvalidClient           = "invalid_client"
	errInvalidGrant            = "invalid_grant"
	errUnauthorizedClient      = "unauthorized_client"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errInvalidTarget           = "invalid_target"
	errInvalidClientMetadata   = "invalid_client_metadata"
	errInvalidRedirectURI      = "invalid_redirect_uri"
	errAccessDenied            = "access_denied"
	errServerError             = "server_error"
	errInvalidToken            = "invalid_token"
	errInsufficientScope       = "insufficient_scope"
)

// oauthError is an RFC 6749 error: a code, a description safe to show the
// caller (never a secret, token or internal error text) and an HTTP status.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	status      int
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

// newError builds an oauthError with status 400, or 401 for invalid_client
// and 500 for server_error.
func newError(code, description string) *oauthError {
	status := http.StatusBadRequest
	switch code {
	case errInvalidClient:
		status = http.StatusUnauthorized
	case errServerError:
		status = http.StatusInternalServerError
	}
	return &oauthError{Code: code, Description: description, status: status}
}

// noStore marks a response as never cacheable (tokens, codes, errors).
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError sends an RFC 6749 JSON error body.
func writeError(w http.ResponseWriter, e *oauthError) {
	noStore(w)
	writeJSON(w, e.status, e)
}

// pageHeaders are the headers of every HTML page chmcp serves: nothing
// loads, nothing frames it, nothing caches it.
func pageHeaders(w http.ResponseWriter) {
	noStore(w)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

var errorPageTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Authorization error</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}code{background:#eee;padding:0 .3em}</style>
</head><body><h1>Authorization error</h1><p><code>{{.Code}}</code></p><p>{{.Description}}</p>
<p>Go back to the application and try to connect again.</p></body></html>
`))

// errorPage answers a browser-facing request that cannot be redirected back
// to the client (the redirect URI is unknown or unverified): HTML for
// browsers, JSON for programs that ask for it.
func errorPage(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		// No client authentication happens at a browser endpoint.
		e = &oauthError{Code: e.Code, Description: e.Description, status: http.StatusBadRequest}
	}
	if wantsJSON(r) {
		writeError(w, e)
		return
	}
	pageHeaders(w)
	w.WriteHeader(e.status)
	_ = errorPageTmpl.Execute(w, e)
}

// refusePage logs the refusal of a browser-facing step and answers with
// errorPage: for errors that cannot be sent back to the client.
func (s *Server) refusePage(w http.ResponseWriter, r *http.Request, step, clientID string, err error) {
	s.logStep(r, step, clientID, err)
	errorPage(w, r, asOAuthError(err))
}

func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// redirectTo sends the browser to a validated redirect URI with params
// added to its query (RFC 6749 §4.1.2), always with iss (RFC 9207).
func (s *Server) redirectTo(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil { // validated at registration; cannot happen
		errorPage(w, r, newError(errServerError, "invalid redirect URI"))
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// redirectError reports an authorization error to the client at its
// validated redirect URI.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, e *oauthError) {
	p := url.Values{"error": {e.Code}}
	if e.Description != "" {
		p.Set("error_description", e.Description)
	}
	if state != "" {
		p.Set("state", state)
	}
	s.redirectTo(w, r, redirectURI, p)
}
