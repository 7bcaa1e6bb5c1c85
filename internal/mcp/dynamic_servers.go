package mcp

import (
	"container/list"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

const (
	// maxIdentityServers bounds the per-identity servers kept; the least
	// recently used one without a live session goes first.
	maxIdentityServers = 1000
	// discoveryTimeout bounds one discovery (a few system table reads).
	discoveryTimeout = 30 * time.Second
	// maxRetryDelay: a failed discovery is retried no sooner than this
	// (or the TTL, when shorter).
	maxRetryDelay = 5 * time.Second
)

// dynamicTools keeps, per identity, the tools generated from views and
// tables and one go-sdk server offering the built-in tools plus those.
// Tool lists differ per user (grants decide what discovery sees), and a
// go-sdk server has one tool list, hence one server per identity.
type dynamicTools struct {
	svc               *Service
	rules             []toolRule
	hasRead, hasWrite bool
	ttl               time.Duration
	max               int // servers kept (maxIdentityServers)

	mu      sync.Mutex
	entries map[identityKey]*identityServer
	lru     list.List // of *identityServer, most recently used first
}

// identityKey: discovery depends on the ClickHouse target and the user
// queries run as, nothing else.
type identityKey struct {
	client *clickhouse.Client
	user   string
}

func newDynamicTools(s *Service, rules []config.ToolRule, ttl time.Duration) *dynamicTools {
	if ttl <= 0 {
		ttl = time.Minute
	}
	d := &dynamicTools{svc: s, rules: compileRules(rules, s.log), ttl: ttl, max: maxIdentityServers, entries: map[identityKey]*identityServer{}}
	for _, r := range d.rules {
		d.hasWrite = d.hasWrite || r.write
		d.hasRead = d.hasRead || !r.write
	}
	return d
}

func (d *dynamicTools) retryDelay() time.Duration { return min(d.ttl, maxRetryDelay) }

// entry returns the state of the identity in ctx. A new identity's first
// discovery runs before it returns (bounded by ctx), so a new session
// starts with its full tool list; later refreshes never block here.
func (d *dynamicTools) entry(ctx context.Context) *identityServer {
	_, client, id := d.svc.caller(ctx)
	key := identityKey{client: client, user: id.RunAs}
	d.mu.Lock()
	e, ok := d.entries[key]
	if ok {
		d.lru.MoveToFront(e.elem)
	} else {
		e = &identityServer{d: d, key: key, id: id, tools: map[string]dynTool{}}
		e.srv = d.svc.newServer(e)
		e.elem = d.lru.PushFront(e)
		d.entries[key] = e
		d.evictLocked()
	}
	d.mu.Unlock()
	if e.neverTried() {
		e.ensureFresh(ctx)
	}
	e.touch()
	return e
}

// evictLocked drops servers over the bound, preferring ones without
// sessions. An evicted server keeps serving its open sessions with the
// tools it has; it is no longer refreshed.
func (d *dynamicTools) evictLocked() {
	for len(d.entries) > d.max {
		victim := d.lru.Back()
		scanned := 0
		for el := d.lru.Back(); el != d.lru.Front() && scanned < 64; el, scanned = el.Prev(), scanned+1 {
			if !el.Value.(*identityServer).hasSessions() {
				victim = el
				break
			}
		}
		e := d.lru.Remove(victim).(*identityServer)
		delete(d.entries, e.key)
		e.retire()
	}
}

// discover runs discovery as id on client and builds the tools.
func (d *dynamicTools) discover(ctx context.Context, client *clickhouse.Client, id identity.Identity) ([]dynTool, []string, error) {
	var keepView, keepTable func(string, string) bool
	if d.hasRead {
		keepView = func(db, name string) bool { _, ok := match(d.rules, false, db, name); return ok }
	}
	if d.hasWrite && !d.svc.readOnly(client) {
		keepTable = func(db, name string) bool { _, ok := match(d.rules, true, db, name); return ok }
	}
	cat, err := client.Discover(ctx, id, keepView, keepTable)
	if err != nil {
		return nil, nil, err
	}
	tools, skipped := d.svc.buildTools(d.rules, cat)
	return tools, skipped, nil
}

// identityServer is one identity's server and discovered tools.
type identityServer struct {
	d    *dynamicTools
	key  identityKey
	id   identity.Identity // the first caller's; discovery runs as it
	srv  *sdk.Server
	elem *list.Element

	mu        sync.Mutex
	tools     map[string]dynTool
	fetched   time.Time     // last successful discovery
	attempted time.Time     // last finished discovery, successful or not
	flight    chan struct{} // closed when the running discovery ends
	timer     *time.Timer   // background refresh while sessions are open
	evicted   bool
	skipped   string // what the last discovery skipped, logged on change
}

func (e *identityServer) neverTried() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.attempted.IsZero()
}

func (e *identityServer) staleLocked(now time.Time) bool {
	switch {
	case e.flight != nil || e.attempted.IsZero():
		return true
	case e.fetched.Before(e.attempted): // the last attempt failed
		return now.Sub(e.attempted) >= e.d.retryDelay()
	}
	return now.Sub(e.fetched) >= e.d.ttl
}

