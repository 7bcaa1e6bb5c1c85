// Package stdio serves MCP over stdin/stdout with the go-sdk, made robust
// for a long-lived desktop client: a malformed line is answered with a
// JSON-RPC error and the server reads on (the go-sdk's own stdio transport
// ends the session on the first one), and the end of input ends the
// session only once every answer owed has been written (the go-sdk
// cancels in-flight calls on EOF, and their answers are lost).
package stdio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transport is an sdk.Transport over newline-delimited JSON. Lines are
// checked here, one by one, and only valid JSON-RPC messages reach the
// go-sdk (through a pipe into its own IOTransport, so batching and
// everything else stay the go-sdk's).
type Transport struct {
	in      io.Reader
	out     *lineWriter
	maxLine int
	log     *slog.Logger

	pr *io.PipeReader
	pw *io.PipeWriter

	mu         sync.Mutex
	owed       map[jsonrpc.ID]struct{} // calls forwarded and not yet answered
	inputEnded bool                    // EOF, a read error, or Stop
	initVer    string                  // protocol version the initialize asked for
	drained    chan struct{}           // closed once input ended and nothing is owed
	drainOnce  sync.Once
	stopped    chan struct{}
	stopOnce   sync.Once
}

// New reads requests from in and writes answers to out. maxLine bounds a
// line (0: the go-sdk's default, 16 MiB); a longer one is answered with an
// error and skipped without being held in memory.
func New(in io.Reader, out io.Writer, maxLine int, log *slog.Logger) *Transport {
	if maxLine <= 0 {
		maxLine = sdk.DefaultMaxLineLength
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pr, pw := io.Pipe()
	return &Transport{in: in, out: &lineWriter{w: out}, maxLine: maxLine, log: log, pr: pr, pw: pw,
		owed: map[jsonrpc.ID]struct{}{}, drained: make(chan struct{}), stopped: make(chan struct{})}
}

// Connect implements sdk.Transport; call it once.
func (t *Transport) Connect(ctx context.Context) (sdk.Connection, error) {
	t.out.answered = t.answered
	go t.pump()
	go func() {
		<-t.drained
		_ = t.pw.Close() // the go-sdk reads EOF: nothing is in flight to cancel
	}()
	// Lines are bounded here; the go-sdk's limit would end the session.
	return (&sdk.IOTransport{Reader: t.pr, Writer: t.out, MaxLineLength: -1}).Connect(ctx)
}

// Stop ends the input as EOF would (a shutdown signal): nothing more is
// read, and the session ends once the answers owed are written.
func (t *Transport) Stop() {
	t.stopOnce.Do(func() { close(t.stopped) })
	t.endInput()
}

// Close ends the session now, whatever is still owed.
func (t *Transport) Close() { _ = t.pw.CloseWithError(io.EOF) }

// Owed is the number of calls read and not yet answered.
func (t *Transport) Owed() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.owed)
}

// Drained is closed once the input has ended and every call is answered.
func (t *Transport) Drained() <-chan struct{} { return t.drained }

// pump reads lines until EOF (or Stop) and forwards the valid ones.
func (t *Transport) pump() {
	defer t.endInput()
	r := bufio.NewReaderSize(t.in, 64<<10)
	var line []byte
	tooLarge := fmt.Sprintf("Invalid Request: message larger than %d bytes", t.maxLine)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > t.maxLine+2 { // the line, maybe \r, and \n
			line = line[:0]
			t.refuse(nil, jsonrpc.CodeInvalidRequest, tooLarge)
			if errors.Is(err, bufio.ErrBufferFull) && !t.skipLine(r) {
				return
			}
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				return
			}
			continue
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !t.handle(line) {
			return
		}
		line = line[:0]
		if cap(line) > 1<<20 {
			line = nil // one large message must not pin its buffer
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.log.Warn("stdio: reading stdin failed; ending after the answers owed", "error", err)
			}
			return
		}
	}
}

// skipLine discards the rest of an over-long line; false at end of input.
func (t *Transport) skipLine(r *bufio.Reader) bool {
	for {
		_, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return false
		}
		return true
	}
}

// handle checks one line and forwards it or answers it; false once input
// has been stopped.
func (t *Transport) handle(line []byte) bool {
	select {
	case <-t.stopped:
		return false
	default:
	}
	msg := trimSpace(line)
	if len(msg) == 0 {
		return true // a blank line is no message
	}
	ids, code, reason, id := t.check(msg)
	if code != 0 {
		t.refuse(id, code, reason)
		return true
	}
	t.mu.Lock()
	for _, id := range ids {
		t.owed[id] = struct{}{}
	}
	t.mu.Unlock()
	if _, err := t.pw.Write(append(msg, '\n')); err != nil {
		return false // the session is gone
	}
	return true
}

