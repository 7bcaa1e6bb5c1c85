package mcphttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// JSON-RPC error codes for HTTP-level refusals of the MCP endpoint.
const (
	rpcParseError     = -32700
	rpcInvalidRequest = -32600
	rpcMethodNotFound = -32601
)

// jsonRPCErrors turns the go-sdk's plain-text HTTP refusals (405, 415,
// malformed JSON, unknown protocol version, ...) into JSON-RPC error
// bodies, so every client gets a machine-readable answer. Status codes and
// other headers (Allow, WWW-Authenticate) are kept; successful responses
// and streams pass through untouched.
func jsonRPCErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &rpcErrorWriter{wrappedWriter: wrappedWriter{w}}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

type rpcErrorWriter struct {
	wrappedWriter
	status int
	text   bytes.Buffer
	buffer bool // a plain-text error is being collected
}

func (w *rpcErrorWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	ct := w.Header().Get("Content-Type")
	if code >= 400 && (ct == "" || strings.HasPrefix(ct, "text/plain")) {
		w.buffer = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rpcErrorWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.buffer {
		if w.text.Len() < 4096 {
			w.text.Write(b)
		}
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *rpcErrorWriter) Flush() {
	if !w.buffer {
		w.wrappedWriter.Flush()
	}
}

func (w *rpcErrorWriter) finish() {
	if !w.buffer {
		return
	}
	msg := strings.TrimSpace(w.text.String())
	if msg == "" {
		msg = http.StatusText(w.status)
	}
	code := rpcInvalidRequest
	switch {
	case strings.HasPrefix(msg, "malformed payload"):
		code = rpcParseError
	case strings.Contains(msg, "not handled") && strings.Contains(msg, "unsupported"):
		code = rpcMethodNotFound
	}
	w.Header().Del("Content-Length")
	writeRPCError(w.ResponseWriter, w.status, code, msg)
}

// WriteInvalidRequest answers with a JSON-RPC "invalid request" error
// that belongs to no request (id null): how the MCP routes refuse at the
// HTTP level (Host, Origin, session caps).
func WriteInvalidRequest(w http.ResponseWriter, status int, msg string) {
	writeRPCError(w, status, rpcInvalidRequest, msg)
}

// writeRPCError answers with a JSON-RPC error that belongs to no request
// in particular (id null).
func writeRPCError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": code, "message": msg},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// wrappedWriter is the base of this package's ResponseWriter wrappers
// (rpcErrorWriter, sessionSniffer): it passes Flush through for SSE
// streams, and Unwrap lets http.ResponseController reach the real
// writer's other features.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
