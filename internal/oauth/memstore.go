package oauth

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is a Store for a single replica.
type MemoryStore struct {
	mu       sync.Mutex
	codes    map[string]time.Time
	families map[string]*family
	now      func() time.Time
}

type family struct {
	current string
	revoked bool
	expires time.Time
}

// revokedTombstoneTTL keeps the revocation of a family not (yet) started.
// It only has to outlive the race it covers (a replayed code revoking the
// family before the first redemption starts it; codes live minutes): once
// collected, an unknown family is refused like a revoked one.
const revokedTombstoneTTL = 31 * 24 * time.Hour

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{codes: map[string]time.Time{}, families: map[string]*family{}, now: time.Now}
}

// gc drops expired records; called with mu held, amortized over writes.
func (m *MemoryStore) gc() {
	now := m.now()
	for id, exp := range m.codes {
		if now.After(exp) {
			delete(m.codes, id)
		}
	}
	for id, f := range m.families {
		if now.After(f.expires) {
			delete(m.families, id)
		}
	}
}

func (m *MemoryStore) UseCode(_ context.Context, id string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.codes)%256 == 255 {
		m.gc()
	}
	if _, used := m.codes[id]; used {
		return ErrReused
	}
	m.codes[id] = expires
	return nil
}

func (m *MemoryStore) StartFamily(_ context.Context, id, first string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.families)%256 == 255 {
		m.gc()
	}
	if f, ok := m.families[id]; ok && f.revoked {
		// Revoked first (a code replayed while its first redemption was
		// still starting the family): revocation is permanent.
		return nil
	}
	m.families[id] = &family{current: first, expires: expires}
	return nil
}

func (m *MemoryStore) Rotate(_ context.Context, id, presented, next string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.families[id]
	if !ok || f.revoked || m.now().After(f.expires) {
		return ErrRevoked
	}
	if f.current != presented {
		f.revoked = true
		return ErrReused
	}
	f.current = next
	if expires.Before(f.expires) {
		f.expires = expires
	}
	return nil
}

func (m *MemoryStore) Revoke(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f, ok := m.families[id]; ok {
		f.revoked = true
		return nil
	}
	// A tombstone, so that a StartFamily that comes later stays revoked.
	m.families[id] = &family{revoked: true, expires: m.now().Add(revokedTombstoneTTL)}
	return nil
}
