package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/mcp"
)

const (
	openAPIVersion   = "3.1.0"
	toolExecuteQuery = "execute_query"
	// maxOperationDescription is GPT actions' limit on an operation's description.
	maxOperationDescription = 300
)

const apiDescription = "Read access to ClickHouse as the person who asked. Start with list_databases, list_tables and " +
	"describe_table (search_schema finds tables and columns by name or comment), then query with execute_query. " +
	"Prefer aggregates and LIMIT: results are capped, and a cut result says truncated=true (header X-Chmcp-Truncated: true)."

// serveDocument answers GET /openapi with the document for this request.
func (h *Handler) serveDocument(w http.ResponseWriter, r *http.Request) {
	server, err := h.serverURL(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Message: err.Error(), Kind: kindInvalidArguments})
		return
	}
	sec := h.opts.Security
	if basePath(r.Context()) != "" {
		sec = Security{} // the credential is in the server URL
	}
	doc, err := h.document(h.svc.ToolsFor(r.Context()), server, sec)
	if err != nil {
		h.log.Error("cannot build the OpenAPI document", "err", err)
		writeError(w, http.StatusInternalServerError, apiError{Message: "internal error: the document could not be built", Kind: kindInternal})
		return
	}
	writeBody(w, http.StatusOK, doc)
}

// serverURL is public_url, else scheme://Host of the request, followed by
// the base path of the request. The scheme is https when server.tls is on,
// the connection is TLS, or a proxy says so (X-Forwarded-Proto or
// Forwarded: proto=https). X-Forwarded-Host is not honoured: the document
// would then name any host a client asks for; behind a proxy that
// rewrites Host, set public_url.
func (h *Handler) serverURL(r *http.Request) (string, error) {
	base := strings.TrimSuffix(h.cfg.PublicURL, "/")
	if base == "" {
		if !validHost(r.Host) {
			return "", fmt.Errorf("cannot tell this server's URL from the Host header %q; set server.openapi.public_url", r.Host)
		}
		scheme := "http"
		if h.tls || r.TLS != nil || forwardedHTTPS(r.Header) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + basePath(r.Context()), nil
}

func validHost(host string) bool {
	if host == "" {
		return false
	}
	u, err := url.Parse("http://" + host)
	return err == nil && u.Host == host && u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == ""
}

// forwardedHTTPS reports whether a proxy says the client used https. It
// can only turn http into https, never the other way.
func forwardedHTTPS(h http.Header) bool {
	if p, _, _ := strings.Cut(h.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		return true
	}
	first, _, _ := strings.Cut(h.Get("Forwarded"), ",") // the proxy nearest the client
	for pair := range strings.SplitSeq(first, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(v, `"`), "https") {
			return true
		}
	}
	return false
}

// document builds the OpenAPI 3.1 document of tools: the built-in ones
// and those generated for the caller (server.tools rules), so the document
// is per identity, like MCP's tools/list.
func (h *Handler) document(tools []mcp.Tool, server string, sec Security) ([]byte, error) {
	paths := obj{}
	opIDs := map[string]bool{}
	for _, t := range tools {
		readOnly := t.Def.Annotations != nil && t.Def.Annotations.ReadOnlyHint
		schemas, err := h.schemas.get(t.Def)
		if err != nil {
			return nil, err
		}
		in, out := schemas.in, schemas.out
		post := obj{
			{"operationId", operationID(t.Def.Name, opIDs)},
			{"summary", summary(t)},
			{"description", shorten(t.Def.Description, maxOperationDescription)},
			{"x-openai-isConsequential", !readOnly},
			{"requestBody", obj{
				{"required", hasRequired(in)},
				{"content", obj{{"application/json", obj{{"schema", in}}}}},
			}},
			{"responses", responses(out)},
		}
		item := obj{{"post", post}}
		if t.Def.Name == toolExecuteQuery {
			item = obj{{"get", executeQueryGet(opIDs, out, h.opts.Open)}, {"post", post}}
		}
		paths = append(paths, member{Prefix + "/" + t.Def.Name, item})
	}

	components := obj{{"schemas", obj{{"Error", errorSchema}}}}
	doc := obj{
		{"openapi", openAPIVersion},
		{"info", obj{
			{"title", "chmcp — ClickHouse"},
			{"version", version(h.opts.Version)},
			{"description", apiDescription},
		}},
		{"servers", []any{obj{{"url", server}}}},
		{"paths", paths},
	}
	if scheme := securityScheme(sec); scheme != nil {
		components = append(components, member{"securitySchemes", obj{{sec.Scheme, scheme}}})
		scopes := sec.Scopes
		if sec.Scheme != SecurityOAuth2 || scopes == nil {
			scopes = []string{}
		}
		doc = append(doc, member{"security", []any{obj{{sec.Scheme, scopes}}}})
	}
	doc = append(doc, member{"components", components})
	return doc.MarshalJSON()
}

