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
	"os"
	"strconv"
	"strings"
	"sync"
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
	nodes  []node        // one small pool per clickhouse.host entry when there are several (nodes.go)
	cfg    config.ClickHouseConfig
	log    *slog.Logger
	policy *identity.Policy // whom the cluster secret may act as (WithPolicy)
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
	// self is the identity of chmcp's own statements, bound to this client.
	self identity.Identity
	// onEffectiveUser, when set (tests), is called each time the effective
	// user is worked out.
	onEffectiveUser func()
	// background counts statements that outlive the request that started
	// them (KILL QUERY after a cancellation); a retired client closes only
	// once they are done.
	bgMu       sync.Mutex
	background int
	retired    bool
}

// Option configures a Client.
type Option func(*Client)

// WithVersion reports v as chmcp's version in the client info ClickHouse
// records (system.query_log); "dev" without it.
func WithVersion(v string) Option { return func(c *Client) { c.version = v } }

// WithPolicy makes p the identity policy the client enforces before acting
// as a caller with the cluster secret. The caller that builds the policy
// (cmd/chmcp) hands the same one to the authenticators, which map claims
// with it; without this option the client compiles its own from
// clickhouse.impersonation.
func WithPolicy(p *identity.Policy) Option { return func(c *Client) { c.policy = p } }

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
	c.self = c.Bind(server)
	var err error
	if c.policy == nil {
		if c.policy, err = identity.NewPolicy(cfg.Impersonation, cfg.Username); err != nil {
			return nil, err
		}
	}
	var secret config.Secret
	if c.secretMode {
		if secret, err = cfg.ReadClusterSecret(); err != nil {
			return nil, err
		}
		if !cfg.TLS.Enabled && !cfg.AllLoopback() {
			log.Warn("cluster secret used without TLS to a non-loopback host: queries, results and the signed "+
				"connection travel in cleartext; enable clickhouse.tls",
				"host", cfg.Host, "cluster", cfg.ClusterName)
		}
	}
	onV1 := v1Warning(log, cfg) // once per Client, whichever pool dials
	open := func(addrs []string, maxConns int) (driver.Conn, error) {
		opts, err := DriverOptions(cfg, c.version)
		if err != nil {
			return nil, err
		}
		if addrs != nil {
			opts.Addr, opts.MaxOpenConns, opts.MaxIdleConns = addrs, maxConns, maxConns
		}
		if c.secretMode {
			opts.Cluster = ch.ClusterCredentials{Name: cfg.ClusterName, Secret: secret.Reveal(),
				// chmcp originates its queries: they are initial queries, with the
				// semantics of a password login (docs/cluster-secret.md).
				InitialQuery:  true,
				OnV1Handshake: onV1,
			}
			opts.Auth.Password = "" // only the secret's signature reaches the wire
		}
		conn, err := ch.Open(opts)
		if err != nil {
			return nil, fmt.Errorf("clickhouse: %w", err)
		}
		return conn, nil
	}
	if c.raw, err = open(nil, 0); err != nil {
		return nil, err
	}
	if c.nodes, err = openNodes(cfg.Addresses(), open); err != nil {
		c.Close()
		return nil, err
	}
	c.gate = newGate(cfg.MaxOpenConns, cfg.PoolWait.D())
	c.conn = &gatedConn{Conn: c.raw, g: c.gate}
	c.kills = make(chan struct{}, 1)
	return c, nil
}

// v1Warning returns the hook the driver calls for each connection to a
// server too old for the V2 interserver handshake; it warns once per Client.
func v1Warning(log *slog.Logger, cfg config.ClickHouseConfig) func(uint64) {
	var once sync.Once
	return func(serverRevision uint64) {
		once.Do(func() {
			log.Warn("ClickHouse is older than 23.3 (protocol revision "+strconv.FormatUint(serverRevision, 10)+
				" < 54462): it sends no nonce, so queries are signed with the deprecated V1 interserver protocol "+
				"and a captured query can be replayed; upgrade ClickHouse, and use clickhouse.tls meanwhile",
				"host", cfg.Host, "cluster", cfg.ClusterName, "server_revision", serverRevision)
		})
	}
}

