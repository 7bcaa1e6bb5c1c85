// Package mcphttp is chmcp's MCP endpoint over HTTP, and the one place
// where chmcp leans on behaviour of the go-sdk
// (github.com/modelcontextprotocol/go-sdk) that is not its API. The HTTP
// edge (internal/httpapi) mounts Endpoint.Streamable and Endpoint.SSE
// behind its own middleware (Host/Origin checks, CORS, authentication,
// body limit, shutdown tracking) and knows nothing of what follows.
//
// # Contract
//
// Verified against go-sdk v1.8.0 (TestGoSDKVersionVerified fails when
// go.mod moves it). What this package relies on, by file:
//
//   - fastcall.go, the stateless tools/call fast path (server.fast_path):
//     for a 2026-07-28 tools/call the go-sdk answers, with
//     StreamableHTTPOptions{Stateless, JSONResponse}, 200 with
//     Content-Type application/json and Cache-Control "no-cache,
//     no-transform", and the body jsonrpc.EncodeMessage makes of the
//     response: integer or non-HTML-escaped string id, the result as its
//     MarshalJSON writes it, plus "resultType":"complete" (SEP-2322, set
//     on an unexported field), null content as [], and its serverInfo in
//     _meta["io.modelcontextprotocol/serverInfo"] unless the result set
//     one (SEP-2575). It decodes messages as its internal/json does
//     (segmentio/encoding, keys matched exactly, nesting over 1000 refused
//     before decoding, a value that does not decode refused), accepts a
//     POST only with Content-Type application/json and an Accept that
//     admits application/json and text/event-stream (wildcards count),
//     and checks Mcp-Method, Mcp-Name and Mcp-Protocol-Version against
//     the body. Between decoding and the tool handler it runs the
//     server's receiving middleware, checks Mcp-Param-* headers for
//     tools whose input schema binds them (x-mcp-header, SEP-2243), and
//     neither validates arguments (Server.AddTool) nor applies
//     SetCacheable to tools/call results. The fast path serves only what
//     it can answer byte for byte; it declines (the go-sdk then answers
//     the untouched request) any other shape, any tool that mentions
//     x-mcp-header, and any server with receiving middleware that
//     mcp.Service.Call does not do (mcp.Service.DirectCall).
//   - rpcerrors.go: the go-sdk's HTTP-level refusals are plain text (from
//     http.Error); "malformed payload..." is a parse error and "...not
//     handled...unsupported..." an unknown method, by their wording.
//   - session.go: the go-sdk refuses (403) a session request whose
//     auth.TokenInfo.UserID is not its opener's, and only
//     auth.RequireBearerToken sets TokenInfo: the verified caller is
//     presented to it under a placeholder bearer token. The SSE handler
//     has no such check; its session id is read from the stream's first
//     "endpoint" event (sessionid=...).
//   - sessiongate.go: a new session is the ServerSession of the server
//     getServer gave the initialize request whose ID() is the response's
//     Mcp-Session-Id, and its Wait returns when it is closed.
//   - sessiondrop.go: a pre-2026 session's calls run on the session's
//     context, so a dropped POST is cancelled by posting
//     notifications/cancelled into the session as its opener.
//   - mcproute.go: Stateless with PropagateRequestCancellation ties a
//     2026-07-28 call to its HTTP request; pre-2026 clients open a session
//     with initialize and name it in Mcp-Session-Id.
//
// # When the go-sdk moves
//
// Re-check each point above in the new source, then run the parity tests:
// TestFastToolCallsAnswerAsTheSDK, TestFastToolCallsLeaveTheRestToTheSDK
// and TestFastToolCallsLeaveParamHeadersToTheSDK (fixed results of every
// shape), TestFastPathAgreesWithSDKOnChmcp,
// TestFastPathAgreesWithSDKOnGeneratedTools and
// TestFastPathDeclinesWhenMiddlewareWouldBeBypassed (chmcp's real server
// on ClickHouse), FuzzFastPathAgreesWithSDK for longer than make test does
// (make fuzz), and internal/httpapi's TestFastPathSwitch,
// TestFastPathAnswersAsTheSDKThroughTheRoutes and session tests. The
// differential tests compare whole responses but for two fields that
// differ between any two runs of a call: query ids and elapsed_ms. If the
// fast path cannot be made to agree, turn it off (server.fast_path: false)
// rather than ship a difference.
package mcphttp
