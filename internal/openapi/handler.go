// Package openapi is chmcp's REST facade for clients that speak OpenAPI
// rather than MCP, ChatGPT GPT actions first: GET /openapi describes the
// tools as an OpenAPI 3.1 document, POST /openapi/{tool} (and GET
// /openapi/execute_query) runs one. Calls go through mcp.Service.Call, so
// the read-only classification, length limit, caps, settings allow-list,
// identity, logging and error texts are exactly those of MCP; this package
// only maps them to HTTP. See docs/openapi.md.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

// Prefix is the path the handler serves under; it receives paths that
// start with it.
const Prefix = "/openapi"

// Response headers of a successful call whose result a cap cut.
const (
	HeaderTruncated       = "X-Chmcp-Truncated"
	HeaderTruncatedReason = "X-Chmcp-Truncated-Reason"
)

// HeaderRequest must accompany a GET call when no authentication stands in
// front of the handler (Options.Open). A web page cannot send a custom
// header cross-site without a CORS preflight, which only server.cors_origin
// passes; an <img> or a link can make the GET itself.
const HeaderRequest = "X-Chmcp-Request"

// defaultMaxBody bounds a request body when Options.MaxBodyBytes is 0
// (server.max_body_bytes' default).
const defaultMaxBody = 4 << 20

// Options are what the document needs beyond the configuration.
type Options struct {
	// Version is info.version: the server version.
	Version string
	// Security is the authentication the document declares.
	Security Security
	// MaxBodyBytes bounds a call's JSON body (0: 4 MiB). The HTTP edge
	// limits bodies too; this keeps the handler safe on its own.
	MaxBodyBytes int64
	// Open says no authentication stands in front of the handler: a GET
	// call then needs the HeaderRequest header. (POSTs are covered by the
	// edge's Origin check: browsers send Origin with every cross-site POST,
	// but not with an image or a link.)
	Open bool
}

// Security is the authentication the document declares (the boundary's
// own type: each authenticator says what it takes).
type Security = auth.Security

// Security schemes a document can declare.
const (
	SecurityNone   = auth.SecurityNone
	SecurityBearer = auth.SecurityBearer
	SecurityOAuth2 = auth.SecurityOAuth2
)

// Handler serves the document and the calls.
type Handler struct {
	svc     *mcp.Service
	cfg     config.OpenAPIConfig
	tls     bool
	log     *slog.Logger
	opts    Options
	maxBody int64
	schemas schemaCache
}

// New builds the handler. tlsEnabled is server.tls.enabled: the document
// then names an https server even for a request that reached chmcp
// without TLS information.
func New(svc *mcp.Service, cfg config.OpenAPIConfig, tlsEnabled bool, log *slog.Logger, opts Options) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	return &Handler{svc: svc, cfg: cfg, tls: tlsEnabled, log: log.With("component", "openapi"), opts: opts, maxBody: maxBody}
}

type basePathKey struct{}

// WithBasePath puts prefix (a decoded path such as "/<token>") in front of
// every URL of the document served for this request. The JWE middleware
// sets it when the token came in the path: the document served at
// /{token}/openapi names https://host/{token} as its server. Such a
// prefix carries the credential, so that document declares no security
// scheme.
func WithBasePath(ctx context.Context, prefix string) context.Context {
	return context.WithValue(ctx, basePathKey{}, prefix)
}

func basePath(ctx context.Context) string {
	p, _ := ctx.Value(basePathKey{}).(string)
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/" + strings.Join(segs, "/")
}

// ServeHTTP routes /openapi, /openapi/, /openapi.json (the document) and
// /openapi/{tool} (a call).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, apiError{Message: "not found", Kind: kindNotFound})
	case rest == "" || rest == "/" || rest == ".json":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		h.serveDocument(w, r)
	case strings.HasPrefix(rest, "/") && !strings.Contains(rest[1:], "/"):
		h.serveCall(w, r, rest[1:])
	default:
		writeError(w, http.StatusNotFound, apiError{Message: "not found", Kind: kindNotFound})
	}
}