// Bind returns id bound to c: with RunAs, the ClickHouse user its
// statements run as here (with a cluster secret, the caller's user; else
// the configured login). The auth boundary binds each request's identity
// to its client once; the statements of the request then carry it instead
// of working it out again.
func (c *Client) Bind(id identity.Identity) identity.Identity {
	if c.onEffectiveUser != nil {
		c.onEffectiveUser()
	}
	id.RunAs = c.cfg.Username
	if c.secretMode && id.User != "" {
		id.RunAs = id.User
	}
	return id
}

// bound is id bound to c, as the auth boundary bound it or, for callers
// that bypass the boundary (stdio, tests), bound now.
func (c *Client) bound(id identity.Identity) identity.Identity {
	if id.RunAs != "" {
		return id
	}
	return c.Bind(id)
}

// address is cfg's ClickHouse as host:port (an IPv6 host in brackets), or
// the comma-separated list of them when there are several nodes.
func address(cfg config.ClickHouseConfig) string {
	return strings.Join(cfg.Addresses(), ", ")
}

// DriverOptions are the clickhouse-go options chmcp (of version) opens its
// pool with (address, auth, compression, pool sizes, timeouts, TLS). The
// benchmark opens its direct client with them, so the two never drift apart.
func DriverOptions(cfg config.ClickHouseConfig, version string) (*ch.Options, error) {
	opts := &ch.Options{
		Addr: cfg.Addresses(),
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
		ConnOpenStrategy: connOpenStrategies[cfg.ConnOpenStrategy],
	}
	if cfg.Protocol == config.ProtocolHTTP {
		opts.Protocol = ch.HTTP
		opts.HttpMaxConnsPerHost = cfg.MaxOpenConns + reservedConns
	} else if m, ok := compressions[cfg.Compression]; ok && m != ch.CompressionNone {
		opts.Compression = &ch.Compression{Method: m}
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

// compressions maps clickhouse.compression to the driver's methods. With
// none the driver reads blocks straight from the socket; with lz4 or zstd
// each connection keeps buffers the size of the largest compressed frame
// it has read (up to about 1 MiB each) for as long as it lives. Unset (a
// config built in code) is none.
var compressions = map[string]ch.CompressionMethod{
	config.CompressionNone: ch.CompressionNone,
	config.CompressionLZ4:  ch.CompressionLZ4,
	config.CompressionZSTD: ch.CompressionZSTD,
}

// connOpenStrategies maps clickhouse.conn_open_strategy to the driver's
// own: it picks the first node per new connection and falls through the
// list when a dial fails. Unset (a config built in code) is in_order.
var connOpenStrategies = map[string]ch.ConnOpenStrategy{
	config.ConnOpenInOrder:    ch.ConnOpenInOrder,
	config.ConnOpenRoundRobin: ch.ConnOpenRoundRobin,
	config.ConnOpenRandom:     ch.ConnOpenRandom,
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

// Close closes the pool (and the per-node health pools).
func (c *Client) Close() error {
	for _, n := range c.nodes {
		n.conn.Close()
	}
	return c.raw.Close()
}

// goBackground runs f past the end of the current request, keeping the
// client open for it even if the registry retires the client meanwhile.
// Call it while the request still holds the client.
func (c *Client) goBackground(f func()) {
	c.bgMu.Lock()
	c.background++
	c.bgMu.Unlock()
	go func() {
		defer c.backgroundDone()
		f()
	}()
}

func (c *Client) backgroundDone() {
	c.bgMu.Lock()
	c.background--
	last := c.retired && c.background == 0
	c.bgMu.Unlock()
	if last {
		_ = c.Close()
	}
}

// retire closes the client now, or once its background statements are
// done: the registry's way to close a client no request holds.
func (c *Client) retire() {
	c.bgMu.Lock()
	c.retired = true
	idle := c.background == 0
	c.bgMu.Unlock()
	if idle {
		_ = c.Close()
	}
}

// PoolStats says how many of the callers' connections are in use and how
// many calls wait for one; /health reports it.
func (c *Client) PoolStats() PoolStats { return c.gate.stats() }

// answers says whether ClickHouse completes a handshake and a ping now,
// every node of several (the failed connection may have been to any): to
// tell a refused interserver secret from a server that went away.
func (c *Client) answers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range c.nodes {
		if n.conn.Ping(ctx) != nil {
			return false
		}
	}
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
