package chstore

import (
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/oauth/storetest"
)

var harness = chtest.NewShared(chtest.Options{})

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func srv(t testing.TB) *chtest.Server { return harness.Server(t) }

func TestClickHouseStore(t *testing.T) {
	for name, cfg := range map[string]config.ClickHouseConfig{
		"password":       srv(t).ClickHouseConfig(config.ProtocolTCP),
		"http":           srv(t).ClickHouseConfig(config.ProtocolHTTP),
		"cluster secret": srv(t).SecretConfig("default"),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := clickhouse.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			s, err := New(t.Context(), c, "default.chmcp_oauth_state")
			if err != nil {
				t.Fatal(err)
			}
			storetest.Run(t, s)
		})
	}
	if _, err := New(t.Context(), nil, "bad name; DROP"); err == nil {
		t.Fatal("invalid table name accepted")
	}
}
