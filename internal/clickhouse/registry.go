package clickhouse

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// ErrRegistryFull: every client of a full registry is serving a request, so
// none can be evicted for a new connection. The caller should retry later.
var ErrRegistryFull = errors.New("clickhouse: too many distinct connections in use; retry later")

// errRegistryClosed: Acquire after Close.
var errRegistryClosed = errors.New("clickhouse: connection registry closed")

// Registry keeps one Client (one pool) per distinct connection, for
// requests that name their own connection (JWE tokens). It is bounded:
// clients unused for IdleTimeout are closed, and when MaxClients are open
// the least recently used client that serves no request is closed to make
// room. Safe for concurrent use.
type Registry struct {
	shared    *Client
	sharedKey registryKey
	max       int
	idle      time.Duration
	log       *slog.Logger
	options   []Option         // of the clients it creates: the shared client's version and policy
	now       func() time.Time // tests

	mu      sync.Mutex
	clients map[registryKey]*registryEntry
	closed  bool
}

// RegistryOptions configure NewRegistry; zero values take the defaults.
type RegistryOptions struct {
	MaxClients  int           // default 64
	IdleTimeout time.Duration // default 35 minutes
	Log         *slog.Logger
}

type registryKey [sha256.Size]byte

type registryEntry struct {
	client   *Client
	refs     int // requests using the client now
	lastUsed time.Time
}

// NewRegistry returns an empty registry. shared (may be nil) is the
// server's own client: a configuration equal to its one gets it, and the
// registry never closes it.
func NewRegistry(shared *Client, opts RegistryOptions) *Registry {
	if opts.MaxClients <= 0 {
		opts.MaxClients = 64
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 35 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{shared: shared, max: opts.MaxClients, idle: opts.IdleTimeout, log: opts.Log, now: time.Now,
		clients: map[registryKey]*registryEntry{}}
	if shared != nil {
		// One identity policy for the server: the one cmd/chmcp built.
		r.sharedKey, r.options = keyOf(shared.Config()), []Option{WithVersion(shared.version), WithPolicy(shared.policy)}
	}
	return r
}

// keyOf identifies a connection by everything that shapes it. The JSON
// form redacts secrets, so they are added in full (the key is a hash and
// is never logged).
func keyOf(cfg config.ClickHouseConfig) registryKey {
	js, _ := json.Marshal(cfg) // plain data: cannot fail
	h := sha256.New()
	for _, part := range [][]byte{js, []byte(cfg.Password.Reveal()), []byte(cfg.ClusterSecret.Reveal())} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		h.Write(part)
	}
	var k registryKey
	h.Sum(k[:0])
	return k
}

// Acquire returns the client for cfg, creating it if needed, and a release
// function to call once the request is done with it (the client stays
// open while acquired).
func (r *Registry) Acquire(cfg config.ClickHouseConfig) (*Client, func(), error) {
	k := keyOf(cfg)
	if r.shared != nil && k == r.sharedKey {
		return r.shared, func() {}, nil
	}
	var retired []*Client
	defer func() { r.closeAll(retired, "idle") }()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, nil, errRegistryClosed
	}
	now := r.now()
	retired = r.sweepLocked(now)
	e, ok := r.clients[k]
	if !ok {
		if len(r.clients) >= r.max {
			victim := r.lruLocked()
			if victim == nil {
				return nil, nil, ErrRegistryFull
			}
			retired = append(retired, victim.client)
		}
		c, err := New(cfg, r.log, r.options...)
		if err != nil {
			return nil, nil, err
		}
		r.log.Debug("clickhouse client created", "host", cfg.Host, "port", cfg.EffectivePort(),
			"protocol", cfg.Protocol, "user", cfg.Username, "database", cfg.Database)
		e = &registryEntry{client: c}
		r.clients[k] = e
	}
	e.refs++
	e.lastUsed = now
	var once sync.Once
	return e.client, func() { once.Do(func() { r.release(e) }) }, nil
}

func (r *Registry) release(e *registryEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.refs--
	e.lastUsed = r.now()
}

// sweepLocked removes the clients unused for longer than the idle timeout
// and returns them for closing outside the lock.
func (r *Registry) sweepLocked(now time.Time) []*Client {
	var out []*Client
	for k, e := range r.clients {
		if e.refs == 0 && now.Sub(e.lastUsed) > r.idle {
			delete(r.clients, k)
			out = append(out, e.client)
		}
	}
	return out
}

// lruLocked removes and returns the least recently used entry serving no
// request, or nil when every entry is in use.
func (r *Registry) lruLocked() *registryEntry {
	var victimKey registryKey
	var victim *registryEntry
	for k, e := range r.clients {
		if e.refs == 0 && (victim == nil || e.lastUsed.Before(victim.lastUsed)) {
			victimKey, victim = k, e
		}
	}
	if victim != nil {
		delete(r.clients, victimKey)
	}
	return victim
}

func (r *Registry) closeAll(clients []*Client, why string) {
	for _, c := range clients {
		cfg := c.Config()
		r.log.Debug("clickhouse client closed", "reason", why, "host", cfg.Host, "user", cfg.Username)
		c.retire() // a KILL QUERY still running keeps it open until done
	}
}

// Len is the number of clients open (the shared one not counted).
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.clients)
}

// Close closes every client the registry opened (not the shared one);
// Acquire fails afterwards.
func (r *Registry) Close() error {
	r.mu.Lock()
	r.closed = true
	clients := make([]*Client, 0, len(r.clients))
	for k, e := range r.clients {
		clients = append(clients, e.client)
		delete(r.clients, k)
	}
	r.mu.Unlock()
	r.closeAll(clients, "shutdown")
	return nil
}

// Fingerprint names a connection configuration without revealing it:
// equal configurations (secrets included) have equal fingerprints. Session
// ownership compares it, never a client's address, which changes when a
// client is replaced.
func Fingerprint(cfg config.ClickHouseConfig) string {
	k := keyOf(cfg)
	return hex.EncodeToString(k[:])
}
