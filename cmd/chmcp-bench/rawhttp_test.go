package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawWorker: the lean client sends what http.Client would (method,
// path, headers, body), keeps its connection alive, redials after the
// server closes it, and reports a non-200 answer as an error.
func TestRawWorker(t *testing.T) {
	hangs := make(chan struct{})
	var conns atomic.Int64
	var status atomic.Int64
	status.Store(http.StatusOK)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/mcp" || r.Header.Get("Mcp-Method") != "tools/call" || string(body) != `{"x":1}` {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		if r.Header.Get("X-Hang") != "" {
			<-hangs
			return
		}
		if r.Header.Get("X-Close") != "" {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, "answer "+r.Host)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(hangs) // before Close, which waits for the hanging handler

	header := http.Header{"Mcp-Method": {"tools/call"}, "Content-Type": {"application/json"}}
	w := newRawWorker(srv.URL+"/mcp", header, []byte(`{"x":1}`))
	for range 3 {
		b, err := w.do(context.Background())
		if err != nil || !strings.HasPrefix(string(b), "answer 127.0.0.1:") {
			t.Fatalf("answer %q, %v", b, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 3 calls, want 1 (keep-alive)", n)
	}

	closing := newRawWorker(srv.URL+"/mcp", http.Header{"Mcp-Method": {"tools/call"}, "X-Close": {"1"}}, []byte(`{"x":1}`))
	for range 2 {
		if _, err := closing.do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3: the closing worker must redial", n)
	}

	// A kept connection the server closed meanwhile is redialled, not an error.
	srv.CloseClientConnections()
	if _, err := w.do(context.Background()); err != nil {
		t.Fatalf("after the server closed the kept connection: %v", err)
	}
	if n := conns.Load(); n != 4 {
		t.Fatalf("%d connections, want 4: one redial", n)
	}

	// Cancelling the context ends a call in flight.
	slow := newRawWorker(srv.URL+"/mcp", http.Header{"Mcp-Method": {"tools/call"}, "X-Hang": {"1"}}, []byte(`{"x":1}`))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	if _, err := slow.do(ctx); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled call: err %v after %s", err, time.Since(start))
	}

	if w := newRawWorker("https://127.0.0.1:1/", nil, nil); w.err == nil {
		t.Error("https accepted by the plain-http client")
	}

	status.Store(http.StatusServiceUnavailable)
	if _, err := w.do(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("a 503 answer: err = %v", err)
	}
}
