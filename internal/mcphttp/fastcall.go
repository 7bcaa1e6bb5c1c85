package mcphttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/jsonstr"
)

// toolCaller runs a tool by name for the identity in ctx and returns a
// result of the caller's own (mcp.Service.CallResult renders one per call); false
// means no such tool, and then nothing ran.
type toolCaller func(ctx context.Context, name string, args json.RawMessage) (*sdk.CallToolResult, bool)

// fastToolCalls answers the one request that dominates real traffic, a
// stateless 2026-07-28 tools/call, without the go-sdk's per-request
// session: the go-sdk builds a session, a JSON-RPC connection and two
// goroutines for each such POST and decodes the body about fourteen times,
// which is most of chmcp's CPU per call (docs/performance.md). It serves
// only a plain, valid request, exactly as the go-sdk would (a test
// compares the two byte for byte); everything else, including every
// request that needs an error answer, goes to the go-sdk untouched.
type fastToolCalls struct {
	call toolCaller
	// direct says whether call may answer a tools/call of name in place
	// of the go-sdk server of ctx's caller, with the tool's definition
	// (mcp.Service.DirectCall): false when the server has receiving
	// middleware that call does not do, or there is no such tool.
	direct func(ctx context.Context, name string) (*sdk.Tool, bool)
	server *sdk.Implementation // the serverInfo the go-sdk server reports
	// hold, when set, keeps a call's result accounted in the result budget
	// until its response is written (mcp.Service.HoldResults).
	hold func(context.Context) (context.Context, func())
}

const (
	fastProtocolVersion = "2026-07-28"
	fastMethod          = "tools/call"
)

// serve answers r and returns true, or returns false having written
// nothing and left r's body as it found it. A body over maxBody is the
// go-sdk's to refuse.
func (f *fastToolCalls) serve(w http.ResponseWriter, r *http.Request, maxBody int64) bool {
	h := r.Header
	name := h.Get("Mcp-Name")
	if r.Method != http.MethodPost || name == "" ||
		h.Get("Mcp-Protocol-Version") != fastProtocolVersion || h.Get("Mcp-Method") != fastMethod ||
		len(h.Values("Mcp-Session-Id")) > 0 || len(h.Values("Last-Event-ID")) > 0 ||
		!isJSONContent(h.Get("Content-Type")) || !acceptsJSONAndSSE(h.Values("Accept")) || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || int64(len(body)) > maxBody {
		// Too large, or a broken connection: the go-sdk reports it.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		return false
	}
	id, args, info, ok := parseToolCall(body, name)
	ok = ok && f.answers(r.Context(), name)
	var res *sdk.CallToolResult
	if ok {
		ctx := clickhouse.WithAttribution(r.Context(), clickhouse.Attribution{Client: info.Name, ClientVersion: info.Version})
		if f.hold != nil {
			var release func()
			ctx, release = f.hold(ctx)
			defer release()
		}
		res, ok = f.call(ctx, name, args) // false: unknown tool, nothing ran
	}
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return false
	}
	// What the go-sdk does to every result: no null content, and in
	// 2026-07-28 its serverInfo in _meta (SEP-2575).
	if res.Content == nil {
		res.Content = []sdk.Content{}
	}
	if res.Meta == nil {
		res.Meta = sdk.Meta{}
	}
	if _, ok := res.Meta[sdk.MetaKeyServerInfo]; !ok {
		res.Meta[sdk.MetaKeyServerInfo] = f.server
	}
	scratch := scratchBuffers.Get().(*[]byte)
	defer scratchBuffers.Put(scratch)
	head, err := appendResponseHead((*scratch)[:0], id, res)
	if err != nil { // not for chmcp's own results; the tool ran, so answer
		head, _ = jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Error: &jsonrpc.Error{
			Code: jsonrpc.CodeInternalError, Message: "the tool result could not be encoded"}})
	}
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("Content-Type", "application/json")
	if err == nil && head[len(head)-1] != '}' {
		// chmcp's own shape: the head ends inside the result, and the rest
		// is written straight from the result.
		*scratch = writeResponseTail(w, head, res)
		return true
	}
	w.Write(head)
	if cap(head) <= scratchSize { // a larger one is not kept in the pool
		*scratch = head[:0]
	}
	return true
}

// scratchBuffers hold the head of a response and the pieces of its text
// as they are escaped: a response is written in pieces of this size, never
// built whole.
var scratchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, scratchSize); return &b }}

const scratchSize = 64 << 10

// strict is how the go-sdk decodes (keys matched exactly), plus
// DisallowUnknownFields: a request with anything unexpected in it is the
// go-sdk's to answer. Strings and raw values alias the body, which
// outlives the call.
const strict = fastjson.DontMatchCaseInsensitiveStructFields | fastjson.DisallowUnknownFields | fastjson.ZeroCopy

