package httpapi

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/jwe"
)

// listenerTrap is a TCP listener standing where a token might send chmcp:
// it records every byte it is sent and answers nothing.
type listenerTrap struct {
	ln    net.Listener
	mu    sync.Mutex
	got   bytes.Buffer
	conns int
	wg    sync.WaitGroup
}

func newListenerTrap(t *testing.T) *listenerTrap {
	t.Helper()
	tr := &listenerTrap{ln: listen(t)}
	tr.wg.Add(1)
	go func() {
		defer tr.wg.Done()
		for {
			c, err := tr.ln.Accept()
			if err != nil {
				return
			}
			tr.mu.Lock()
			tr.conns++
			tr.mu.Unlock()
			tr.wg.Add(1)
			go func() {
				defer tr.wg.Done()
				defer c.Close()
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				b, _ := io.ReadAll(io.LimitReader(c, 64<<10))
				tr.mu.Lock()
				tr.got.Write(b)
				tr.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() { tr.ln.Close(); tr.wg.Wait() })
	return tr
}

func (tr *listenerTrap) port() int { return tr.ln.Addr().(*net.TCPAddr).Port }

// received is what the trap was sent so far, and over how many connections.
func (tr *listenerTrap) received() (string, int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.got.String(), tr.conns
}

// TestJWEServerLoginStaysOnItsTarget: without a cluster secret, a token
// with no credentials of its own runs on the server's ClickHouse login.
// Naming only a port, a protocol or TLS must not move that login (and its
// password) to another listener on clickhouse.host: only to the server's
// own host:port and to server.jwe.allowed_targets. A token that carries its
// own credentials may go anywhere on an allowed host.
func TestJWEServerLoginStaysOnItsTarget(t *testing.T) {
	t.Parallel()
	trap := newListenerTrap(t)
	ts := startJWE(t, withJWE(withOpenAPI, func(c *config.Config) {
		c.ClickHouse.Username, c.ClickHouse.Password = chs(t).AdminUser, config.Secret(chs(t).AdminPassword)
		c.ClickHouse.DialTimeout = config.Duration(2 * time.Second)
		c.Server.JWE.AllowedTargets = []string{net.JoinHostPort(chs(t).Host, strconv.Itoa(chs(t).HTTPPort))}
	}))
	query := func(conn jwe.Connection) (int, string) {
		resp, body := post(t, ts.URL+"/openapi/execute_query", `{"query":"SELECT currentUser() AS u"}`,
			map[string]string{auth.HeaderJWE: mintTest(t, conn, time.Hour)})
		return resp.StatusCode, body
	}

	for name, conn := range map[string]jwe.Connection{
		"port":               {Port: trap.port()},
		"port and protocol":  {Port: trap.port(), Protocol: config.ProtocolHTTP},
		"protocol":           {Protocol: config.ProtocolHTTP}, // 8123, the protocol's default port
		"tls":                {TLS: new(true)},                // 9440
		"host spelled out":   {Host: chs(t).Host, Port: trap.port()},
		"database and port":  {Database: "system", Port: trap.port()},
		"password, no login": {Password: "x", Port: trap.port()},
	} {
		code, body := query(conn)
		if code != 403 || !strings.Contains(body, "access_denied") || !strings.Contains(body, "username") {
			t.Errorf("%s: %d %s, want 403 access_denied naming username", name, code, body)
		}
	}
	if got, conns := trap.received(); conns != 0 || strings.Contains(got, chs(t).AdminPassword) {
		t.Fatalf("the trap listener was contacted %d times (server password received: %v)", conns, strings.Contains(got, chs(t).AdminPassword))
	}

	// With credentials of its own the token may name the port: the trap
	// gets the token's password, never the server's.
	if code, body := query(jwe.Connection{Port: trap.port(), Username: "mallory", Password: "tokens-own-password"}); code < 500 {
		t.Fatalf("a query against a listener that answers nothing: %d %s", code, body)
	}
	waitUntil(t, 5*time.Second, func() bool { got, _ := trap.received(); return strings.Contains(got, "tokens-own-password") })
	if got, _ := trap.received(); strings.Contains(got, chs(t).AdminPassword) {
		t.Fatal("the server's password reached the trap listener")
	}

	// An allowed target takes the server's login: the same ClickHouse over HTTP.
	code, body := query(jwe.Connection{Protocol: config.ProtocolHTTP, Port: chs(t).HTTPPort})
	if code != 200 || !strings.Contains(body, `"`+chs(t).AdminUser+`"`) {
		t.Fatalf("allowed target: %d %s", code, body)
	}
	if logs := ts.Logs.String(); strings.Contains(logs, chs(t).AdminPassword) || strings.Contains(logs, "tokens-own-password") {
		t.Fatal("a password reached the logs")
	}
}
