package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Connection open strategies (clickhouse.conn_open_strategy): which node of
// the clickhouse.host list a new connection tries first.
const (
	ConnOpenInOrder    = "in_order"    // the first node that answers, in list order
	ConnOpenRoundRobin = "round_robin" // rotate the starting node per new connection
	ConnOpenRandom     = "random"      // a random starting node per new connection
)

var allowedConnOpenStrategies = []string{ConnOpenInOrder, ConnOpenRoundRobin, ConnOpenRandom}

// Compression of data blocks on the native protocol (clickhouse.compression).
const (
	CompressionNone = "none"
	CompressionLZ4  = "lz4"
	CompressionZSTD = "zstd"
)

var allowedCompressions = []string{CompressionNone, CompressionLZ4, CompressionZSTD}

// Endpoint is one entry of clickhouse.host.
type Endpoint struct {
	Host string // bare host name or IP address (IPv6 without brackets)
	Port int    // 0 = clickhouse.port, else the protocol default
}

// ParseHosts splits a clickhouse.host value, a comma-separated list of
// host[:port] entries (IPv6 as [addr]:port, or a bare addr without port).
// The error names the entry and why it is wrong.
func ParseHosts(s string) ([]Endpoint, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("must not be empty")
	}
	parts := strings.Split(s, ",")
	out := make([]Endpoint, 0, len(parts))
	seen := map[string]int{}
	for i, part := range parts {
		entry := strings.TrimSpace(part)
		ep, why := parseEndpoint(entry)
		if why != "" {
			if len(parts) == 1 {
				return nil, fmt.Errorf("invalid value %q (%s)", entry, why)
			}
			return nil, fmt.Errorf("entry %d %q: %s", i+1, entry, why)
		}
		key := strings.ToLower(ep.Host) + "|" + strconv.Itoa(ep.Port)
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("entry %d %q: same as entry %d", i+1, entry, first)
		}
		seen[key] = i + 1
		out = append(out, ep)
	}
	return out, nil
}

const hostWant = "want host[:port], a host name or IP address without scheme or path; IPv6 with a port as [addr]:port"

// parseEndpoint returns the endpoint, or why entry is not one.
func parseEndpoint(entry string) (Endpoint, string) {
	if entry == "" {
		return Endpoint{}, "empty entry (a stray comma?)"
	}
	host, port := entry, ""
	switch {
	case strings.HasPrefix(entry, "["):
		h, p, err := net.SplitHostPort(entry)
		if err != nil {
			if !strings.HasSuffix(entry, "]") {
				return Endpoint{}, hostWant
			}
			h = entry[1 : len(entry)-1]
		}
		if net.ParseIP(h) == nil || !strings.Contains(h, ":") {
			return Endpoint{}, "only IPv6 addresses go in brackets"
		}
		host, port = h, p
	case strings.Count(entry, ":") == 1:
		host, port, _ = strings.Cut(entry, ":")
	}
	// A bare IPv6 address (more than one colon) is the host itself.
	if !validHost(host) {
		return Endpoint{}, hostWant
	}
	if port == "" {
		if strings.HasSuffix(entry, ":") {
			return Endpoint{}, "empty port"
		}
		return Endpoint{Host: host}, ""
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Endpoint{}, fmt.Sprintf("invalid port %q (allowed: 1..65535)", port)
	}
	return Endpoint{Host: host, Port: n}, ""
}

// Endpoints is the parsed clickhouse.host list (nil if it does not parse;
// Validate reports that).
func (c ClickHouseConfig) Endpoints() []Endpoint {
	eps, _ := ParseHosts(c.Host)
	return eps
}

// Addresses are the host:port addresses of clickhouse.host, in list order,
// entries without a port taking EffectivePort (IPv6 in brackets).
func (c ClickHouseConfig) Addresses() []string {
	eps := c.Endpoints()
	out := make([]string, len(eps))
	for i, ep := range eps {
		port := ep.Port
		if port == 0 {
			port = c.EffectivePort()
		}
		out[i] = net.JoinHostPort(ep.Host, strconv.Itoa(port))
	}
	return out
}

// HasHost reports whether host names one of the clickhouse.host entries
// (case-insensitive; any port).
func (c ClickHouseConfig) HasHost(host string) bool {
	for _, ep := range c.Endpoints() {
		if strings.EqualFold(ep.Host, host) {
			return true
		}
	}
	return false
}

// AllLoopback reports whether every clickhouse.host entry is a loopback host.
func (c ClickHouseConfig) AllLoopback() bool {
	eps := c.Endpoints()
	for _, ep := range eps {
		if !IsLoopbackHost(ep.Host) {
			return false
		}
	}
	return len(eps) > 0
}