func (h *Handler) serveCall(w http.ResponseWriter, r *http.Request, tool string) {
	var (
		args json.RawMessage
		err  *apiError
	)
	switch {
	case r.Method == http.MethodPost:
		args, err = h.bodyArgs(w, r)
	case r.Method == http.MethodGet && tool == toolExecuteQuery && h.opts.Open && r.Header.Get(HeaderRequest) == "":
		err = &apiError{Message: "GET " + Prefix + "/" + tool + " on a server without authentication needs the " + HeaderRequest +
			" header (any value), which a web page cannot send cross-site; or use POST", Kind: kindCrossSite}
	case r.Method == http.MethodGet && tool == toolExecuteQuery:
		args, err = queryArgs(r.URL.Query())
	default:
		if !h.svc.HasTool(r.Context(), tool) {
			unknownTool(w, tool)
			return
		}
		allow := "POST"
		if tool == toolExecuteQuery {
			allow = "GET, POST"
		}
		methodNotAllowed(w, allow)
		return
	}
	if err != nil {
		writeError(w, statusOf(err), *err)
		return
	}
	// The OpenAPI caller's User-Agent names the client in log_comment.
	ctx := clickhouse.WithAttribution(r.Context(), clickhouse.Attribution{Client: "openapi", ClientVersion: r.UserAgent()})
	// The result stays in the result budget until it is written.
	ctx, release := h.svc.HoldResults(ctx)
	defer release()
	out, found := h.svc.Call(ctx, tool, args)
	if !found {
		unknownTool(w, tool)
		return
	}
	writeResult(w, out)
}

// bodyArgs reads one JSON object (or nothing, meaning {}) from the body.
func (h *Handler) bodyArgs(w http.ResponseWriter, r *http.Request) (json.RawMessage, *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &apiError{Message: "the request body must be application/json", Kind: kindUnsupportedMediaType}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.maxBody))
	var raw json.RawMessage
	switch err := dec.Decode(&raw); {
	case errors.Is(err, io.EOF):
		return json.RawMessage("{}"), nil
	case err != nil:
		return nil, bodyError(err)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, &apiError{Message: "the request body must hold one JSON object, got more after it", Kind: kindInvalidArguments}
		}
		return nil, bodyError(err)
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, &apiError{Message: "the request body must be a JSON object of the tool's arguments", Kind: kindInvalidArguments}
	}
	return raw, nil
}

func bodyError(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{Message: fmt.Sprintf("the request body is over the limit of %d bytes", mbe.Limit), Kind: kindTooLarge}
	}
	return &apiError{Message: "the request body is not valid JSON: " + err.Error(), Kind: kindInvalidArguments}
}

// queryArgs turns GET /openapi/execute_query?query=...&settings={...}
// into execute_query's arguments. Unknown or repeated parameters are
// refused, as unknown JSON fields are.
func queryArgs(q url.Values) (json.RawMessage, *apiError) {
	args := map[string]any{}
	for name, vs := range q {
		if len(vs) > 1 {
			return nil, &apiError{Message: fmt.Sprintf("parameter %q is repeated", name), Kind: kindInvalidArguments}
		}
		switch name {
		case "query":
			args["query"] = vs[0]
		case "settings":
			var s map[string]any
			if err := json.Unmarshal([]byte(vs[0]), &s); err != nil || s == nil {
				return nil, &apiError{Message: `"settings" must be a JSON object, e.g. {"max_threads":2}`, Kind: kindInvalidArguments}
			}
			args["settings"] = s
		default:
			return nil, &apiError{Message: fmt.Sprintf("unknown parameter %q (execute_query takes query and settings)", name), Kind: kindInvalidArguments}
		}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return nil, &apiError{Message: "invalid parameters", Kind: kindInvalidArguments}
	}
	return b, nil
}

func unknownTool(w http.ResponseWriter, tool string) {
	writeError(w, http.StatusNotFound, apiError{Message: fmt.Sprintf("unknown tool %q; GET %s lists the tools", tool, Prefix), Kind: kindNotFound})
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, apiError{Message: "method not allowed; use " + allow, Kind: kindMethodNotAllowed})
}

func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	writeBody(w, status, mustJSON(errorBody{Error: e}))
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	setHeaders(w)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain types are marshalled here
	}
	return b
}