// ensureFresh rediscovers when the cached tools are stale and waits for
// it (or for ctx). Concurrent callers share one discovery.
func (e *identityServer) ensureFresh(ctx context.Context) {
	e.mu.Lock()
	if !e.staleLocked(time.Now()) {
		e.mu.Unlock()
		return
	}
	done := e.startLocked()
	e.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (e *identityServer) startLocked() chan struct{} {
	if e.flight == nil {
		e.flight = make(chan struct{})
		go e.run(e.flight)
	}
	return e.flight
}

// run is one discovery. It does not use a caller's context: a caller that
// gives up must not fail the discovery others wait for.
func (e *identityServer) run(done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), discoveryTimeout)
	defer cancel()
	tools, skipped, err := e.d.discover(ctx, e.key.client, e.id)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempted, e.flight = time.Now(), nil
	log := e.d.svc.log
	if err != nil {
		log.Warn("tool discovery failed; keeping the previous tools", "user", e.key.user, "err", err)
	} else {
		e.fetched = e.attempted
		e.applyLocked(tools)
		if report := strings.Join(skipped, "\n"); report != e.skipped {
			e.skipped = report
			for _, why := range skipped {
				log.Warn("generated tool skipped", "user", e.key.user, "reason", why)
			}
		}
	}
	e.armLocked()
}

// applyLocked makes the server offer tools; the go-sdk then tells the
// sessions that declared interest (notifications/tools/list_changed).
func (e *identityServer) applyLocked(tools []dynTool) {
	next := make(map[string]dynTool, len(tools))
	var added, removed []string
	for _, t := range tools {
		next[t.Def.Name] = t
		if old, ok := e.tools[t.Def.Name]; !ok || old.sig != t.sig {
			added = append(added, t.Def.Name)
		}
	}
	for name := range e.tools {
		if _, ok := next[name]; !ok {
			removed = append(removed, name)
		}
	}
	if len(removed) > 0 {
		sort.Strings(removed)
		e.srv.RemoveTools(removed...)
	}
	for _, name := range added {
		if err := e.add(next[name]); err != nil {
			e.d.svc.log.Error("generated tool refused by the MCP server", "user", e.key.user, "tool", name, "err", err)
			e.srv.RemoveTools(name) // not an older version either
			delete(next, name)
		}
	}
	e.tools = next
	if len(added)+len(removed) > 0 {
		e.d.svc.log.Info("generated tools changed", "user", e.key.user, "tools", len(next), "added", added, "removed", removed)
	}
}

// add registers t. The go-sdk panics on a definition it cannot serve;
// tools come from database objects, so that is an error here, not a crash.
func (e *identityServer) add(t dynTool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	e.srv.AddTool(t.Def, e.d.svc.handler(t.Tool))
	return nil
}

// touch arms the background refresh when sessions are open.
func (e *identityServer) touch() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armLocked()
}

// armLocked schedules the next refresh while the server has sessions, so
// they hear of new or dropped tools without asking. Without sessions, or
// after a failed discovery (ClickHouse down, a JWE target closed), the
// next tools/list refreshes instead: failures are not retried in a loop.
func (e *identityServer) armLocked() {
	if e.timer != nil || e.evicted || e.flight != nil || e.fetched.Before(e.attempted) || !e.hasSessions() {
		return
	}
	e.timer = time.AfterFunc(max(time.Until(e.fetched.Add(e.d.ttl)), 10*time.Millisecond), e.tick)
}

func (e *identityServer) tick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.timer = nil
	if e.evicted {
		return
	}
	if e.staleLocked(time.Now()) {
		e.startLocked() // run re-arms when done
		return
	}
	e.armLocked()
}

func (e *identityServer) hasSessions() bool {
	for range e.srv.Sessions() {
		return true
	}
	return false
}

func (e *identityServer) retire() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evicted = true
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
}

// lookup finds a generated tool, rediscovering first when it is unknown
// and the cache is stale.
func (e *identityServer) lookup(ctx context.Context, name string) (Tool, bool) {
	if t, ok := e.get(name); ok {
		return t, true
	}
	e.ensureFresh(ctx)
	return e.get(name)
}

func (e *identityServer) get(name string) (Tool, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.tools[name]
	return t.Tool, ok
}

// list returns the generated tools, fresh, by name.
func (e *identityServer) list(ctx context.Context) []Tool {
	e.ensureFresh(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Tool, 0, len(e.tools))
	for _, t := range e.tools {
		out = append(out, t.Tool)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Def.Name < out[j].Def.Name })
	return out
}

// middleware refreshes a stale tool list when a client asks for it, or
// calls a tool this server does not know yet.
func (e *identityServer) middleware(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		switch method {
		case "tools/list":
			e.ensureFresh(ctx)
			e.touch()
		case "tools/call":
			if call, ok := req.(*sdk.CallToolRequest); ok && call.Params != nil && !e.d.svc.isBuiltin(call.Params.Name) {
				e.lookup(ctx, call.Params.Name)
			}
		}
		return next(ctx, method, req)
	}
}

// privateToolList marks tools/list results as per-user for caches
// (2026-07-28 cacheScope): each identity has its own generated tools.
func privateToolList(ctx context.Context, req sdk.Request, c *sdk.Cacheable) {
	if _, ok := req.(*sdk.ListToolsRequest); ok {
		c.CacheScope = "private"
	}
	privateResources(ctx, req, c)
}

// privateResources marks resource reads as per-user: the schema and table
// descriptions show what the caller's grants let them see.
func privateResources(_ context.Context, req sdk.Request, c *sdk.Cacheable) {
	if _, ok := req.(*sdk.ReadResourceRequest); ok {
		c.CacheScope = "private"
	}
}
