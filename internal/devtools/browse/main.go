// Command browse plays a person's browser through chmcp's OAuth login, for
// tests that print an authorization URL and wait for someone to log in (the
// MCP conformance suite's authorization-code-grant scenario).
//
//	browse 'http://127.0.0.1:8080/oauth/authorize?client_id=...&redirect_uri=...'
//	echo "$url" | browse
//
// It keeps cookies and follows redirects hop by hop. On chmcp's consent page
// it submits the form with the "approve" button, with the Origin header a
// browser sends; the mock identity provider (internal/devtools/mockidp)
// logs in without a page; chmcp's callback redirects to the client's
// redirect_uri, which browse finally requests, as a browser would, so the
// waiting client receives the code. Only http(s) URLs on the loopback
// interface (127.0.0.1, ::1, localhost) are followed. Any other page, status
// or redirect, an error sent to the redirect_uri, or a consent page shown
// twice ends it with a non-zero exit status and a message naming the step.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

const maxBody = 1 << 20

func main() {
	log.SetFlags(0)
	log.SetPrefix("browse: ")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	maxHops := flag.Int("max-hops", 20, "give up after this many requests")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: browse [flags] [authorization-url]  (else the first line of stdin)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	raw, err := startURL(flag.Args())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := browse(ctx, raw, *maxHops); err != nil {
		log.Printf("FAILED: %v", err)
		cancel()
		os.Exit(1)
	}
}

func startURL(args []string) (string, error) {
	switch len(args) {
	case 1:
		return strings.TrimSpace(args[0]), nil
	case 0:
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if line = strings.TrimSpace(line); line == "" {
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("no authorization URL given (argument or stdin)")
			}
			return "", err
		}
		return line, nil
	default:
		return "", fmt.Errorf("expected one URL, got %d arguments", len(args))
	}
}

func browse(ctx context.Context, raw string, maxHops int) error {
	start, err := allowed(raw)
	if err != nil {
		return fmt.Errorf("authorization URL: %w", err)
	}
	ru := start.Query().Get("redirect_uri")
	if ru == "" {
		return errors.New("the authorization URL has no redirect_uri")
	}
	redirect, err := allowed(ru)
	if err != nil {
		return fmt.Errorf("redirect_uri: %w", err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		// Every hop is checked and logged here, not followed by net/http.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	method, target, form := http.MethodGet, start, url.Values(nil)
	var origin string // of the page that posted the form
	consented := false
	for hop := 1; hop <= maxHops; hop++ {
		if sameEndpoint(target, redirect) {
			return deliver(ctx, client, target)
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
		if err != nil {
			return err
		}
		browserHeaders(req)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
		}
		resp, page, err := fetch(client, req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, show(target), err)
		}
		step := fmt.Sprintf("%s %s -> %d", method, show(target), resp.StatusCode)
		switch {
		case isRedirect(resp.StatusCode):
			loc, err := resp.Location()
			if err != nil {
				return fmt.Errorf("%s: redirect without a usable Location: %v", step, err)
			}
			if method != http.MethodGet && (resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect) {
				return fmt.Errorf("%s: a form post redirected with %d (the browser would post the form again to %s)", step, resp.StatusCode, show(loc))
			}
			if target, err = allowed(loc.String()); err != nil {
				return fmt.Errorf("%s: redirect refused: %w", step, err)
			}
			log.Printf("%s %s", step, show(target))
			method, form = http.MethodGet, nil
		case resp.StatusCode == http.StatusOK && isHTML(resp):
			f, err := consentForm(page)
			if err != nil {
				return fmt.Errorf("%s: unexpected page (%v): %s", step, err, excerpt(page))
			}
			if consented {
				return fmt.Errorf("%s: the consent page came back after approving: %s", step, excerpt(page))
			}
			consented = true
			action, err := target.Parse(f.action)
			if err != nil {
				return fmt.Errorf("%s: consent form action %q: %v", step, f.action, err)
			}
			if action, err = allowed(action.String()); err != nil {
				return fmt.Errorf("%s: consent form action: %w", step, err)
			}
			log.Printf("%s consent page %q; approving", step, f.title)
			origin = target.Scheme + "://" + target.Host
			method, target, form = http.MethodPost, action, f.values
		default:
			return fmt.Errorf("%s: unexpected response (%s): %s", step, resp.Header.Get("Content-Type"), excerpt(page))
		}
	}
	return fmt.Errorf("gave up after %d requests without reaching the redirect_uri %s", maxHops, show(redirect))
}

// deliver requests the client's redirect_uri, as the browser does at the end
// of the flow, then reports what the authorization server sent there.
func deliver(ctx context.Context, client *http.Client, target *url.URL) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return err
	}
	browserHeaders(req)
	resp, page, err := fetch(client, req)
	if err != nil {
		return fmt.Errorf("GET %s (the client's redirect_uri): %w", show(target), err)
	}
	log.Printf("GET %s -> %d (the client's redirect_uri)", show(target), resp.StatusCode)
	q := target.Query()
	switch {
	case q.Has("error"):
		return fmt.Errorf("the authorization server sent an error to the client: error=%q error_description=%q", q.Get("error"), q.Get("error_description"))
	case q.Get("code") == "":
		return errors.New("the authorization server sent no code to the client")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("the client's redirect_uri answered %d: %s", resp.StatusCode, excerpt(page))
	}
	log.Printf("ok: the client received an authorization code")
	return nil
}

