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

func TestMain(m *testing.M) {
	os.Exit(chtest.RunMain(m, chtest.Options{ExtraUsers: constrainedUsers, ExtraProfiles: constrainedProfile}, &srv))
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
