package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/metrics"
)

// Service owns the tools and resources over one ClickHouse client.
type Service struct {
	ch      *clickhouse.Client
	log     *slog.Logger
	version string
	tools   []Tool
	static  map[string]bool
	dyn     *dynamicTools // nil without server.tools rules
	shared  func() *sdk.Server
	metrics *metrics.Metrics // nil: not recorded
}

// NewService builds the service; version is reported as serverInfo.version.
func NewService(ch *clickhouse.Client, log *slog.Logger, version string, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{ch: ch, log: log, version: version, static: map[string]bool{}}
	s.tools = s.Tools()
	for _, t := range s.tools {
		s.static[t.Def.Name] = true
	}
	for _, o := range opts {
		o(s)
	}
	s.shared = sync.OnceValue(func() *sdk.Server { return s.newServer(nil) })
	return s
}

const instructions = "chmcp gives read access to ClickHouse. Start with list_databases, list_tables and describe_table, " +
	"then query with execute_query. Prefer aggregates and LIMIT: results are capped and marked truncated when cut."

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
		// Explicit, because the go-sdk answers prompts/list whatever is
		// declared. Only generated tools change at run time.
		Capabilities: &sdk.ServerCapabilities{
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
	srv := sdk.NewServer(&sdk.Implementation{Name: "chmcp", Title: "ClickHouse MCP server", Version: s.version}, opts)
	for _, t := range s.tools {
		srv.AddTool(t.Def, s.handler(t))
	}
	s.addResources(srv)
	if e != nil {
		srv.AddReceivingMiddleware(e.middleware)
	}
	return srv
}

// Version is the server version reported to clients.
func (s *Service) Version() string { return s.version }

// client is the ClickHouse client of this request: the one a JWE token
// named, else the server's.
func (s *Service) client(ctx context.Context) *clickhouse.Client {
	return clickhouse.ClientFrom(ctx, s.ch)
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

// handler adapts a Tool to the go-sdk and writes the one log line per call.
func (s *Service) handler(t Tool) sdk.ToolHandler {
	name := t.Def.Name
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		start := time.Now()
		out, err := t.Call(ctx, req.Params.Arguments)
		res := s.toResult(ctx, name, out, err)
		s.logCall(ctx, name, start, out, err)
		return res, nil
	}
}

// Call runs a tool by name outside MCP (OpenAPI, tests) with the same
// guards, logging and error mapping: a built-in tool, or one generated for
// the identity in ctx.
func (s *Service) Call(ctx context.Context, name string, args json.RawMessage) (*sdk.CallToolResult, bool) {
	t, ok := s.lookup(ctx, name)
	if !ok {
		return nil, false
	}
	res, _ := s.handler(t)(ctx, &sdk.CallToolRequest{Params: &sdk.CallToolParamsRaw{Name: name, Arguments: args}})
	return res, true
}

func (s *Service) lookup(ctx context.Context, name string) (Tool, bool) {
	for _, t := range s.tools {
		if t.Def.Name == name {
			return t, true
		}
	}
	if s.dyn == nil {
		return Tool{}, false
	}
	return s.dyn.entry(ctx).lookup(ctx, name)
}

// ToolsFor returns the built-in tools followed by those generated for the
// identity in ctx (by name); Tools is the built-in ones alone.
func (s *Service) ToolsFor(ctx context.Context) []Tool {
	if s.dyn == nil {
		return append([]Tool{}, s.tools...)
	}
	return append(append([]Tool{}, s.tools...), s.dyn.entry(ctx).list(ctx)...)
}

func (s *Service) isStatic(name string) bool { return s.static[name] }

