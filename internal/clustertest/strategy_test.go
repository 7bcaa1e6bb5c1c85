package clustertest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

var bob = identity.Identity{User: "bob", Source: identity.SourceEmail}

func newClient(t *testing.T, cfg config.ClickHouseConfig) *clickhouse.Client {
	t.Helper()
	if err := (config.Config{ClickHouse: cfg, Server: config.Defaults().Server, Logging: config.Defaults().Logging}).Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := clickhouse.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRoundRobinSpreads: round_robin opens new connections on the nodes in
// turn, so concurrent queries land on both (in_order keeps them on node 1,
// as TestFailover checks before its kill).
func TestRoundRobinSpreads(t *testing.T) {
	cfg := cluster.SecretConfig("alice")
	cfg.ConnOpenStrategy = config.ConnOpenRoundRobin
	c := newClient(t, cfg)
	ports := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	// Released together, each holding its connection for 0.5 s: the pool
	// must open four (a loaded machine cannot serialise them onto one).
	ready := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			<-ready
			r, err := c.Query(t.Context(), bob, "SELECT getServerPort('tcp_port'), sleep(0.5)", clickhouse.QueryOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ports[string(r.Rows[0])] = true
			mu.Unlock()
		})
	}
	close(ready)
	wg.Wait()
	if len(ports) != 2 {
		t.Fatalf("4 concurrent queries with round_robin reached %d node(s) %v, want both", len(ports), ports)
	}
}

// TestKillReachesTheRightNode: a cancelled query is killed on the node that
// runs it. Over HTTP the server does not stop a SELECT when the client goes
// away, so the KILL QUERY chmcp sends must reach that node; with
// round_robin the pool's next connection goes to the other one.
func TestKillReachesTheRightNode(t *testing.T) {
	cfg := cluster.ClickHouseConfig()
	cfg.Protocol = config.ProtocolHTTP
	cfg.Host = fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d", cluster.Nodes[0].HTTPPort, cluster.Nodes[1].HTTPPort)
	cfg.ConnOpenStrategy = config.ConnOpenRoundRobin
	cfg.MaxExecutionTime = 0
	c := newClient(t, cfg)
	marker := fmt.Sprintf("kill_%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := c.Query(ctx, identity.Identity{}, "SELECT count(), '"+marker+"' FROM numbers(100) WHERE sleepEachRow(0.05) = 0 SETTINGS max_block_size = 1", clickhouse.QueryOptions{})
	var ce *clickhouse.CancelledError
	if !errors.As(err, &ce) {
		t.Fatalf("want a cancelled query, got %v", err)
	}
	running := "SELECT count() FROM system.processes WHERE query LIKE '%" + marker + "%' AND query NOT LIKE '%system.processes%'"
	deadline := time.Now().Add(3 * time.Second)
	for {
		var left []string
		for i, s := range cluster.Nodes {
			if n := strings.TrimSpace(execOn(t, s, running)); n != "0" {
				left = append(left, fmt.Sprintf("node %d: %s", i+1, n))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled query still runs 3s later (%s): KILL QUERY went to another node", strings.Join(left, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
