package httpapi

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

	fastjson "github.com/segmentio/encoding/json"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
)

// toolCaller runs a tool by name for the identity in ctx and returns a
// result of the caller's own (mcp.Service.Call builds one per call); false
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
	call   toolCaller
	server *sdk.Implementation // the serverInfo the go-sdk server reports
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
	var res *sdk.CallToolResult
	if ok {
		ctx := clickhouse.WithAttribution(r.Context(), clickhouse.Attribution{Client: info.Name, ClientVersion: info.Version})
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
	msg, err := encodeToolResult(id, res)
	if err != nil { // not for chmcp's own results; the tool ran, so answer
		msg, _ = jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Error: &jsonrpc.Error{
			Code: jsonrpc.CodeInternalError, Message: "the tool result could not be encoded"}})
	}
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("Content-Type", "application/json")
	w.Write(msg)
	return true
}

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

// encodeToolResult is the go-sdk's response to a 2026-07-28 tools/call,
// byte for byte: the result marks itself complete (SEP-2322's
// resultType, which the go-sdk sets on an unexported field) inside the
// usual JSON-RPC envelope.
func encodeToolResult(id jsonrpc.ID, res *sdk.CallToolResult) ([]byte, error) {
	msg := make([]byte, 0, encodedSize(res))
	msg = append(msg, `{"jsonrpc":"2.0","id":`...)
	msg, err := appendID(msg, id)
	if err != nil {
		return nil, err
	}
	msg = append(msg, `,"result":`...)
	if msg, err = appendToolResult(msg, res); err != nil {
		return nil, err
	}
	return append(msg, '}'), nil
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

// encodedSize estimates the encoded response, so that a large one is
// written into one buffer instead of a doubling series of them.
func encodedSize(res *sdk.CallToolResult) int {
	n := 256
	if raw, ok := res.StructuredContent.(json.RawMessage); ok {
		n += len(raw)
	}
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok && t != nil {
			n += len(t.Text) + len(t.Text)/4 // escaping
		}
	}
	return n
}

// appendToolResult appends res as the go-sdk encodes it, with resultType
// "complete". encoding/json re-validates a raw value at every level it is
// nested in, which for a 1 MiB result costs tens of milliseconds; so
// chmcp's own shape (text content, raw structured content, _meta,
// isError) is written directly, and anything else goes through the
// go-sdk's MarshalJSON.
func appendToolResult(b []byte, res *sdk.CallToolResult) ([]byte, error) {
	structured, raw := res.StructuredContent.(json.RawMessage)
	if res.InputRequests != nil || res.RequestState != "" || !plainText(res.Content) ||
		(res.StructuredContent != nil && (!raw || (structured != nil && len(structured) == 0))) {
		result, err := res.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if len(result) < 2 || result[len(result)-1] != '}' {
			return nil, errNotObject
		}
		return append(append(b, result[:len(result)-1]...), `,"resultType":"complete"}`...), nil
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
	b = append(b, `"content":[`...)
	for i, c := range res.Content {
		if i > 0 {
			b = append(b, ',')
		}
		text, err := json.Marshal(c.(*sdk.TextContent).Text)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, `{"type":"text","text":`...), text...), '}')
	}
	b = append(b, ']')
	switch {
	case raw && structured == nil: // a typed nil, which encoding/json writes as null
		b = append(b, `,"structuredContent":null`...)
	case raw:
		// As Service.run made it: encoding/json output, so already
		// compact and HTML-escaped, which is all re-encoding would do.
		b = append(append(b, `,"structuredContent":`...), structured...)
	}
	if res.IsError {
		b = append(b, `,"isError":true`...)
	}
	return append(b, `,"resultType":"complete"}`...), nil
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
