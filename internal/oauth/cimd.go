package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document):
// a client_id that is an https URL names a JSON document with the client's
// metadata. Fetching a URL an anonymous caller chose is an SSRF risk, so:
// https only; the resolved address is checked when dialling (DNS rebinding
// cannot slip a private address in after a check); no proxy; no
// redirects; 5 s; 64 KiB; bounded cache.
const (
	cimdTimeout     = 5 * time.Second
	cimdMaxBody     = 64 << 10
	cimdMaxAge      = 24 * time.Hour
	cimdDefaultAge  = 5 * time.Minute
	cimdFailureAge  = 30 * time.Second
	cimdCacheSize   = 1024
	cimdMaxURLBytes = 2048
)

type cimdEntry struct {
	client  *client
	err     *oauthError
	expires time.Time
}

type cimdFetcher struct {
	http *http.Client
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]cimdEntry
}

// newCIMDFetcher builds the hardened fetcher. It borrows only the TLS
// settings (trusted roots) of base; dialling, proxying and redirects are
// its own.
func newCIMDFetcher(base *http.Client, allowPrivate bool, now func() time.Time) *cimdFetcher {
	dialer := &net.Dialer{Timeout: cimdTimeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !isPublicIP(ip) {
				return fmt.Errorf("address %s is not public", host)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cimdTimeout,
		ResponseHeaderTimeout: cimdTimeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if bt, ok := base.Transport.(*http.Transport); ok && bt.TLSClientConfig != nil {
		tr.TLSClientConfig = bt.TLSClientConfig.Clone()
	}
	return &cimdFetcher{
		http: &http.Client{
			Transport:     tr,
			Timeout:       cimdTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now:   now,
		cache: map[string]cimdEntry{},
	}
}

// get returns the client a metadata document URL describes, from the
// cache when fresh.
func (f *cimdFetcher) get(ctx context.Context, clientID string) (*client, error) {
	if err := checkClientIDURL(clientID); err != nil {
		return nil, err
	}
	now := f.now()
	f.mu.Lock()
	e, ok := f.cache[clientID]
	f.mu.Unlock()
	if ok && now.Before(e.expires) {
		if e.err != nil {
			return nil, e.err
		}
		return e.client, nil
	}
	c, ttl, err := f.fetch(ctx, clientID)
	var oe *oauthError
	if err != nil && !errors.As(err, &oe) {
		oe = newError(errInvalidClient, "the client ID metadata document could not be fetched")
	}
	if err != nil {
		ttl = cimdFailureAge
	}
	f.store(clientID, cimdEntry{client: c, err: oe, expires: now.Add(ttl)}, now)
	if oe != nil {
		return nil, oe
	}
	return c, nil
}

// store caches an entry; a full cache first drops expired entries, then the
// one closest to expiry.
func (f *cimdFetcher) store(key string, e cimdEntry, now time.Time) {
	if e.expires.Sub(now) <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.cache[key]; !ok && len(f.cache) >= cimdCacheSize {
		var victim string
		var soonest time.Time
		for k, v := range f.cache {
			if !now.Before(v.expires) {
				delete(f.cache, k)
				continue
			}
			if victim == "" || v.expires.Before(soonest) {
				victim, soonest = k, v.expires
			}
		}
		if len(f.cache) >= cimdCacheSize {
			delete(f.cache, victim)
		}
	}
	f.cache[key] = e
}

// checkClientIDURL applies the draft's rules to the URL itself.
func checkClientIDURL(raw string) error {
	bad := func(why string) error {
		return newError(errInvalidClient, "client_id "+quoteShort(raw)+" is not a valid client ID metadata document URL: "+why)
	}
	if len(raw) > cimdMaxURLBytes {
		return bad("too long")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		return bad("want an absolute https URL")
	case u.User != nil:
		return bad("user information is not allowed")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("fragments are not allowed")
	case u.Path == "" || u.Path == "/":
		return bad("a path is required")
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." {
			return bad("dot segments are not allowed")
		}
	}
	return nil
}

type cimdDocument struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	ClientSecret            *string  `json:"client_secret"`
}

func (f *cimdFetcher) fetch(ctx context.Context, clientID string) (*client, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, cimdTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, newError(errInvalidClient, fmt.Sprintf("the client ID metadata document answered HTTP %d (redirects are not followed)", resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cimdMaxBody+1))
	if err != nil {
		return nil, 0, err
	}
	if len(body) > cimdMaxBody {
		return nil, 0, newError(errInvalidClient, "the client ID metadata document is larger than 64 KiB")
	}
	var doc cimdDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, 0, newError(errInvalidClient, "the client ID metadata document is not valid JSON")
	}
	switch {
	case doc.ClientID != clientID:
		return nil, 0, newError(errInvalidClient, "the client ID metadata document's client_id does not equal its URL")
	case doc.TokenEndpointAuthMethod != "" && doc.TokenEndpointAuthMethod != authMethodNone:
		return nil, 0, newError(errInvalidClient, "only public clients are supported: token_endpoint_auth_method must be none")
	case doc.ClientSecret != nil:
		return nil, 0, newError(errInvalidClient, "a client ID metadata document must not contain a client_secret")
	}
	if err := checkRedirectURIs(doc.RedirectURIs); err != nil {
		return nil, 0, newError(errInvalidClient, "the client ID metadata document is invalid: "+err.(*oauthError).Description)
	}
	c := &client{ID: clientID, Name: cleanName(doc.ClientName), RedirectURIs: doc.RedirectURIs, Document: true}
	return c, cacheAge(resp.Header.Get("Cache-Control")), nil
}

// cacheAge reads max-age from Cache-Control, bounded to a day; no-store
// and no-cache mean "do not cache".
func cacheAge(cc string) time.Duration {
	age := cimdDefaultAge
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			age = time.Duration(min(n, int64(cimdMaxAge/time.Second))) * time.Second
		}
	}
	return age
}

// nonPublic are the ranges a metadata document may never be fetched from
// besides what net.IP's predicates cover.
var nonPublic = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, broadcast
		"64:ff9b::/96",    // NAT64: embeds any IPv4 address
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard
		"2001::/32",       // Teredo
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4: embeds any IPv4 address
		"fec0::/10",       // deprecated site-local
	} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()

// isPublicIP reports whether ip is a global unicast address outside every
// private, loopback, link-local, CGNAT, multicast or special range.
func isPublicIP(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, n := range nonPublic {
		if n.Contains(ip) {
			return false
		}
	}
	return true
}