// maxDepth is the go-sdk's nesting limit for a message: it refuses deeper
// JSON before decoding, and so must this path, whose decoder recurses
// once per level (a few MB of "[" would exhaust the stack).
const maxDepth = 1000

// toolCallMessage is a JSON-RPC tools/call of protocol 2026-07-28, which
// carries the _meta triple (SEP-2575) in place of an initialize handshake.
type toolCallMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type toolCallParams struct {
	Meta *struct {
		ProtocolVersion    string          `json:"io.modelcontextprotocol/protocolVersion"`
		ClientCapabilities json.RawMessage `json:"io.modelcontextprotocol/clientCapabilities"`
		ClientInfo         json.RawMessage `json:"io.modelcontextprotocol/clientInfo"`
	} `json:"_meta"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// sdkView is the params as the go-sdk decodes them besides: _meta as a map
// and arguments as any value. Where that fails (a number beyond float64,
// say) the go-sdk refuses the request, so this path must not serve it.
type sdkView struct {
	Meta      map[string]any `json:"_meta"`
	Arguments any            `json:"arguments"`
}

// parseToolCall accepts only a single well-formed tools/call of name,
// with the _meta triple of this protocol version and well-formed client
// capabilities (and client info, if any), and returns its id and
// arguments, and the client's info (empty without one).
func parseToolCall(body []byte, name string) (jsonrpc.ID, json.RawMessage, sdk.Implementation, bool) {
	var msg toolCallMessage
	var params toolCallParams
	if !withinDepth(body, maxDepth) || !parses(body, &msg, strict) ||
		msg.JSONRPC != "2.0" || msg.Method != fastMethod || !parses(msg.Params, &params, strict) ||
		params.Name != name || params.Meta == nil || params.Meta.ProtocolVersion != fastProtocolVersion ||
		!parses(msg.Params, &sdkView{}, fastjson.DontMatchCaseInsensitiveStructFields) {
		return jsonrpc.ID{}, nil, sdk.Implementation{}, false
	}
	var caps sdk.ClientCapabilities
	var info sdk.Implementation
	if !decodes(params.Meta.ClientCapabilities, &caps) || (params.Meta.ClientInfo != nil && !decodes(params.Meta.ClientInfo, &info)) {
		return jsonrpc.ID{}, nil, sdk.Implementation{}, false
	}
	var rawID any
	if !decodes(msg.ID, &rawID) {
		return jsonrpc.ID{}, nil, sdk.Implementation{}, false
	}
	id, err := jsonrpc.MakeID(rawID) // the go-sdk's own reading of an id
	if err != nil || !id.IsValid() {
		return jsonrpc.ID{}, nil, sdk.Implementation{}, false
	}
	return id, params.Arguments, info, true
}

// parses: data is one JSON value (whitespace around it) that decodes into
// dst with flags.
func parses(data []byte, dst any, flags fastjson.ParseFlags) bool {
	if len(data) == 0 {
		return false
	}
	rest, err := fastjson.Parse(data, dst, flags)
	return err == nil && len(bytes.TrimSpace(rest)) == 0
}

// decodes: raw, present and not null, decodes into dst as the go-sdk
// decodes _meta values (known and unknown fields alike).
func decodes(raw json.RawMessage, dst any) bool {
	return len(raw) > 0 && string(raw) != "null" && parses(raw, dst, fastjson.DontMatchCaseInsensitiveStructFields)
}

// withinDepth: data nests objects and arrays no deeper than limit,
// counted as the go-sdk counts (internal/json.checkMaxDepth).
func withinDepth(data []byte, limit int) bool {
	depth, inString, escaped := 0, false, false
	for _, b := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case inString && b == '"':
			inString = false
		case inString:
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			if depth++; depth > limit {
				return false
			}
		case (b == '}' || b == ']') && depth > 0:
			depth--
		}
	}
	return true
}

// appendResponseHead appends the go-sdk's response to a 2026-07-28
// tools/call, byte for byte, up to where writeResponseTail goes on: the
// result marks itself complete (SEP-2322's resultType, which the go-sdk
// sets on an unexported field) inside the usual JSON-RPC envelope.
//
// encoding/json re-validates a raw value at every level it is nested in,
// which for a 1 MiB result costs tens of milliseconds; so chmcp's own
// shape (text content, raw structured content, _meta, isError) is written
// directly, and the head then ends with the opening of the content array.
// Anything else goes through the go-sdk's MarshalJSON and the head is the
// whole response, ending with '}'. Whatever can fail fails here, before a
// byte is written.
func appendResponseHead(b []byte, id jsonrpc.ID, res *sdk.CallToolResult) ([]byte, error) {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b, err := appendID(b, id)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"result":`...)
	if !chmcpShape(res) {
		result, err := res.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if len(result) < 2 || result[len(result)-1] != '}' {
			return nil, errNotObject
		}
		return append(append(b, result[:len(result)-1]...), `,"resultType":"complete"}}`...), nil
	}
	b = append(b, '{')
	if len(res.Meta) > 0 {
		meta, err := json.Marshal(res.Meta)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `"_meta":`...), meta...)
		b = append(b, ',')
	}
	return append(b, `"content":[`...), nil
}

