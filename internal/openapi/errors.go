package openapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/mcp"
)

// Error kinds. The first group are the tool layer's (the "kind" of
// _meta["chmcp/error"] on an error result); the rest are the facade's own.
const (
	kindInvalidArguments = mcp.KindInvalidArguments
	kindRefused          = mcp.KindRefused
	kindPolicy           = mcp.KindPolicy
	kindNotFound         = mcp.KindNotFound
	kindClickHouse       = mcp.KindClickHouse
	kindCancelled        = mcp.KindCancelled
	kindConnection       = mcp.KindConnection
	kindAuth             = mcp.KindAuth
	kindInternal         = mcp.KindInternal
	kindBusy             = mcp.KindBusy
	kindTimeout          = mcp.KindTimeout

	kindMethodNotAllowed     = "method_not_allowed"
	kindUnsupportedMediaType = "unsupported_media_type"
	kindTooLarge             = "too_large"
	kindCrossSite            = "cross_site"
)

// ClickHouse error codes that get a status of their own; every other
// ClickHouse error is 502.
const (
	chTimeoutExceeded = 159 // TIMEOUT_EXCEEDED: max_execution_time
	chReadOnly        = 164 // READONLY: refused by readonly=1, the second read-only guard
	chSyntaxError     = 62  // the caller's SQL does not parse
	chAccessDenied    = 497 // ACCESS_DENIED: the user lacks a grant
)

// apiError is the error object of every error response.
type apiError struct {
	Message string `json:"message"`
	Kind    string `json:"kind"`
	Code    int32  `json:"code,omitempty"` // ClickHouse error code
	Name    string `json:"name,omitempty"` // ClickHouse error name
	QueryID string `json:"query_id,omitempty"`
}

type errorBody struct {
	Error apiError `json:"error"`
}

