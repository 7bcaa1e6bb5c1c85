package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// rawWorker is a load goroutine's own keep-alive HTTP/1.1 connection that
// writes one pre-built request and reads the response on the calling
// goroutine. net/http's Transport hands every request to a write loop and
// a read loop goroutine; on a 2-core machine shared with chmcp those
// wake-ups sit on the measured path and are the client's cost, not chmcp's.
// The request carries what http.Client sends (its User-Agent included).
type rawWorker struct {
	addr    string
	request []byte // the whole request: head and body
	conn    net.Conn
	br      *bufio.Reader
	body    bytes.Buffer
	err     error // from newRawWorker: every call fails with it
}

// newRawWorker prepares the request; it dials on its first call (and an
// unusable URL fails there).
func newRawWorker(rawURL string, header http.Header, body []byte) *rawWorker {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		return &rawWorker{err: err}
	case u.Scheme != "http":
		return &rawWorker{err: fmt.Errorf("the lean client speaks plain http, not %q (use -client net/http)", u.Scheme)}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Go-http-client/1.1\r\n", path, u.Host)
	if err := header.Write(&req); err != nil {
		return &rawWorker{err: err}
	}
	fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n", len(body))
	req.Write(body)
	return &rawWorker{addr: addr, request: req.Bytes()}
}

// close drops the connection, if any.
func (w *rawWorker) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// errStale: a kept connection the server had closed (chmcp's idle timeout
// between rounds, say); the request never reached it.
var errStale = errors.New("kept connection closed by the server")

// do sends the request and returns the response body (valid until the next
// call). A failed call drops the connection; a kept one the server had
// closed is redialled once, as http.Client does.
func (w *rawWorker) do(ctx context.Context) ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	b, err := w.roundTrip(ctx)
	if errors.Is(err, errStale) {
		w.close()
		b, err = w.roundTrip(ctx)
	}
	if err != nil {
		w.close()
	}
	return b, err
}

func (w *rawWorker) roundTrip(ctx context.Context) ([]byte, error) {
	kept := w.conn != nil
	if !kept {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", w.addr)
		if err != nil {
			return nil, err
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := w.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	conn := w.conn
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) }) // Ctrl-C ends a call in flight
	defer stop()
	if _, err := conn.Write(w.request); err != nil {
		return nil, staleIf(kept && ctx.Err() == nil, err)
	}
	if _, err := w.br.Peek(1); err != nil { // nothing came back
		return nil, staleIf(kept && ctx.Err() == nil, err)
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return nil, err
	}
	w.body.Reset()
	_, err = w.body.ReadFrom(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, err
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, abbrev(w.body.Bytes()))
	case resp.Close:
		w.close()
	}
	return w.body.Bytes(), nil
}

func staleIf(stale bool, err error) error {
	if stale {
		return fmt.Errorf("%w: %w", errStale, err)
	}
	return err
}