// check validates a message as the go-sdk will decode it, and returns the
// ids of the calls in it (answers owed), or a JSON-RPC error code, its
// reason and the id to answer it with.
func (t *Transport) check(msg []byte) (calls []jsonrpc.ID, code int64, reason string, id any) {
	if !json.Valid(msg) {
		return nil, jsonrpc.CodeParseError, "Parse error: the line is not valid JSON", nil
	}
	switch msg[0] {
	case '{':
		m, err := jsonrpc.DecodeMessage(msg)
		if err != nil {
			return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: " + err.Error(), validID(msg)
		}
		t.noteInitialize(m)
		return callIDs(m), 0, "", nil
	case '[':
		return t.checkBatch(msg)
	}
	return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: a message must be a JSON object", nil
}

func (t *Transport) checkBatch(msg []byte) ([]jsonrpc.ID, int64, string, any) {
	t.mu.Lock()
	ver := t.initVer
	t.mu.Unlock()
	if ver != "" && ver != "2024-11-05" && ver != "2025-03-26" {
		return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: JSON-RPC batches are not supported from protocol 2025-06-18 on", nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(msg, &raws); err != nil || len(raws) == 0 {
		return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: an empty batch", nil
	}
	var calls []jsonrpc.ID
	seen := map[jsonrpc.ID]bool{}
	for _, raw := range raws {
		m, err := jsonrpc.DecodeMessage(raw)
		if err != nil {
			return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: in a batch: " + err.Error(), nil
		}
		for _, id := range callIDs(m) {
			if seen[id] {
				return nil, jsonrpc.CodeInvalidRequest, "Invalid Request: a batch repeats a request id", nil
			}
			seen[id] = true
			calls = append(calls, id)
		}
	}
	return calls, 0, "", nil
}

// noteInitialize remembers the protocol version an initialize asks for:
// from 2025-06-18 on, the go-sdk ends the session on a batch.
func (t *Transport) noteInitialize(m jsonrpc.Message) {
	req, ok := m.(*jsonrpc.Request)
	if !ok || req.Method != "initialize" {
		return
	}
	var p struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(req.Params, &p)
	t.mu.Lock()
	t.initVer = p.ProtocolVersion
	if t.initVer == "" {
		t.initVer = "unknown"
	}
	t.mu.Unlock()
}

func callIDs(m jsonrpc.Message) []jsonrpc.ID {
	if req, ok := m.(*jsonrpc.Request); ok && req.IsCall() {
		return []jsonrpc.ID{req.ID}
	}
	return nil
}

// validID is the message's id when it has a valid one, to answer with.
func validID(msg []byte) any {
	var m struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return nil
	}
	if id, err := jsonrpc.MakeID(m.ID); err != nil || !id.IsValid() {
		return nil
	}
	return m.ID
}

// refuse answers a message the server could not take.
func (t *Transport) refuse(id any, code int64, reason string) {
	t.log.Warn("stdio: malformed message answered with an error", "code", code, "reason", reason)
	b, _ := json.Marshal(struct {
		JSONRPC string        `json:"jsonrpc"`
		ID      any           `json:"id"`
		Error   jsonrpc.Error `json:"error"`
	}{"2.0", id, jsonrpc.Error{Code: code, Message: reason}})
	if _, err := t.out.Write(append(b, '\n')); err != nil {
		t.log.Warn("stdio: writing to stdout failed", "error", err)
	}
}

// answered is called for every message the server writes.
func (t *Transport) answered(id jsonrpc.ID) {
	t.mu.Lock()
	delete(t.owed, id)
	t.checkDrainedLocked()
	t.mu.Unlock()
}

func (t *Transport) endInput() {
	t.mu.Lock()
	t.inputEnded = true
	t.checkDrainedLocked()
	t.mu.Unlock()
}

func (t *Transport) checkDrainedLocked() {
	if t.inputEnded && len(t.owed) == 0 {
		t.drainOnce.Do(func() { close(t.drained) })
	}
}

// trimSpace trims JSON's whitespace (RFC 8259) from both ends.
func trimSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// lineWriter serializes whole messages onto stdout (the go-sdk's answers
// and this package's refusals) and reports each answer's id.
type lineWriter struct {
	mu       sync.Mutex
	w        io.Writer
	answered func(jsonrpc.ID)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	n, err := l.w.Write(p)
	l.mu.Unlock()
	if l.answered != nil {
		for _, id := range responseIDs(p) {
			l.answered(id)
		}
	}
	return n, err
}

func (l *lineWriter) Close() error { return nil } // stdout outlives the session

// responseIDs are the ids of the responses in one written message (a
// message or a batch).
func responseIDs(p []byte) []jsonrpc.ID {
	var ids []jsonrpc.ID
	one := func(raw []byte) {
		if m, err := jsonrpc.DecodeMessage(raw); err == nil {
			if resp, ok := m.(*jsonrpc.Response); ok {
				ids = append(ids, resp.ID)
			}
		}
	}
	p = trimSpace(p)
	if len(p) > 0 && p[0] == '[' {
		var raws []json.RawMessage
		if json.Unmarshal(p, &raws) == nil {
			for _, r := range raws {
				one(r)
			}
		}
		return ids
	}
	one(p)
	return ids
}
