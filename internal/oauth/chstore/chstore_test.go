package chstore

import (
	"context"
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/oauth/storetest"
)

var srv *chtest.Server

func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m, chtest.Options{}, &srv)) }

func TestClickHouseStore(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(map[bool]string{false: "password", true: "cluster secret"}[secret], func(t *testing.T) {
			cfg := config.Defaults().ClickHouse
			cfg.Host, cfg.Port = srv.Host, srv.TCPPort
			if secret {
				cfg.ClusterName, cfg.ClusterSecret = srv.ClusterName, config.Secret(srv.ClusterSecret)
			}
			c, err := clickhouse.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			s, err := New(context.Background(), c, "default.chmcp_oauth_state")
			if err != nil {
				t.Fatal(err)
			}
			storetest.Run(t, s)
		})
	}
	if _, err := New(context.Background(), nil, "bad name; DROP"); err == nil {
		t.Fatal("invalid table name accepted")
	}
}
