package clickhouse

import (
	"context"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// node is one entry of clickhouse.host with its own one-connection pool.
// Queries go through the shared pool, which fails over between nodes by
// itself; these pools exist so that health checks and KILL QUERY can reach
// each node by name.
type node struct {
	addr string
	conn driver.Conn
}

// openNodes opens one single-connection pool per address, or none for a
// single address (the shared pool is then that node's).
func openNodes(addrs []string, open func(addrs []string, maxConns int) (driver.Conn, error)) ([]node, error) {
	if len(addrs) < 2 {
		return nil, nil
	}
	nodes := make([]node, 0, len(addrs))
	for _, a := range addrs {
		conn, err := open([]string{a}, 1)
		if err != nil {
			for _, n := range nodes {
				n.conn.Close()
			}
			return nil, err
		}
		nodes = append(nodes, node{addr: a, conn: conn})
	}
	return nodes, nil
}

// NodeStatus is one node's answer to CheckNodes: its ServerInfo, or the
// error (the JSON form flattens the info, absent on error).
type NodeStatus struct {
	Address string `json:"address"`
	OK      bool   `json:"ok"`
	*ServerInfo
	Error string `json:"error,omitempty"`
}

// CheckNodes runs Check's query on every clickhouse.host node at once and
// reports each, in list order. With a single node it is Check.
func (c *Client) CheckNodes(ctx context.Context) []NodeStatus {
	if len(c.nodes) == 0 {
		return []NodeStatus{c.checkNode(ctx, address(c.cfg), c.raw)}
	}
	out := make([]NodeStatus, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() { out[i] = c.checkNode(ctx, n.addr, n.conn) })
	}
	wg.Wait()
	return out
}

func (c *Client) checkNode(ctx context.Context, addr string, conn driver.Conn) NodeStatus {
	info, err := c.check(ctx, conn)
	if err != nil {
		return NodeStatus{Address: addr, Error: err.Error()}
	}
	return NodeStatus{Address: addr, OK: true, ServerInfo: &info}
}

// Check runs a real query (not just a protocol ping) so that every failure a
// tool call would hit (authentication, permissions) shows here first. It
// goes through the shared pool, so it succeeds while any node answers, on
// a connection callers cannot take (see gate), so busy callers do not
// make it fail.
func (c *Client) Check(ctx context.Context) (ServerInfo, error) {
	return c.check(ctx, c.raw)
}

func (c *Client) check(ctx context.Context, conn driver.Conn) (ServerInfo, error) {
	start := time.Now()
	var info ServerInfo
	// A native ping is not signed with the cluster secret and would pass
	// with a wrong one; a query as the fallback user is signed.
	qctx, queryID := c.statement(ctx, c.self, nil, nil)
	if err := conn.QueryRow(qctx, "SELECT version(), currentUser()").Scan(&info.Version, &info.User); err != nil {
		return ServerInfo{}, c.classify(err, queryID, c.self.RunAs)
	}
	info.LatencyMs = float64(time.Since(start).Microseconds()) / 1000
	return info, nil
}

// killTargets are the pools a KILL QUERY goes to: every node when there
// are several, since the shared pool may hand out a connection to another
// node than the one running the query.
func (c *Client) killTargets() []driver.Conn {
	if len(c.nodes) == 0 {
		return []driver.Conn{c.raw} // its reserved connection, not a caller's
	}
	out := make([]driver.Conn, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.conn
	}
	return out
}
