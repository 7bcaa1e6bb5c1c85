package mcp

import (
	"encoding/json"
	"unsafe"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
)

// Outcome is one finished tool call, whatever the transport: each
// transport renders it its own way (MCP with Result, the OpenAPI facade as
// an HTTP status and body), so none has to read the kind of an error or a
// truncation back out of another one's rendering.
type Outcome struct {
	// Body is a successful call's structured output as JSON, as
	// encoding/json wrote it (compact, HTML-escaped) or as a query result
	// streamed it; read-only. Nil when the call failed.
	Body []byte
	// Truncated says a cap cut the result; TruncatedReason names the cap
	// (clickhouse.ReasonMaxRows or ReasonMaxBytes).
	Truncated       bool
	TruncatedReason string
	// User is the ClickHouse user the call ran as, Source where the
	// caller's identity came from.
	User   string
	Source identity.Source
	// Failure is why the call failed; nil when it succeeded.
	Failure *Failure
}

// Failure is a failed call as its caller may see it.
type Failure struct {
	Kind string // one of the Kind constants
	// Message is what the caller reads: a known error's own text, else a
	// generic one that names the request id (never internal detail).
	Message string
	// ClickHouse is the error ClickHouse returned (code, name, query id,
	// message), for a failure of KindClickHouse; nil otherwise.
	ClickHouse *clickhouse.QueryError
}

// Result renders the outcome for MCP: on success the body as
// structuredContent and, the same bytes, as text, with _meta naming the
// ClickHouse user and identity source; on failure an error result whose
// _meta[MetaError] carries the kind (and ClickHouse's code, name and
// query id). The result is new, the caller's to annotate.
func (o *Outcome) Result() *sdk.CallToolResult {
	if f := o.Failure; f != nil {
		return &sdk.CallToolResult{
			IsError: true,
			Content: []sdk.Content{&sdk.TextContent{Text: f.Message}},
			Meta:    sdk.Meta{MetaError: errorMeta(f.Kind, f.ClickHouse)},
		}
	}
	return &sdk.CallToolResult{
		// The text is the same bytes, not a copy: Body is never modified.
		Content:           []sdk.Content{&sdk.TextContent{Text: unsafe.String(unsafe.SliceData(o.Body), len(o.Body))}},
		StructuredContent: json.RawMessage(o.Body),
		Meta:              sdk.Meta{"chmcp/user": o.User, "chmcp/identity_source": string(o.Source)},
	}
}

// MetaError is the result _meta key of a failed call's machine-readable
// class: {"kind": errKind, "code", "name", "query_id" for ClickHouse
// errors}, for MCP clients (the OpenAPI facade reads Outcome.Failure).
const MetaError = "chmcp/error"

func errorMeta(kind string, qe *clickhouse.QueryError) map[string]any {
	m := map[string]any{"kind": kind}
	if qe != nil {
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
