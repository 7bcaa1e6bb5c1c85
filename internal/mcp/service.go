package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/budget"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/metrics"
)

// Service owns the tools and resources over one ClickHouse client.
type Service struct {
	ch      *clickhouse.Client
	log     *slog.Logger
	impl    *sdk.Implementation // serverInfo, its version included; shared, never modified
	tools   []Tool              // built-in, in a stable order
	builtin map[string]Tool     // tools by name
	dyn     *dynamicTools       // nil without server.tools rules
	shared  func() *sdk.Server
	metrics *metrics.Metrics // nil: not recorded
	budget  *budget.Budget   // nil: results unbounded
	// middleware is on every go-sdk server; Call does not run it.
	middleware []sdk.Middleware
}

// Option configures a Service.
type Option func(*Service)

// NewService builds the service; version is reported as serverInfo.version.
func NewService(ch *clickhouse.Client, log *slog.Logger, version string, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{ch: ch, log: log, impl: &sdk.Implementation{Name: "chmcp", Title: "ClickHouse MCP server", Version: version}}
	s.tools = s.builtinTools()
	s.builtin = make(map[string]Tool, len(s.tools))
	for _, t := range s.tools {
		s.builtin[t.Def.Name] = t
	}
	for _, o := range opts {
		o(s)
	}
	s.shared = sync.OnceValue(func() *sdk.Server { return s.newServer(nil) })
	return s
}

const instructions = "chmcp gives read access to ClickHouse. Start with list_databases, list_tables and describe_table " +
	"(search_schema finds tables and columns by name or comment in large schemas), then query with execute_query. " +
	"Prefer aggregates and LIMIT: results are capped and marked truncated when cut."

// NewServer returns the go-sdk server of the configuration identity
// (stdio): ServerFor without a caller.
func (s *Service) NewServer() *sdk.Server { return s.ServerFor(context.Background()) }

// ServerFor returns the go-sdk server for the identity (and ClickHouse
// target) in ctx. Without server.tools rules every caller shares one
// server; with them each identity has its own, offering the built-in tools
// plus those generated from what that identity may see, refreshed every
// tools_cache_ttl (docs/dynamic-tools.md). Safe for concurrent use; cheap
// after an identity's first call.
func (s *Service) ServerFor(ctx context.Context) *sdk.Server {
	if s.dyn == nil {
		return s.shared()
	}
	return s.dyn.entry(ctx).srv
}

// newServer builds a server with every built-in tool and resource; e,
// when not nil, is the identity whose generated tools it will also offer.
func (s *Service) newServer(e *identityServer) *sdk.Server {
	opts := &sdk.ServerOptions{
		Instructions: instructions,
		Logger:       SDKLogger(s.log),
		// Explicit: only generated tools change at run time; prompts and
		// resources are fixed.
		Capabilities: &sdk.ServerCapabilities{
			//lint:ignore SA1019 deprecated in 2026-07-28, still what 2025-xx clients negotiate logging/setLevel with
			Logging:   &sdk.LoggingCapabilities{},
			Tools:     &sdk.ToolCapabilities{ListChanged: s.dyn != nil},
			Resources: &sdk.ResourceCapabilities{},
			Prompts:   &sdk.PromptCapabilities{},
		},
	}
	opts.SetCacheable = privateResources
	if s.dyn != nil {
		opts.SetCacheable = privateToolList
	}
	srv := sdk.NewServer(s.impl, opts)
	for _, t := range s.tools {
		srv.AddTool(t.Def, s.handler(t))
	}
	s.addResources(srv)
	s.addPrompts(srv)
	if e != nil {
		srv.AddReceivingMiddleware(e.middleware) // Call does its tools/call part (DirectCall)
	}
	srv.AddReceivingMiddleware(s.middleware...)
	return srv
}

// Version is the server version reported to clients.
func (s *Service) Version() string { return s.impl.Version }

// Implementation is the serverInfo every server of this service reports.
// Shared: do not modify it.
func (s *Service) Implementation() *sdk.Implementation { return s.impl }

// client is the ClickHouse client of this request: the one a JWE token
// named, else the server's.
func (s *Service) client(ctx context.Context) *clickhouse.Client {
	return clickhouse.ClientFrom(ctx, s.ch)
}

// caller is the request's client and identity, bound to it: at
// authentication (internal/auth), or here for callers that bypass the
// boundary (stdio, tests), whose ctx then carries the bound identity.
func (s *Service) caller(ctx context.Context) (context.Context, *clickhouse.Client, identity.Identity) {
	client, id := s.client(ctx), identity.From(ctx)
	if id.RunAs == "" {
		id = client.Bind(id)
		ctx = identity.With(ctx, id)
	}
	return ctx, client, id
}

// requestIDKey carries the request id the HTTP layer assigned.
type requestIDKey struct{}

