// Package clickhouse is chmcp's only door to ClickHouse: one connection pool
// per target shared by every caller, queries run on behalf of an identity,
// with guard rails (read-only, result caps, timeouts, cancellation) applied
// here once for every transport.
package clickhouse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chmcp/chmcp/internal/config"
)

// Client runs queries against one ClickHouse target through one shared pool.
type Client struct {
	conn driver.Conn
	cfg  config.ClickHouseConfig
	log  *slog.Logger
}

// New builds the pool. It does not dial: the first query (or Ping) does, so
// a server that starts before ClickHouse is up still starts.
func New(cfg config.ClickHouseConfig, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts, err := options(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	return &Client{conn: conn, cfg: cfg, log: log}, nil
}

func options(cfg config.ClickHouseConfig) (*ch.Options, error) {
	opts := &ch.Options{
		Addr: []string{net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.EffectivePort()))},
		Auth: ch.Auth{
			Database: cfg.Database,
			Username: cfg.Username,
			Password: cfg.Password.Reveal(),
		},
		ClientInfo:       ch.ClientInfo{Products: []struct{ Name, Version string }{{Name: "chmcp", Version: Version}}},
		DialTimeout:      cfg.DialTimeout.D(),
		MaxOpenConns:     cfg.MaxOpenConns,
		MaxIdleConns:     cfg.MaxIdleConns,
		ConnMaxLifetime:  time.Hour,
		ConnOpenStrategy: ch.ConnOpenInOrder,
	}
	if cfg.Protocol == config.ProtocolHTTP {
		opts.Protocol = ch.HTTP
		opts.HttpMaxConnsPerHost = cfg.MaxOpenConns
	} else {
		opts.Compression = &ch.Compression{Method: ch.CompressionLZ4}
	}
	if cfg.TLS.Enabled {
		tc, err := tlsConfig(cfg.TLS)
		if err != nil {
			return nil, err
		}
		opts.TLS = tc
	}
	return opts, nil
}

func tlsConfig(c config.TLSConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // operator's explicit choice
	if c.CACert != "" {
		pem, err := os.ReadFile(c.CACert)
		if err != nil {
			return nil, fmt.Errorf("clickhouse.tls.ca_cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("clickhouse.tls.ca_cert: no PEM certificates in %s", c.CACert)
		}
		tc.RootCAs = pool
	}
	if c.ClientCert != "" {
		cert, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("clickhouse.tls.client_cert/client_key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// Version is chmcp's version, reported to ClickHouse in client info; set by main.
var Version = "dev"

// Close closes the pool.
func (c *Client) Close() error { return c.conn.Close() }

// Config returns the ClickHouse configuration the client was built with.
func (c *Client) Config() config.ClickHouseConfig { return c.cfg }

// ServerInfo is what test-connection and /health report.
type ServerInfo struct {
	Version   string        `json:"version"`
	User      string        `json:"user"`
	Latency   time.Duration `json:"-"`
	LatencyMs float64       `json:"latency_ms"`
}

// Check runs a real query (not just a protocol ping) so that every failure a
// tool call would hit (authentication, permissions) shows here first.
func (c *Client) Check(ctx context.Context) (ServerInfo, error) {
	start := time.Now()
	var info ServerInfo
	row := c.conn.QueryRow(ctx, "SELECT version(), currentUser()")
	if err := row.Scan(&info.Version, &info.User); err != nil {
		return ServerInfo{}, c.classify(err, "")
	}
	info.Latency = time.Since(start)
	info.LatencyMs = float64(info.Latency.Microseconds()) / 1000
	return info, nil
}
