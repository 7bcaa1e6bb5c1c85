package clustertest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// hungNode accepts TCP connections and never answers: a node that is up
// at the network level but stuck (or a black-holing proxy).
func hungNode(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestHungFirstNode: a first node that accepts but never answers costs a
// new connection clickhouse.dial_timeout, then the next node answers; the
// pooled connection is reused without paying it again. /health names the
// hung node as down and stays 200.
func TestHungFirstNode(t *testing.T) {
	const dialTimeout = 300 * time.Millisecond
	hung := hungNode(t)
	cfg := cluster.SecretConfig("alice")
	cfg.Host = hung + "," + cluster.Nodes[1].TCPAddr()
	cfg.DialTimeout = config.Duration(dialTimeout)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	c := startChmcp(t, cfg)
	cs := c.connect(t)

	start := time.Now()
	r := mustQuery(t, cs, "SELECT getServerPort('tcp_port')")
	first := time.Since(start)
	if port := int(r.Rows[0][0].(float64)); port != cluster.Nodes[1].TCPPort {
		t.Fatalf("answered by port %d, want node 2 (%d)", port, cluster.Nodes[1].TCPPort)
	}
	start = time.Now()
	mustQuery(t, cs, "SELECT 1")
	second := time.Since(start)
	t.Logf("hung first node, dial_timeout %s: first call %s, next call on the pooled connection %s", dialTimeout, first, second)
	if first < dialTimeout || first > dialTimeout+2*time.Second {
		t.Errorf("first call took %s, want dial_timeout (%s) plus a little", first, dialTimeout)
	}
	if second > dialTimeout {
		t.Errorf("the pooled connection paid the dial timeout again: %s", second)
	}

	code, health := getJSON(t, c.URL+"/health")
	down, _ := health["down"].([]any)
	if code != 200 || health["status"] != "degraded" || len(down) != 1 || down[0] != hung {
		t.Fatalf("/health with a hung node: %d %v", code, health)
	}
}