// WithRequestID attaches a request id for the call log.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// handler adapts a Tool to the go-sdk.
func (s *Service) handler(t Tool) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		if info := req.ClientInfo(); info != nil {
			ctx = clickhouse.WithAttribution(ctx, clickhouse.Attribution{Client: info.Name, ClientVersion: info.Version})
		}
		return s.run(ctx, t, req.Params.Arguments).Result(), nil
	}
}

// Call runs a tool by name outside the go-sdk (OpenAPI, the HTTP fast
// path, tests) with the same guards, logging and error mapping: a
// built-in tool, or one generated for the identity in ctx. False means no
// such tool, and then nothing ran.
func (s *Service) Call(ctx context.Context, name string, args json.RawMessage) (*Outcome, bool) {
	t, ok := s.lookup(ctx, name)
	if !ok {
		return nil, false
	}
	return s.run(ctx, t, args), true
}

// CallResult is Call rendered for MCP (Outcome.Result): the result the
// go-sdk would send for the call, new and the caller's to annotate.
func (s *Service) CallResult(ctx context.Context, name string, args json.RawMessage) (*sdk.CallToolResult, bool) {
	out, ok := s.Call(ctx, name, args)
	if !ok {
		return nil, false
	}
	return out.Result(), true
}

// HasTool reports whether the identity in ctx has a tool of that name.
func (s *Service) HasTool(ctx context.Context, name string) bool {
	_, ok := s.lookup(ctx, name)
	return ok
}

func (s *Service) lookup(ctx context.Context, name string) (Tool, bool) {
	if t, ok := s.builtin[name]; ok || s.dyn == nil {
		return t, ok
	}
	return s.dyn.entry(ctx).lookup(ctx, name)
}

// Tools returns the built-in tools, in a stable order.
func (s *Service) Tools() []Tool { return slices.Clone(s.tools) }

// ToolsFor returns the built-in tools followed by those generated for the
// identity in ctx (by name).
func (s *Service) ToolsFor(ctx context.Context) []Tool {
	if s.dyn == nil {
		return s.Tools()
	}
	return slices.Concat(s.tools, s.dyn.entry(ctx).list(ctx))
}

func (s *Service) isBuiltin(name string) bool {
	_, ok := s.builtin[name]
	return ok
}

// toolCall is one finished tool call as its result, log line and metrics
// see it; each part is worked out once.
type toolCall struct {
	tool  string
	start time.Time
	id    identity.Identity
	user  string // the ClickHouse user it ran as
	out   Output
	err   error
	kind  string                 // metrics.OutcomeOK, or errKind of err
	qe    *clickhouse.QueryError // the ClickHouse error in err, if any
}

// run is every tool call, whatever the transport: it calls t, turns what
// it returned into an Outcome (the encoded output, or the classified
// error), and writes the call's log line and metrics.
func (s *Service) run(ctx context.Context, t Tool, args json.RawMessage) *Outcome {
	if budget.From(ctx) == nil {
		// No transport holds the result until it is written (the go-sdk
		// path): it is accounted until the go-sdk takes it.
		var release func()
		ctx, release = s.HoldResults(ctx)
		defer release()
	}
	c := toolCall{tool: t.Def.Name, start: time.Now(), kind: metrics.OutcomeOK}
	ctx, _, c.id = s.caller(ctx)
	ctx = clickhouse.WithAttribution(ctx, clickhouse.Attribution{Tool: c.tool, RequestID: requestID(ctx)})
	ctx, stop := cutoff(ctx)
	defer stop()
	c.out, c.err = invoke(ctx, t, args)
	var body []byte
	if c.err == nil {
		if body, c.err = encodeOutput(c.out.Value); c.err != nil { // a programming error: an internal one
			c.out = Output{}
		}
	}
	c.user = c.id.RunAs
	out := &Outcome{User: c.user, Source: c.id.Source}
	if c.err != nil {
		c.kind, c.qe = errKind(c.err)
		out.Failure = &Failure{Kind: c.kind, Message: s.errorText(ctx, c.tool, c.kind, c.err), ClickHouse: c.qe}
	} else {
		out.Body, out.Truncated, out.TruncatedReason = body, c.out.Truncated, c.out.TruncatedReason
	}
	s.logCall(ctx, &c)
	return out
}

// encodeOutput is json.Marshal(v), by v's own JSON when it has one (a
// query result, encoded as its rows arrived). The bytes are read-only.
func encodeOutput(v any) ([]byte, error) {
	if a, ok := v.(interface{ JSON() ([]byte, error) }); ok {
		return a.JSON()
	}
	return json.Marshal(v)
}

// WithResultBudget bounds the result bytes all calls hold at once
// (server.max_inflight_result_bytes); nil is unlimited.
func WithResultBudget(b *budget.Budget) Option {
	return func(s *Service) { s.budget = b }
}

