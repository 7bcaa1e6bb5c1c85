package clustertest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDistributedAsThePerson: with the cluster secret, chmcp's queries
// are initial queries run as the person, so a Distributed table behaves
// as for any client, on a fresh connection and on a reused one alike: each
// step runs three times on one pooled connection (max_open_conns 1).
func TestDistributedAsThePerson(t *testing.T) {
	receiving, other := cluster.Nodes[0], cluster.Nodes[1]
	for i, s := range cluster.Nodes {
		region := []string{"east", "west"}[i]
		execOn(t, s, "CREATE TABLE IF NOT EXISTS default.sales (region String, amount UInt32) ENGINE = MergeTree ORDER BY region")
		execOn(t, s, "TRUNCATE TABLE default.sales")
		execOn(t, s, fmt.Sprintf("INSERT INTO default.sales SELECT '%s', number FROM numbers(%d)", region, 3+i))
		execOn(t, s, "CREATE TABLE IF NOT EXISTS default.sales_all AS default.sales ENGINE = Distributed("+s.ClusterName+", default, sales)")
	}
	cfg := cluster.SecretConfig("bob") // the fallback user; the token names carol
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	cfg.Host = receiving.TCPAddr() // one receiving node, so its logs tell the whole story
	c := startChmcpJWE(t, cfg)
	cs := c.connectAs(t, "carol")
	logBefore := len(receiving.ServerLog())
	marker := fmt.Sprintf("m%d", time.Now().UnixNano())

	for run := 1; run <= 3; run++ {
		r := mustQuery(t, cs, "SELECT region, count() FROM default.sales_all WHERE region != '"+marker+"' GROUP BY 1 ORDER BY 1")
		if got := fmt.Sprint(r.Rows); got != "[[east 3] [west 4]]" || r.User != "carol" {
			t.Fatalf("run %d: GROUP BY 1 over both shards: %s as %q, want [[east 3] [west 4]] as carol", run, got, r.User)
		}
		r = mustQuery(t, cs, "SELECT currentUser(), count() FROM default.sales_all WHERE region != '"+marker+"'")
		if got := fmt.Sprint(r.Rows); got != "[[carol 7]]" {
			t.Fatalf("run %d: currentUser() over the Distributed table: %s, want [[carol 7]]", run, got)
		}
		r = mustQuery(t, cs, "SELECT getSetting('allow_experimental_analyzer'), '"+marker+"'")
		if got := fmt.Sprint(r.Rows); got != "[[true "+marker+"]]" {
			t.Fatalf("run %d: the analyzer setting: %s, want true on every query of the connection", run, got)
		}
	}

	execOn(t, receiving, "SYSTEM FLUSH LOGS")
	execOn(t, other, "SYSTEM FLUSH LOGS")
	const cols = "SELECT user, initial_user, is_initial_query, count() FROM system.query_log WHERE type = 'QueryFinish' " +
		"AND query LIKE '%"
	const tail = "%' AND query NOT LIKE '%query_log%' GROUP BY ALL ORDER BY ALL"
	if got := execOn(t, receiving, cols+marker+tail); got != "carol\tcarol\t1\t9\n" {
		t.Errorf("query_log on the receiving node: %q, want carol carol 1 (9 queries)", got)
	}
	// The shard-side subqueries of the six Distributed reads run on the
	// other node as the same person, as secondary queries.
	if got := execOn(t, other, cols+marker+tail); got != "carol\tcarol\t0\t6\n" {
		t.Errorf("query_log on the other shard: %q, want carol carol 0 (6 subqueries)", got)
	}
	if log := receiving.ServerLog()[logBefore:]; strings.Contains(log, "deprecated interserver protocol") {
		t.Errorf("the receiving node logged the deprecated (V1, no nonce) interserver handshake for chmcp:\n%s", grepLines(log, "deprecated interserver"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