// statusOf maps an error kind (and a ClickHouse code) to an HTTP status.
func statusOf(e *apiError) int {
	switch e.Kind {
	case kindInvalidArguments, kindRefused:
		return http.StatusBadRequest
	case kindPolicy, kindCrossSite:
		return http.StatusForbidden
	case kindNotFound:
		return http.StatusNotFound
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kindTooLarge:
		return http.StatusRequestEntityTooLarge
	case kindUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case kindClickHouse:
		switch e.Code {
		case chTimeoutExceeded:
			return http.StatusGatewayTimeout
		case chReadOnly, chSyntaxError:
			return http.StatusBadRequest
		case chAccessDenied:
			return http.StatusForbidden
		}
		return http.StatusBadGateway
	case kindAuth:
		return http.StatusBadGateway
	case kindConnection, kindBusy:
		return http.StatusServiceUnavailable
	case kindCancelled, kindTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

var toolKinds = map[string]bool{
	kindInvalidArguments: true, kindRefused: true, kindPolicy: true, kindNotFound: true, kindClickHouse: true,
	kindCancelled: true, kindConnection: true, kindAuth: true, kindInternal: true, kindBusy: true, kindTimeout: true,
}

// resultError describes an error result: from _meta[mcp.MetaError]
// ({"kind", "code", "name", "query_id"}) when the tool layer classified
// it, else from its text.
func resultError(res *sdk.CallToolResult) apiError {
	e := apiError{Message: resultText(res)}
	if e.Message == "" {
		e.Message = noMessage
	}
	if raw, ok := res.Meta[mcp.MetaError]; ok {
		// Any Go value with that JSON shape: a map or a struct.
		if b, err := json.Marshal(raw); err == nil {
			var m apiError
			if json.Unmarshal(b, &m) == nil && toolKinds[m.Kind] {
				e.Kind, e.Code, e.Name, e.QueryID = m.Kind, m.Code, m.Name, m.QueryID
				return e
			}
		}
	}
	classifyText(&e)
	return e
}

const noMessage = "the tool failed without a message"

func resultText(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// clickHouseError matches QueryError's text: "ClickHouse error 60 (UNKNOWN_TABLE): ...".
var clickHouseError = regexp.MustCompile(`^ClickHouse error (\d+)(?: \(([A-Za-z0-9_]+)\))?: `)

// textKinds are how the tool layer's messages start, by kind.
var textKinds = []struct{ prefix, kind string }{
	{noMessage, kindInternal},
	{"invalid arguments: ", kindInvalidArguments},
	{"access refused", kindPolicy},
	{"query cancelled", kindCancelled},
	{"server busy: ", kindBusy},
	{"query timed out: ", kindTimeout},
	{"internal error", kindInternal},
	{"ClickHouse rejected interserver authentication", kindAuth},
	{"cannot connect to ClickHouse", kindConnection},
	{"ClickHouse unavailable: ", kindConnection},
	{"ClickHouse at ", kindConnection}, // "... closed the connection"
	{"timed out talking to ClickHouse", kindConnection},
	{"ClickHouse request failed", kindConnection},
	{"server busy", kindBusy},
}

// classifyText is the fallback for results without _meta["chmcp/error"]:
// it reads the kind from the tool layer's message. Anything unrecognised
// is a guard refusal (GuardError texts vary).
func classifyText(e *apiError) {
	t := e.Message
	if m := clickHouseError.FindStringSubmatch(t); m != nil {
		code, _ := strconv.ParseInt(m[1], 10, 32)
		e.Kind, e.Code, e.Name = kindClickHouse, int32(code), m[2]
		return
	}
	if strings.HasSuffix(t, " does not exist or you are not allowed to see it") {
		e.Kind = kindNotFound
		return
	}
	e.Kind = kindRefused
	for _, k := range textKinds {
		if strings.HasPrefix(t, k.prefix) {
			e.Kind = k.kind
			return
		}
	}
}

// retryAfterBusy is the Retry-After of a "server busy" 503, in seconds.
const retryAfterBusy = "1"

// writeResult answers a call: the structured result as the body, or the
// mapped error.
func (h *Handler) writeResult(w http.ResponseWriter, res *sdk.CallToolResult) {
	if res.IsError {
		e := resultError(res)
		if e.Kind == kindBusy {
			// Every connection to ClickHouse, or the result budget, was busy: a short retry is
			// likely to succeed, and a load balancer can move on.
			w.Header().Set("Retry-After", retryAfterBusy)
		}
		writeError(w, statusOf(&e), e)
		return
	}
	body, err := structured(res)
	if err != nil {
		h.log.Error("cannot encode a tool result", "err", err)
		writeError(w, http.StatusInternalServerError, apiError{Message: "internal error: the result could not be encoded", Kind: kindInternal})
		return
	}
	if mayBeTruncated(body) {
		var cut struct {
			Truncated bool   `json:"truncated"`
			Reason    string `json:"truncated_reason"`
		}
		if json.Unmarshal(body, &cut) == nil && cut.Truncated {
			w.Header().Set(HeaderTruncated, "true")
			if cut.Reason != "" {
				w.Header().Set(HeaderTruncatedReason, cut.Reason)
			}
		}
	}
	writeBody(w, http.StatusOK, body)
}

// mayBeTruncated says whether body holds a "truncated" member that is true
// anywhere, a condition for a top-level truncated=true that is much cheaper
// than parsing the body (up to max_result_bytes) once more for every call.
func mayBeTruncated(body []byte) bool {
	key := []byte(`"truncated"`)
	for {
		i := bytes.Index(body, key)
		if i < 0 {
			return false
		}
		body = body[i+len(key):]
		if v, ok := bytes.CutPrefix(bytes.TrimLeft(body, jsonSpace), []byte(":")); ok &&
			bytes.HasPrefix(bytes.TrimLeft(v, jsonSpace), []byte("true")) {
			return true
		}
	}
}

const jsonSpace = " \t\r\n"

// structured is the JSON of a successful result: its structuredContent,
// else its text when that is a JSON object, else the text wrapped.
func structured(res *sdk.CallToolResult) ([]byte, error) {
	switch v := res.StructuredContent.(type) {
	case json.RawMessage:
		return v, nil
	case nil:
		t := resultText(res)
		if strings.HasPrefix(strings.TrimSpace(t), "{") && json.Valid([]byte(t)) {
			return []byte(t), nil
		}
		return json.Marshal(map[string]string{"text": t})
	default:
		return json.Marshal(v)
	}
}
