package clickhouse

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/chmcp/chmcp/internal/config"
)

// connectHint explains the connection failures a wrong host, port or
// protocol produces, in terms of the keys to fix; "" when err is none of
// them. It is kept apart from classify so that outage classification can
// change without touching these configuration hints.
func connectHint(err error, cfg config.ClickHouseConfig) string {
	addr := address(cfg)
	var dnsErr *net.DNSError
	switch {
	case cfg.Protocol == config.ProtocolTCP && httpAnswer(err):
		return fmt.Sprintf("ClickHouse at %s answered the native-protocol handshake with HTTP: this is ClickHouse's HTTP port; "+
			"use protocol: http (clickhouse.protocol) or the native port (9000/9440) in clickhouse.port", addr)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve clickhouse.host %q (%s): check the host name, or use an IP address", cfg.Host, dnsErr.Err)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("cannot reach ClickHouse at %s: no route to the host; check clickhouse.host and the network between chmcp and ClickHouse", addr)
	}
	return ""
}

// httpAnswer: the native handshake's first byte was 'H' (72) of "HTTP/1.1",
// which clickhouse-go reports as an unexpected packet.
func httpAnswer(err error) bool {
	return strings.Contains(err.Error(), "[handshake] unexpected packet [72]")
}
