package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

var chs *chtest.Server

func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m, chtest.Options{}, &chs)) }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	URL  string
	Logs *syncBuffer
	stop context.CancelFunc
	done chan error
}

// startServer runs chmcp's HTTP server on a free loopback port against the
// harness ClickHouse; mutate adjusts the configuration first.
func startServer(t *testing.T, mutate func(*config.Config)) *testServer {
	t.Helper()
	return startServerWith(t, mutate, nil)
}

// startServerWith is startServer with an authorizer built from the final
// configuration, its ClickHouse client and the server's own URL.
func startServerWith(t *testing.T, mutate func(*config.Config), auth func(cfg config.Config, ch *clickhouse.Client) Authorizer) *testServer {
	t.Helper()
	cfg := config.Defaults()
	cfg.ClickHouse.Host = chs.Host
	cfg.ClickHouse.Port = chs.TCPPort
	cfg.Server.Transport = config.TransportHTTP
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ch, err := clickhouse.New(cfg.ClickHouse, log)
	if err != nil {
		t.Fatal(err)
	}
	ln := listener(t)
	var a Authorizer
	if auth != nil {
		a = auth(cfg, ch)
	}
	ctx, stop := context.WithCancel(context.Background())
	ts := &testServer{URL: "http://" + ln.Addr().String(), Logs: logs, stop: stop, done: make(chan error, 1)}
	srv := New(cfg.Server, ch, mcp.NewService(ch, log, "test", mcp.WithToolRules(cfg.Server.Tools, cfg.Server.ToolsCacheTTL.D())), a, log)
	go func() { ts.done <- srv.Serve(ctx, ln); ch.Close() }()
	t.Cleanup(func() { stop(); <-ts.done })
	return ts
}

// preListened hands a listener picked before the configuration was final
// (the OAuth issuer must name the port) to the next startServerWith.
var preListened net.Listener

func listener(t *testing.T) net.Listener {
	t.Helper()
	if ln := preListened; ln != nil {
		preListened = nil
		return ln
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