// chmcpShape: res is what mcp.Outcome.Result makes (text content, raw or no
// structured content, no input requests), which writeResponseTail writes.
func chmcpShape(res *sdk.CallToolResult) bool {
	structured, raw := res.StructuredContent.(json.RawMessage)
	return res.InputRequests == nil && res.RequestState == "" && plainText(res.Content) &&
		(res.StructuredContent == nil || (raw && (structured == nil || len(structured) > 0)))
}

// writeResponseTail writes head and then the rest of a chmcpShape
// result: the text of each content item, escaped piece by piece into the
// scratch space after head, and the structured content as it is. It
// returns the scratch buffer. A write error is a client gone: nothing to
// answer.
func writeResponseTail(w io.Writer, head []byte, res *sdk.CallToolResult) []byte {
	out := pieceWriter{w: w, buf: head}
	for i, c := range res.Content {
		if i > 0 {
			out.add(",")
		}
		out.add(`{"type":"text","text":"`)
		out.text(c.(*sdk.TextContent).Text)
		out.add(`"}`)
	}
	out.add("]")
	switch structured, raw := res.StructuredContent.(json.RawMessage); {
	case raw && structured == nil: // a typed nil, which encoding/json writes as null
		out.add(`,"structuredContent":null`)
	case raw:
		// As mcp.Outcome.Result made it: encoding/json output, so already
		// compact and HTML-escaped, which is all re-encoding would do.
		out.add(`,"structuredContent":`)
		out.raw(structured)
	}
	if res.IsError {
		out.add(`,"isError":true`)
	}
	out.add(`,"resultType":"complete"}}`)
	out.flush()
	return out.buf[:0]
}

// pieceWriter gathers small parts in buf and writes it when full, so a
// small response is one Write and a large one is never held whole.
type pieceWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func (p *pieceWriter) flush() {
	if len(p.buf) > 0 && p.err == nil {
		_, p.err = p.w.Write(p.buf)
	}
	p.buf = p.buf[:0]
}

func (p *pieceWriter) add(s string) {
	if len(p.buf)+len(s) > cap(p.buf) {
		p.flush()
	}
	p.buf = append(p.buf, s...)
}

// text appends s escaped, in pieces that fit the buffer (escaping grows a
// byte to at most 6).
func (p *pieceWriter) text(s string) {
	for len(s) > 0 {
		room := (cap(p.buf) - len(p.buf)) / 6
		if room < utf8.UTFMax {
			p.flush()
			room = max(cap(p.buf)/6, utf8.UTFMax)
		}
		n := jsonstr.Cut(s, room)
		p.buf = jsonstr.AppendContent(p.buf, s[:n])
		s = s[n:]
	}
}

// raw appends b, or writes it as it is when it does not fit.
func (p *pieceWriter) raw(b []byte) {
	if len(p.buf)+len(b) <= cap(p.buf) {
		p.buf = append(p.buf, b...)
		return
	}
	p.flush()
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
}

// appendID appends id as the go-sdk's envelope encodes it: an integer, or
// a string escaped by encoding/json without HTML escaping.
func appendID(b []byte, id jsonrpc.ID) ([]byte, error) {
	switch v := id.Raw().(type) {
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
	}
	return nil, errors.New("unsupported JSON-RPC id")
}

// plainText: every content item is text without annotations or _meta.
func plainText(content []sdk.Content) bool {
	for _, c := range content {
		if t, ok := c.(*sdk.TextContent); !ok || t == nil || t.Meta != nil || t.Annotations != nil {
			return false
		}
	}
	return true
}

var errNotObject = errors.New("tool result is not a JSON object")

func isJSONContent(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && mt == "application/json"
}

// acceptsJSONAndSSE is the go-sdk's Accept rule for streamable POSTs.
func acceptsJSONAndSSE(values []string) bool {
	var jsonOK, sseOK bool
	for _, v := range values {
		for tok := range strings.SplitSeq(v, ",") {
			base, _, _ := strings.Cut(tok, ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				sseOK = true
			case "*/*":
				jsonOK, sseOK = true, true
			}
		}
	}
	return jsonOK && sseOK
}
