package mcphttp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpRouter serves both generations of streamable HTTP from one endpoint:
// 2026-07-28 clients are stateless (any replica can answer, a dropped
// connection cancels the call), while 2025-xx clients that open with the
// initialize handshake get a session, so their notifications/cancelled,
// logging/setLevel and list_changed streams work as those revisions expect.
type mcpRouter struct {
	fast                *fastToolCalls // nil: the go-sdk answers everything
	stateless, stateful http.Handler
	maxBody             int64
}

// newMCPRouter serves with the go-sdk servers getServer returns; fast,
// when not nil, answers plain stateless tools/calls itself. Sessions idle
// for sessionIdle are closed.
func newMCPRouter(getServer func(*http.Request) *sdk.Server, fast *fastToolCalls, opts sdk.StreamableHTTPOptions, sessionIdle time.Duration) *mcpRouter {
	statelessOpts := opts
	statelessOpts.Stateless = true
	statelessOpts.PropagateRequestCancellation = true
	// Plain JSON, not an SSE stream, for stateless calls: chmcp sends no
	// in-request notifications, and the SSE framing cost ~12% CPU per call.
	statelessOpts.JSONResponse = true
	statefulOpts := opts
	statefulOpts.SessionTimeout = sessionIdle
	// The session gate finds a new session on the server it was given.
	statefulServer := func(r *http.Request) *sdk.Server { return noteServer(r, getServer(r)) }
	return &mcpRouter{
		fast:      fast,
		stateless: sdk.NewStreamableHTTPHandler(getServer, &statelessOpts),
		stateful:  sdk.NewStreamableHTTPHandler(statefulServer, &statefulOpts),
		maxBody:   opts.MaxRequestBodyBytes,
	}
}

func (m *mcpRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.sessionful(r) {
		m.stateful.ServeHTTP(w, r)
		return
	}
	if m.fast != nil && m.fast.serve(w, r, m.maxBody) {
		return
	}
	m.stateless.ServeHTTP(w, r)
}

func (m *mcpRouter) sessionful(r *http.Request) bool {
	if r.Header.Get("Mcp-Session-Id") != "" {
		return true
	}
	version := r.Header.Get("Mcp-Protocol-Version")
	if version >= "2026-07-28" {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodDelete:
		return version != "" // an old client's stream; else 405 from stateless
	case http.MethodPost:
		return isInitialize(r, m.maxBody)
	}
	return false
}

// isInitialize peeks at the body (restoring it) for an initialize request.
func isInitialize(r *http.Request, limit int64) bool {
	if r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil {
		return false
	}
	var msg struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(body, &msg) == nil && msg.Method == "initialize"
}
