package clickhouse

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestNativeToHTTPPortHint: the native protocol pointed at ClickHouse's HTTP
// port gets an HTTP answer to its handshake; the error says so and what to
// write, instead of "[handshake] unexpected packet [72]".
func TestNativeToHTTPPortHint(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Port = srv(t).HTTPPort
	_, err := newTestClient(t, cfg).Check(context.Background())
	var ce *ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConnectionError, got %T %v", err, err)
	}
	for _, want := range []string{"ClickHouse's HTTP port", "protocol: http", "9000/9440"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestUnknownHostHint: a name that does not resolve says so and names the key.
func TestUnknownHostHint(t *testing.T) {
	cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
	cfg.Host = "no-such-host.invalid"
	_, err := newTestClient(t, cfg).Check(context.Background())
	var ce *ConnectionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `cannot resolve clickhouse.host "no-such-host.invalid"`) {
		t.Fatalf("want a DNS hint, got %v", err)
	}
}