func fetch(client *http.Client, req *http.Request) (*http.Response, string, error) {
	resp, err := client.Do(req)
	if err != nil {
		// Not net/http's url.Error: its message repeats the URL, codes and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, "", fmt.Errorf("reading the response: %w", err)
	}
	return resp, string(b), nil
}

func browserHeaders(req *http.Request) {
	req.Header.Set("User-Agent", "chmcp-browse/1 (headless test browser)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
}

// allowed parses an absolute http(s) URL on the loopback interface.
func allowed(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: only http(s) URLs are followed", show(u))
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%s: only 127.0.0.1, ::1 and localhost are followed", show(u))
	}
	return u, nil
}

func sameEndpoint(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Host, b.Host) && a.Path == b.Path
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func isHTML(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/html"
}

// show names a URL in logs: its parameter names, not their values (codes,
// state and tickets stay out of logs).
func show(u *url.URL) string {
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if q := u.Query(); len(q) > 0 {
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		s += "?" + strings.Join(names, "&")
	}
	return s
}

var (
	formRe   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form\s*>`)
	inputRe  = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	buttonRe = regexp.MustCompile(`(?is)<button\b([^>]*)>`)
	attrRe   = regexp.MustCompile(`(?s)([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
	titleRe  = regexp.MustCompile(`(?is)<h1\b[^>]*>(.*?)</h1\s*>`)
	tagRe    = regexp.MustCompile(`(?s)<[^>]*>`)
	headRe   = regexp.MustCompile(`(?is)<head\b.*?</head\s*>`)
	styleRe  = regexp.MustCompile(`(?is)<(style|script)\b.*?</(style|script)\s*>`)
)

type form struct {
	action string
	values url.Values
	title  string
}

// consentForm finds chmcp's consent form: one POST form with hidden inputs
// and a submit button name="action" value="approve". values is what a
// browser sends when that button is clicked.
func consentForm(page string) (*form, error) {
	forms := formRe.FindAllStringSubmatch(page, -1)
	if len(forms) != 1 {
		return nil, fmt.Errorf("want one form, found %d", len(forms))
	}
	fa := attrs(forms[0][1])
	if !strings.EqualFold(fa["method"], "post") {
		return nil, fmt.Errorf("the form's method is %q, not post", fa["method"])
	}
	f := &form{action: fa["action"], values: url.Values{}}
	for _, m := range inputRe.FindAllStringSubmatch(forms[0][2], -1) {
		a := attrs(m[1])
		if a["name"] == "" {
			continue
		}
		switch t := strings.ToLower(a["type"]); t {
		case "hidden", "text", "":
			f.values.Add(a["name"], a["value"])
		default:
			return nil, fmt.Errorf("unexpected input type %q in the form", t)
		}
	}
	approve := false
	for _, m := range buttonRe.FindAllStringSubmatch(forms[0][2], -1) {
		a := attrs(m[1])
		if t := strings.ToLower(a["type"]); (t == "" || t == "submit") && a["name"] == "action" && a["value"] == "approve" {
			approve = true
		}
	}
	if !approve {
		return nil, errors.New(`the form has no submit button name="action" value="approve"`)
	}
	if f.values.Get("consent") == "" {
		return nil, errors.New("the form has no consent ticket")
	}
	f.values.Set("action", "approve")
	if t := titleRe.FindStringSubmatch(page); t != nil {
		f.title = text(t[1])
	}
	return f, nil
}

// attrs parses a tag's attributes; names are lower-cased, values unescaped.
func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(s, -1) {
		name := strings.ToLower(m[1])
		if _, dup := out[name]; dup {
			continue // the first one wins, as in HTML
		}
		out[name] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

func text(s string) string {
	s = headRe.ReplaceAllString(s, " ")
	s = styleRe.ReplaceAllString(s, " ")
	s = html.UnescapeString(tagRe.ReplaceAllString(s, " "))
	return strings.Join(strings.Fields(s), " ")
}

// excerpt is the readable text of a response body, shortened.
func excerpt(body string) string {
	t := text(body)
	if t == "" {
		return "(empty body)"
	}
	if len(t) > 400 {
		t = t[:400] + "..."
	}
	return t
}
