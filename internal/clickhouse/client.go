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
	"github.com/chmcp/chmcp/internal/identity"
)

// Client runs queries against one ClickHouse target through one shared pool.
type Client struct {
	// conn is the pool as callers' statements use it (through gate);
	// raw is the same pool without the gate, for /health and KILL QUERY,
	// which must not wait behind callers.
	conn   driver.Conn
	raw    driver.Conn
	gate   *gate
	kills  chan struct{} // one KILL QUERY at a time: it never takes more than its reserved connection
	cfg    config.ClickHouseConfig
	log    *slog.Logger
	policy *identity.Policy // whom the cluster secret may act as
	// secretMode: authenticate as a cluster peer and run each query as the
	// caller (WithInitialUser); no password is sent.
	secretMode bool
	// capped guards the statements that return a result to a caller,
	// uncapped the others (Exec, schema queries); see newGuards.
	capped, uncapped guards
	// tableFunctions: the server's table functions, for the IO guard.
	tableFunctions serverTableFunctions
	// guardrails are the operator's limits on every caller statement;
	// profiles caches the users' own limits they are compared with.
	guardrails []guardrail
	profiles   *profiles
	version    string // chmcp's, in the client info ClickHouse logs
}

// Option configures a Client.
type Option func(*Client)

// WithVersion reports v as chmcp's version in the client info ClickHouse
// records (system.query_log); "dev" without it.
func WithVersion(v string) Option { return func(c *Client) { c.version = v } }

// New builds the pool. It does not dial: the first query (or Ping) does, so
// a server that starts before ClickHouse is up still starts.
func New(cfg config.ClickHouseConfig, log *slog.Logger, options ...Option) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, log: log, secretMode: cfg.ClusterSecretMode(), version: "dev",
		capped: newGuards(cfg, true), uncapped: newGuards(cfg, false), guardrails: newGuardrails(cfg), profiles: newProfiles()}
	for _, o := range options {
		o(c)
	}
	opts, err := DriverOptions(cfg, c.version)
	if err != nil {
		return nil, err
	}
	if c.policy, err = identity.NewPolicy(cfg.Impersonation, cfg.Username); err != nil {
		return nil, err
	}
	if c.secretMode {
		secret, err := cfg.ReadClusterSecret()
		if err != nil {
			return nil, err
		}
		opts.Cluster = ch.ClusterCredentials{Name: cfg.ClusterName, Secret: secret.Reveal()}
		opts.Auth.Password = "" // only the secret's signature reaches the wire
		if !cfg.TLS.Enabled && !config.IsLoopbackHost(cfg.Host) {
			log.Warn("cluster secret used without TLS to a non-loopback host: a captured query frame can be replayed "+
				"(clickhouse-go speaks the interserver handshake without server nonce); enable clickhouse.tls",
				"host", cfg.Host, "cluster", cfg.ClusterName)
		}
	}
	if c.raw, err = ch.Open(opts); err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	c.gate = newGate(cfg.MaxOpenConns, cfg.PoolWait.D(), address(cfg))
	c.conn = &gatedConn{Conn: c.raw, g: c.gate}
	c.kills = make(chan struct{}, 1)
	return c, nil
}

// Policy returns the identity policy (also used at the edge to map claims).
func (c *Client) Policy() *identity.Policy { return c.policy }

// EffectiveUser is the ClickHouse user a query for id runs as.
func (c *Client) EffectiveUser(id identity.Identity) string {
	if c.secretMode && id.User != "" {
		return id.User
	}
	return c.cfg.Username
}

// address is cfg's ClickHouse as host:port (an IPv6 host in brackets).
func address(cfg config.ClickHouseConfig) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.EffectivePort()))
}

// DriverOptions are the clickhouse-go options chmcp (of version) opens its
// pool with (address, auth, compression, pool sizes, timeouts, TLS). The
// benchmark opens its direct client with them, so the two never drift apart.
func DriverOptions(cfg config.ClickHouseConfig, version string) (*ch.Options, error) {
	opts := &ch.Options{
		Addr: []string{address(cfg)},
		Auth: ch.Auth{
			Database: cfg.Database,
			Username: cfg.Username,
			Password: cfg.Password.Reveal(),
		},
		ClientInfo:       ch.ClientInfo{Products: []struct{ Name, Version string }{{Name: "chmcp", Version: version}}},
		DialTimeout:      cfg.DialTimeout.D(),
		MaxOpenConns:     cfg.MaxOpenConns + reservedConns, // callers are held to MaxOpenConns by the gate
		MaxIdleConns:     cfg.MaxIdleConns,
		ConnMaxLifetime:  time.Hour,
		ConnOpenStrategy: ch.ConnOpenInOrder,
	}
	if cfg.Protocol == config.ProtocolHTTP {
		opts.Protocol = ch.HTTP
		opts.HttpMaxConnsPerHost = cfg.MaxOpenConns + reservedConns
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

// Close closes the pool.
func (c *Client) Close() error { return c.raw.Close() }

// PoolStats says how many of the callers' connections are in use and how
// many calls wait for one; /health reports it.
func (c *Client) PoolStats() PoolStats { return c.gate.stats() }

// answers says whether ClickHouse completes a handshake and a ping now:
// to tell a refused interserver secret from a server that went away.
func (c *Client) answers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.raw.Ping(ctx) == nil
}

// Config returns the ClickHouse configuration the client was built with.
func (c *Client) Config() config.ClickHouseConfig { return c.cfg }

// ServerInfo is what test-connection and /health report.
type ServerInfo struct {
	Version   string  `json:"version"`
	User      string  `json:"user"`
	LatencyMs float64 `json:"latency_ms"`
}

// Check runs a real query (not just a protocol ping) so that every failure a
// tool call would hit (authentication, permissions) shows here first.
func (c *Client) Check(ctx context.Context) (ServerInfo, error) {
	start := time.Now()
	var info ServerInfo
	// A native ping is not signed with the cluster secret and would pass
	// with a wrong one; a query as the fallback user is signed. It uses a
	// reserved connection: busy callers must not make /health fail.
	qctx, queryID := c.statement(ctx, server, nil, nil)
	if err := c.raw.QueryRow(qctx, "SELECT version(), currentUser()").Scan(&info.Version, &info.User); err != nil {
		return ServerInfo{}, c.classify(err, queryID, c.EffectiveUser(server))
	}
	info.LatencyMs = float64(time.Since(start).Microseconds()) / 1000
	return info, nil
}