// HoldResults returns ctx under which Call accounts its result against
// the result budget, and the func that gives it back: a transport that
// writes the result after Call returns calls it once the result is
// written.
func (s *Service) HoldResults(ctx context.Context) (context.Context, func()) {
	return budget.With(ctx, s.budget)
}

// invoke calls t. A panic (a driver bug on an unusual column type, say)
// becomes an internal error of this call instead of killing the server
// and every session on it; the stack goes to the server log only.
func invoke(ctx context.Context, t Tool, args json.RawMessage) (out Output, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = Output{}, &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return t.Call(ctx, args)
}

// panicError is a tool call that panicked.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// errorText is what the caller sees of an error of the kind. Known errors
// carry their own clear message; anything else is logged and replaced by a
// generic one, so no internal detail or stack reaches a client.
func (s *Service) errorText(ctx context.Context, tool, kind string, err error) string {
	switch kind {
	case KindCancelled:
		return cancelReason(ctx)
	case KindInternal:
		attrs := []any{"tool", tool, "request_id", requestID(ctx), "err", err}
		if p, ok := errors.AsType[*panicError](err); ok {
			attrs = append(attrs, "stack", string(p.stack))
		}
		s.log.ErrorContext(ctx, "tool failed unexpectedly", attrs...)
		return "internal error; see the server log for request id " + requestID(ctx)
	}
	return err.Error()
}

// WithMetrics records every tool call in m (docs/metrics.md); the
// built-in tools' series start at zero.
func WithMetrics(m *metrics.Metrics) Option {
	return func(s *Service) {
		s.metrics = m
		for _, t := range s.tools {
			m.InitTool(t.Def.Name)
		}
	}
}

// logCall writes the call's log line and records its metrics.
func (s *Service) logCall(ctx context.Context, c *toolCall) {
	d := time.Since(c.start)
	mtool, code := c.tool, int32(0)
	if !s.isBuiltin(c.tool) {
		mtool = "generated" // one label for every generated tool: bounded cardinality
	}
	if c.qe != nil {
		code = c.qe.Code
	}
	s.metrics.ToolCall(mtool, c.kind, d, c.out.Rows, c.out.Truncated, code)
	level := slog.LevelInfo
	if c.err != nil {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(ctx, level) {
		return // skip building attributes nobody will see
	}
	attrs := []any{
		"request_id", requestID(ctx), "tool", c.tool, "user", c.user, "identity_source", string(c.id.Source),
		"duration_ms", float64(d.Microseconds()) / 1000, "rows", c.out.Rows, "truncated", c.out.Truncated,
	}
	if c.err == nil {
		s.log.InfoContext(ctx, "tool call", attrs...)
		return
	}
	if c.qe != nil {
		attrs = append(attrs, "error_code", c.qe.Code, "query_id", c.qe.QueryID)
	}
	attrs = append(attrs, "error", c.kind)
	s.log.WarnContext(ctx, "tool call failed", attrs...)
}

// Error kinds: Failure.Kind (the "kind" of an MCP error result's
// _meta[MetaError]), the outcome label of metrics (which defines them, so
// the label values and these cannot drift apart) and the class the
// OpenAPI facade maps to a status.
const (
	KindInvalidArguments = metrics.OutcomeInvalidArguments
	KindRefused          = metrics.OutcomeRefused
	KindPolicy           = metrics.OutcomePolicy
	KindNotFound         = metrics.OutcomeNotFound
	KindClickHouse       = metrics.OutcomeClickHouse
	KindCancelled        = metrics.OutcomeCancelled
	KindConnection       = metrics.OutcomeConnection
	KindAuth             = metrics.OutcomeAuth
	KindInternal         = metrics.OutcomeInternal
	KindBusy             = metrics.OutcomeBusy
	KindTimeout          = metrics.OutcomeTimeout
)

// errKind names the class of an error for clients, logs and metrics
// without echoing its text (which may quote user data), and returns the
// ClickHouse error inside it, if any.
func errKind(err error) (string, *clickhouse.QueryError) {
	if qe, ok := errors.AsType[*clickhouse.QueryError](err); ok {
		return KindClickHouse, qe
	}
	switch {
	case is[*clickhouse.AuthError](err):
		return KindAuth, nil
	case is[*identity.PolicyError](err):
		return KindPolicy, nil
	case is[*clickhouse.GuardError](err):
		return KindRefused, nil
	case is[*clickhouse.NotFoundError](err):
		return KindNotFound, nil
	case is[*clickhouse.CancelledError](err):
		return KindCancelled, nil
	case is[*clickhouse.BusyError](err):
		return KindBusy, nil
	case is[*clickhouse.TimeoutError](err):
		return KindTimeout, nil
	case is[*clickhouse.ConnectionError](err):
		return KindConnection, nil
	case is[*ArgumentError](err):
		return KindInvalidArguments, nil
	case is[*budget.BusyError](err):
		return KindBusy, nil
	}
	return KindInternal, nil
}

func is[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}
