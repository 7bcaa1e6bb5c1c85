package chtest

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestCluster: two nodes form one cluster; a Distributed table on either
// node reads both shards, and the shard-side subquery runs on the other
// node as the same user.
func TestCluster(t *testing.T) {
	dir := t.TempDir()
	c, err := StartCluster(t.Context(), 2, Options{Dir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	a, b := c.Nodes[0], c.Nodes[1]
	if a.ClusterSecret != b.ClusterSecret || a.AdminPassword != b.AdminPassword {
		t.Fatal("nodes must share the secret and admin password")
	}
	if a.Dir != filepath.Join(dir, "node1") || b.Dir != filepath.Join(dir, "node2") {
		t.Fatalf("node dirs %s, %s: want node1, node2 under %s", a.Dir, b.Dir, dir)
	}
	if c.Hosts() != a.TCPAddr()+","+b.TCPAddr() {
		t.Fatalf("Hosts() = %q", c.Hosts())
	}
	want := fmt.Sprintf("%d\n%d\n", a.TCPPort, b.TCPPort)
	for i, s := range c.Nodes {
		got := execOn(t, s, "SELECT port FROM system.clusters WHERE cluster = '"+s.ClusterName+"' ORDER BY shard_num")
		if got != want {
			t.Fatalf("node %d: cluster ports %q, want %q", i+1, got, want)
		}
		execOn(t, s, "CREATE TABLE default.t (n UInt8) ENGINE = MergeTree ORDER BY n")
		execOn(t, s, fmt.Sprintf("INSERT INTO default.t VALUES (%d)", i+1))
		execOn(t, s, "CREATE TABLE default.t_all AS default.t ENGINE = Distributed("+s.ClusterName+", default, t)")
	}
	marker := "chtest_cluster_marker"
	got, err := a.ExecAs(t.Context(), "alice", "SELECT groupArray(n) FROM (SELECT n FROM default.t_all WHERE toString(n) != '"+marker+"' ORDER BY n)")
	if err != nil || got != "[1,2]\n" {
		t.Fatalf("distributed read as alice: %q, %v", got, err)
	}
	execOn(t, b, "SYSTEM FLUSH LOGS")
	shard := execOn(t, b, "SELECT user, initial_user, is_initial_query FROM system.query_log WHERE type = 'QueryFinish' "+
		"AND query LIKE '%"+marker+"%' AND query NOT LIKE '%query_log%'")
	if shard != "alice\talice\t0\n" {
		t.Fatalf("shard-side query_log on node 2: %q, want alice alice 0", shard)
	}
}

func execOn(t *testing.T, s *Server, sql string) string {
	t.Helper()
	out, err := s.Exec(t.Context(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
