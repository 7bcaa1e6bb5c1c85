package clickhouse

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/config"
)

var srv *chtest.Server

func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m, chtest.Options{}, &srv)) }

// testConfig points a ClickHouse config at the harness server.
func testConfig(protocol string) config.ClickHouseConfig {
	cfg := config.Defaults().ClickHouse
	cfg.Host = srv.Host
	cfg.Protocol = protocol
	cfg.Port = srv.TCPPort
	if protocol == config.ProtocolHTTP {
		cfg.Port = srv.HTTPPort
	}
	return cfg
}

func newTestClient(t testing.TB, cfg config.ClickHouseConfig) *Client {
	t.Helper()
	c, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec(t testing.TB, sql string) string {
	t.Helper()
	out, err := srv.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
