// Package metricstest reads a Prometheus text exposition in tests: scrape
// a handler or a URL, then check the sample lines of one metric. It does
// not import internal/metrics, so that package's own tests can use it.
package metricstest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// Scrape GETs /metrics from h and returns the body; anything but 200 fails t.
func Scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// Get scrapes url (a full /metrics URL); anything but a 200 in the
// Prometheus text format fails t.
func Get(t testing.TB, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s\n%.300s", url, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	return string(body)
}

// NonZero returns the sample lines of metric name (exactly that name, not
// its _bucket/_sum/_count series unless named) whose value is not 0,
// sorted.
func NonZero(exposition, name string) []string {
	var out []string
	for line := range strings.Lines(exposition) {
		line = strings.TrimSuffix(line, "\n")
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		if strings.HasSuffix(line, " 0") {
			continue
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// Expect fails t unless the non-zero sample lines of metric name are
// exactly want (sorted; none when want is empty).
func Expect(t testing.TB, exposition, name string, want ...string) {
	t.Helper()
	if got := NonZero(exposition, name); !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", name, got, want)
	}
}

// Status GETs url and returns the status code, discarding the body.
func Status(t testing.TB, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// ServeLoopback runs serve (a Metrics.Serve) on a fresh loopback listener
// until the test ends, then checks it returned cleanly; it returns the
// base URL.
func ServeLoopback(t testing.TB, serve func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
