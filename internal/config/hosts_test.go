package config

import (
	"slices"
	"testing"
)

func TestAddresses(t *testing.T) {
	tests := []struct {
		host     string
		port     int
		protocol string
		want     []string
	}{
		{"localhost", 0, ProtocolTCP, []string{"localhost:9000"}},
		{"localhost", 0, ProtocolHTTP, []string{"localhost:8123"}},
		{"ch-1:9001, ch-2", 9440, ProtocolTCP, []string{"ch-1:9001", "ch-2:9440"}},
		{"::1,[::1]:9002,[fe80::1]", 0, ProtocolTCP, []string{"[::1]:9000", "[::1]:9002", "[fe80::1]:9000"}},
	}
	for _, tt := range tests {
		c := Defaults().ClickHouse
		c.Host, c.Port, c.Protocol = tt.host, tt.port, tt.protocol
		if got := c.Addresses(); !slices.Equal(got, tt.want) {
			t.Errorf("Addresses(%q, port %d) = %q, want %q", tt.host, tt.port, got, tt.want)
		}
	}
}

func TestHasHostAndLoopback(t *testing.T) {
	c := Defaults().ClickHouse
	c.Host = "127.0.0.1:9000,CH-2.internal:9001"
	if !c.HasHost("ch-2.internal") || !c.HasHost("127.0.0.1") || c.HasHost("ch-3.internal") || c.HasHost("127.0.0.1:9000") {
		t.Error("HasHost: want the list's host names (any case, no port) and nothing else")
	}
	if c.AllLoopback() {
		t.Error("AllLoopback with a non-loopback entry")
	}
	c.Host = "localhost,[::1]:9001,127.0.0.2"
	if !c.AllLoopback() {
		t.Error("AllLoopback: every entry is loopback")
	}
}