func (s *Service) toResult(ctx context.Context, tool string, out Output, err error) *sdk.CallToolResult {
	if err != nil {
		return &sdk.CallToolResult{
			IsError: true,
			Content: []sdk.Content{&sdk.TextContent{Text: s.errorText(ctx, tool, err)}},
			Meta:    sdk.Meta{MetaError: errorMeta(err)},
		}
	}
	body, merr := json.Marshal(out.Value)
	if merr != nil {
		return s.toResult(ctx, tool, Output{}, merr)
	}
	raw := json.RawMessage(body)
	return &sdk.CallToolResult{
		Content:           []sdk.Content{&sdk.TextContent{Text: string(body)}},
		StructuredContent: raw,
		Meta:              sdk.Meta{"chmcp/user": s.client(ctx).EffectiveUser(identity.From(ctx)), "chmcp/identity_source": string(identity.From(ctx).Source)},
	}
}

// errorText is what the caller sees. Known errors carry their own clear
// message; anything else is logged and replaced by a generic one, so no
// internal detail or stack reaches a client.
func (s *Service) errorText(ctx context.Context, tool string, err error) string {
	switch errKind(err) {
	case "cancelled":
		return "query cancelled"
	case "internal":
		s.log.ErrorContext(ctx, "tool failed unexpectedly", "tool", tool, "request_id", requestID(ctx), "err", err)
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
func (s *Service) logCall(ctx context.Context, tool string, start time.Time, out Output, err error) {
	d := time.Since(start)
	level, kind := slog.LevelInfo, metrics.OutcomeOK
	var qe *clickhouse.QueryError
	if err != nil {
		level, kind = slog.LevelWarn, errKind(err)
		errors.As(err, &qe)
	}
	mtool, code := tool, int32(0)
	if !s.static[tool] {
		mtool = "generated" // one label for every generated tool: bounded cardinality
	}
	if qe != nil {
		code = qe.Code
	}
	s.metrics.ToolCall(mtool, kind, d, out.Rows, out.Truncated, code)
	if !s.log.Enabled(ctx, level) {
		return // skip building attributes nobody will see
	}
	id := identity.From(ctx)
	attrs := []any{
		"request_id", requestID(ctx), "tool", tool, "user", s.client(ctx).EffectiveUser(id), "identity_source", string(id.Source),
		"duration_ms", float64(d.Microseconds()) / 1000, "rows", out.Rows, "truncated", out.Truncated,
	}
	if err == nil {
		s.log.InfoContext(ctx, "tool call", attrs...)
		return
	}
	if qe != nil {
		attrs = append(attrs, "error_code", qe.Code, "query_id", qe.QueryID)
	}
	attrs = append(attrs, "error", kind)
	s.log.WarnContext(ctx, "tool call failed", attrs...)
}

// MetaError is the result _meta key of a failed call's machine-readable
// class: {"kind": errKind, "code", "name", "query_id" for ClickHouse
// errors}. The OpenAPI facade maps it to an HTTP status.
const MetaError = "chmcp/error"

func errorMeta(err error) map[string]any {
	m := map[string]any{"kind": errKind(err)}
	var qe *clickhouse.QueryError
	if errors.As(err, &qe) {
		m["code"] = qe.Code
		if qe.Name != "" {
			m["name"] = qe.Name
		}
		if qe.QueryID != "" {
			m["query_id"] = qe.QueryID
		}
	}
	return m
}

// errKind names the class of an error for logs without echoing its text
// (which may quote user data).
func errKind(err error) string {
	var (
		qe *clickhouse.QueryError
		ge *clickhouse.GuardError
		nf *clickhouse.NotFoundError
		ce *clickhouse.CancelledError
		co *clickhouse.ConnectionError
		ae *ArgumentError
		au *clickhouse.AuthError
		pe *identity.PolicyError
	)
	switch {
	case errors.As(err, &qe):
		return "clickhouse"
	case errors.As(err, &au):
		return "auth"
	case errors.As(err, &pe):
		return "policy"
	case errors.As(err, &ge):
		return "refused"
	case errors.As(err, &nf):
		return "not_found"
	case errors.As(err, &ce):
		return "cancelled"
	case errors.As(err, &co):
		return "connection"
	case errors.As(err, &ae):
		return "invalid_arguments"
	}
	return "internal"
}