func version(v string) string {
	if v == "" {
		return "dev"
	}
	return v
}

func securityScheme(sec Security) obj {
	switch sec.Scheme {
	case SecurityBearer:
		return obj{{"type", "http"}, {"scheme", "bearer"},
			{"description", "A chmcp OAuth access token or a JWE connection token: Authorization: Bearer <token>."}}
	case SecurityOAuth2:
		scopes := obj{}
		for _, s := range sec.Scopes {
			scopes = append(scopes, member{s, "Required by chmcp."})
		}
		return obj{{"type", "oauth2"}, {"description", "chmcp is the authorization server; people sign in with the configured identity provider."},
			{"flows", obj{{"authorizationCode", obj{
				{"authorizationUrl", sec.AuthorizationURL},
				{"tokenUrl", sec.TokenURL},
				{"refreshUrl", sec.TokenURL},
				{"scopes", scopes},
			}}}}}
	}
	return nil
}

func summary(t mcp.Tool) string {
	switch {
	case t.Def.Title != "":
		return t.Def.Title
	case t.Def.Annotations != nil && t.Def.Annotations.Title != "":
		return t.Def.Annotations.Title
	}
	return t.Def.Name
}

var notOperationID = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// operationID is the tool name made fit for GPT actions (function names
// are [A-Za-z0-9_-]{1,64}) and unique in the document.
func operationID(name string, seen map[string]bool) string {
	id := notOperationID.ReplaceAllString(name, "_")
	if len(id) > 64 {
		id = id[:64]
	}
	base := id
	for i := 2; seen[id]; i++ {
		suffix := fmt.Sprintf("_%d", i)
		id = base[:min(len(base), 64-len(suffix))] + suffix
	}
	seen[id] = true
	return id
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func executeQueryGet(opIDs map[string]bool, out any, open bool) obj {
	params := []any{
		obj{{"name", "query"}, {"in", "query"}, {"required", true}, {"schema", obj{{"type", "string"}}},
			{"description", "One read-only ClickHouse SQL statement."}},
		obj{{"name", "settings"}, {"in", "query"}, {"required", false}, {"schema", obj{{"type", "string"}}},
			{"description", `Optional JSON object of ClickHouse settings from an allow-list, e.g. {"max_threads":1}. Limits can only be tightened: a value of 0 or above your limit is refused.`}},
	}
	if open {
		params = append(params, obj{{"name", HeaderRequest}, {"in", "header"}, {"required", true}, {"schema", obj{{"type", "string"}}},
			{"description", "Any value. Required on a server without authentication: a web page cannot send it cross-site."}})
	}
	return obj{
		{"operationId", operationID(toolExecuteQuery+"_get", opIDs)},
		{"summary", "Run a read-only SQL query (GET)"},
		{"description", "execute_query with the SQL in the URL: one read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXISTS, EXPLAIN). " +
			"Results are capped; truncated=true says a cap cut them: add LIMIT or aggregate."},
		{"x-openai-isConsequential", false},
		{"parameters", params},
		{"responses", responses(out)},
	}
}

var errorSchema = obj{
	{"type", "object"},
	{"required", []string{"error"}},
	{"properties", obj{{"error", obj{
		{"type", "object"},
		{"required", []string{"message", "kind"}},
		{"properties", obj{
			{"message", obj{{"type", "string"}, {"description", "What went wrong, for a person."}}},
			{"kind", obj{{"type", "string"}, {"description", "invalid_arguments, refused, policy, not_found, clickhouse, cancelled, connection, auth, internal, " +
				"method_not_allowed, unsupported_media_type, too_large or cross_site."}}},
			{"code", obj{{"type", "integer"}, {"description", "ClickHouse error code (kind clickhouse)."}}},
			{"name", obj{{"type", "string"}, {"description", "ClickHouse error name, e.g. UNKNOWN_TABLE."}}},
			{"query_id", obj{{"type", "string"}, {"description", "ClickHouse query id, for system.query_log."}}},
		}},
	}}}},
}

func responses(out any) obj {
	errResp := func(desc string) obj {
		return obj{{"description", desc}, {"content", obj{{"application/json", obj{{"schema", obj{{"$ref", "#/components/schemas/Error"}}}}}}}}
	}
	ok := obj{{"description", "The tool's result."}}
	if hasProperty(out, "truncated") {
		ok = obj{
			{"description", "The tool's result. truncated=true says a cap (max_result_rows, max_result_bytes) cut it."},
			{"headers", obj{
				{HeaderTruncated, obj{{"description", "\"true\" when a cap cut the result."}, {"schema", obj{{"type", "string"}}}}},
				{HeaderTruncatedReason, obj{{"description", "The cap that cut it: max_result_rows or max_result_bytes."}, {"schema", obj{{"type", "string"}}}}},
			}},
		}
	}
	ok = append(ok, member{"content", obj{{"application/json", obj{{"schema", out}}}}})
	return obj{
		{"200", ok},
		{"400", errResp("Invalid arguments, or refused by a guard: not a single read-only statement, query too long, setting not allowed.")},
		{"401", obj{{"description", "Missing, invalid or expired credentials (OAuth error format, WWW-Authenticate header)."}}},
		{"403", errResp("Refused by the access policy, or ClickHouse ACCESS_DENIED.")},
		{"404", errResp("Unknown tool, or the database or table does not exist or is not visible to you.")},
		{"502", errResp("ClickHouse reported an error; code and name are in the body.")},
		{"503", errResp("ClickHouse could not be reached.")},
		{"504", errResp("The query timed out or was cancelled.")},
		{"default", errResp("Any other error.")},
	}
}

// schemaCache keeps the converted schemas of tool definitions, so a
// document converts only definitions it has not seen before: the built-in
// tools once per process, a generated tool once per refresh (which builds
// a new definition). A definition is never changed once built. Bounded,
// because generated tools come and go.
type schemaCache struct {
	mu sync.Mutex
	m  map[*sdk.Tool]docSchemas
}

// docSchemas are a tool's input and output schemas made fit for the
// document by toolSchema; out is never nil. Shared between documents, so
// read-only.
type docSchemas struct{ in, out any }

const maxCachedSchemas = 1024

func (c *schemaCache) get(def *sdk.Tool) (docSchemas, error) {
	c.mu.Lock()
	s, ok := c.m[def]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	var err error
	if s.in, err = toolSchema(def.InputSchema); err != nil {
		return s, fmt.Errorf("%s input schema: %w", def.Name, err)
	}
	if s.out, err = toolSchema(def.OutputSchema); err != nil {
		return s, fmt.Errorf("%s output schema: %w", def.Name, err)
	}
	if s.out == nil {
		s.out = map[string]any{"type": "object"}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSchemas {
		c.m = map[*sdk.Tool]docSchemas{}
	}
	c.m[def] = s
	c.mu.Unlock()
	return s, nil
}

// toolSchema turns a tool's JSON Schema (a json.RawMessage, a
// *jsonschema.Schema, ...) into a schema fit for the document; nil stays
// nil.
func toolSchema(s any) (any, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return v, nil // true / false schemas
	}
	defs := map[string]any{}
	for _, k := range []string{"$defs", "definitions"} {
		if d, ok := root[k].(map[string]any); ok {
			for name, def := range d {
				defs["#/"+k+"/"+name] = def
			}
		}
		delete(root, k)
	}
	delete(root, "$schema")
	delete(root, "$id")
	return normalize(root, defs, nil), nil
}

// normalize makes a schema self-contained: local $refs are inlined (GPT
// actions handle inline schemas best, and a tool's "#/$defs/..." would
// otherwise point into the document); a recursive or unresolvable $ref
// becomes {} (any value) with its sibling keywords.
func normalize(node any, defs map[string]any, stack []string) any {
	switch n := node.(type) {
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = normalize(v, defs, stack)
		}
		return out
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			siblings := map[string]any{}
			for k, v := range n {
				if k != "$ref" {
					siblings[k] = normalize(v, defs, stack)
				}
			}
			def, found := defs[ref].(map[string]any)
			if !found || slices.Contains(stack, ref) {
				return siblings
			}
			resolved := normalize(def, defs, append(stack, ref)).(map[string]any)
			for k, v := range siblings {
				resolved[k] = v
			}
			return resolved
		}
		out := make(map[string]any, len(n))
		for k, v := range n {
			out[k] = normalize(v, defs, stack)
		}
		return out
	}
	return node
}

func hasRequired(schema any) bool {
	m, ok := schema.(map[string]any)
	if !ok {
		return false
	}
	req, _ := m["required"].([]any)
	return len(req) > 0
}

func hasProperty(schema any, name string) bool {
	m, ok := schema.(map[string]any)
	if !ok {
		return false
	}
	props, _ := m["properties"].(map[string]any)
	_, ok = props[name]
	return ok
}

// obj is a JSON object that keeps its members in order, so the document
// reads top-down (openapi, info, servers, paths, ...).
type obj []member

type member struct {
	key string
	val any
}

// MarshalJSON writes o and every obj or []any nested in it into one buffer.
// (Through json.Marshal each nested MarshalJSON result would be validated
// and compacted again at every level above it.)
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, o); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeJSON appends v to b as json.Marshal would.
func writeJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case obj:
		b.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, m.key); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := writeJSON(b, m.val); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		if v == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}
