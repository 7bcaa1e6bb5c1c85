package mcphttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// cancelOnDrop cancels the calls of a session POST whose response stream
// went away before they were answered. A session's calls run on the
// session's context, not the request's (the go-sdk ties them to the HTTP
// request only for 2026-07-28), so a client that drops the connection
// would otherwise leave its query running to the end. The cancellation is
// the one the client could have sent itself: notifications/cancelled, into
// the same session, as the same caller.
func cancelOnDrop(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := r.Header.Get("Mcp-Session-Id")
		if r.Method != http.MethodPost || sid == "" || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
		if r.Context().Err() == nil {
			return // answered
		}
		// Decoded only now: an answered POST, the usual case, is not
		// decoded here on top of the go-sdk's own decoding.
		ctx := context.WithoutCancel(r.Context()) // the caller, for the session's owner check
		for _, id := range callIDs(body) {
			cancelCall(ctx, next, r, id)
		}
	})
}

// callIDs are the ids of the requests (not notifications) in a POST body.
func callIDs(body []byte) []jsonrpc.ID {
	var raws []json.RawMessage
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		if json.Unmarshal(t, &raws) != nil {
			return nil
		}
	} else {
		raws = []json.RawMessage{body}
	}
	var ids []jsonrpc.ID
	for _, raw := range raws {
		if m, err := jsonrpc.DecodeMessage(raw); err == nil {
			if req, ok := m.(*jsonrpc.Request); ok && req.IsCall() {
				ids = append(ids, req.ID)
			}
		}
	}
	return ids
}

// cancelCall posts notifications/cancelled for id to the session of r.
func cancelCall(ctx context.Context, next http.Handler, r *http.Request, id jsonrpc.ID) {
	params, _ := json.Marshal(map[string]any{"requestId": id.Raw(), "reason": "the client disconnected"})
	note := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":` + string(params) + `}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL.String(), strings.NewReader(note))
	if err != nil {
		return
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	for _, k := range []string{"Mcp-Session-Id", "Mcp-Protocol-Version"} {
		req.Header.Set(k, r.Header.Get(k))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	next.ServeHTTP(&discardWriter{header: http.Header{}}, req)
}

// discardWriter is the response of a request the server makes to itself.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
