package chtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Shared is the server one test binary's integration tests share. It
// starts on the first Server call, so a run of tests that need no
// ClickHouse (go test -run TestPureFunction) starts none; with ExternalEnv
// set it is that external server instead. Its TestMain must end with Run.
//
//	var harness = chtest.NewShared(chtest.Options{})
//	func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }
//	func chs(t testing.TB) *chtest.Server { return harness.Server(t) }
type Shared struct {
	opts Options
	once sync.Once
	srv  *Server
	err  error
}

// NewShared is a shared server with opts; nothing starts yet.
func NewShared(opts Options) *Shared { return &Shared{opts: opts} }

// Server returns the shared server, starting it first if no test has. When
// none can be had it fails t with what to do (the full story is printed
// once on stderr): integration tests never skip.
func (s *Shared) Server(t testing.TB) *Server {
	t.Helper()
	s.once.Do(func() { s.srv, s.err = startShared(s.opts) })
	if s.err != nil {
		t.Fatalf("%v", s.err)
	}
	return s.srv
}

// Run runs the tests, then stops the server if one was started.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	s.once.Do(func() {}) // no test may start it from now on
	if s.srv != nil {
		if err := s.srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "chtest: stopping ClickHouse: %v\n", err)
		}
	}
	return code
}

// startShared connects to the external server or starts the engine, and
// says loudly on stderr why it could not.
func startShared(opts Options) (*Server, error) {
	// Generous: a cold start downloads ~178 MB first.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if External() {
		s, err := connectExternal(ctx, opts)
		if err != nil {
			loud("the external ClickHouse cannot be used", err)
			return nil, fmt.Errorf("chtest: no ClickHouse (see the message above): %w", err)
		}
		return s, nil
	}
	// Engine progress always goes to stderr: a silent one-time 15 s download looks like a hang.
	if _, err := EnsureEngine(ctx, stderrf); err != nil {
		loud("could not obtain the ClickHouse engine", err)
		return nil, fmt.Errorf("chtest: no ClickHouse engine (see the message above): %w", err)
	}
	s, err := Start(ctx, opts)
	if err != nil {
		loud("could not start ClickHouse", err)
		return nil, fmt.Errorf("chtest: could not start ClickHouse (see the message above): %w", err)
	}
	return s, nil
}

// StartOwn starts a server of the test's own (one it may kill, freeze or
// restart), stopped when the test ends. With ExternalEnv set it fails the
// test: an external server is not a process the test may signal.
func StartOwn(t testing.TB, opts Options) *Server {
	t.Helper()
	if External() {
		t.Fatalf("chtest: this test needs a ClickHouse process of its own (to kill, freeze or restart it), "+
			"which %s (an external server) cannot provide: run it without %s (docs/testing.md)", ExternalEnv, ExternalEnv)
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}
