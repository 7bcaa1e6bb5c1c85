package chtest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func openNative(t *testing.T, opts clickhouse.Options) clickhouse.Conn {
	t.Helper()
	opts.Addr = []string{srv(t).TCPAddr()}
	opts.DialTimeout = 5 * time.Second
	conn, err := clickhouse.Open(&opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A bad native login used to abort clickhouse-local ("Terminate called for uncaught
// exception"); the launcher's --interactive + pty setup must keep the server up.
func TestWrongPasswordOverNativeKeepsServerUp(t *testing.T) {
	bad := openNative(t, clickhouse.Options{Auth: clickhouse.Auth{Username: srv(t).AdminUser, Password: "wrong"}})
	err := bad.Ping(t.Context())
	if err == nil || !strings.Contains(err.Error(), "516") {
		t.Fatalf("ping with a wrong password: %v, want code 516", err)
	}
	assertAlive(t, srv(t))

	good := openNative(t, clickhouse.Options{Auth: clickhouse.Auth{Username: srv(t).AdminUser, Password: srv(t).AdminPassword}})
	var user string
	if err := good.QueryRow(t.Context(), "SELECT currentUser()").Scan(&user); err != nil || user != srv(t).AdminUser {
		t.Fatalf("native login as admin: %q %v", user, err)
	}
}

func TestGarbageOnNativePortKeepsServerUp(t *testing.T) {
	c, err := net.Dial("tcp", srv(t).TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.0\r\n\r\n\x00\x01\x02\xff garbage"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [512]byte
	c.Read(buf[:]) // whatever the server answers before closing
	c.Close()
	assertAlive(t, srv(t))
}

// The generated <remote_servers> secret must let a client act as a cluster peer and
// run each query as another user over one connection.
func TestInterserverSecret(t *testing.T) {
	conn := openNative(t, clickhouse.Options{
		Cluster: clickhouse.ClusterCredentials{Name: srv(t).ClusterName, Secret: srv(t).ClusterSecret},
		Auth:    clickhouse.Auth{Username: "default"},
	})
	for _, want := range []string{"alice", "bob", "alice"} {
		var got string
		ctx := clickhouse.Context(t.Context(), clickhouse.WithInitialUser(want))
		if err := conn.QueryRow(ctx, "SELECT currentUser()").Scan(&got); err != nil || got != want {
			t.Fatalf("as %s: currentUser() = %q, %v", want, got, err)
		}
	}

	wrong := openNative(t, clickhouse.Options{
		Cluster: clickhouse.ClusterCredentials{Name: srv(t).ClusterName, Secret: "not-the-secret"},
		Auth:    clickhouse.Auth{Username: "default"},
	})
	var got string
	ctx := clickhouse.Context(t.Context(), clickhouse.WithInitialUser("alice"))
	if err := wrong.QueryRow(ctx, "SELECT currentUser()").Scan(&got); err == nil {
		t.Fatalf("wrong cluster secret accepted, currentUser() = %q", got)
	}
	assertAlive(t, srv(t))
}
