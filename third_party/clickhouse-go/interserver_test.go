package clickhouse

import (
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

// Only interserver-secret mode declares the V2 revision; a password login
// keeps the revision (and so the protocol) of upstream v2.51.0.
func TestClientRevision(t *testing.T) {
	if got := clientRevision(&Options{}); got != proto.DBMS_TCP_PROTOCOL_VERSION {
		t.Fatalf("password mode revision = %d, want 54460", got)
	}
	cluster := &Options{Cluster: ClusterCredentials{Name: "c", Secret: "s"}}
	if got := clientRevision(cluster); got != 54462 {
		t.Fatalf("cluster mode revision = %d, want 54462", got)
	}
}
