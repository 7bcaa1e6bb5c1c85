package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The request is byte for byte what go-sdk v1.8.0's client sends for
// CallTool once it has negotiated 2026-07-28 (SEP-2575: the per-request
// _meta triple instead of an initialize handshake; SEP-2243: the Mcp-Method
// and Mcp-Name headers), captured from a real session against chmcp.
const (
	protocolVersion = "2026-07-28"
	callBody        = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{` +
		`"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},` +
		`"io.modelcontextprotocol/clientInfo":{"name":"chmcp-bench","version":"1"},` +
		`"io.modelcontextprotocol/protocolVersion":"` + protocolVersion + `"},` +
		`"name":"execute_query","arguments":{"query":"SELECT 1"}}}`
)

// Markers for the cheap per-call check of a response body; verify does the
// full parse once.
var (
	wantRows  = []byte(`"rows":[[1]]`)
	isErrorOn = []byte(`"isError":true`)
)

// mcpClient is the load generator for chmcp: a plain keep-alive HTTP client
// posting one pre-built body, kept as cheap as possible because it shares
// the CPUs with what it measures.
type mcpClient struct {
	lean   bool // load goroutines use rawWorker, not http.Client
	url    string
	http   *http.Client
	body   []byte
	header http.Header // shared, read-only
	// check is the cheap per-call check of a response body (default:
	// rows [[1]], no tool error).
	check func([]byte) error

	mu   sync.Mutex
	idle []*rawWorker // lean connections between rounds
}

func newMCPClient(url string, concurrency int, lean bool) *mcpClient {
	return &mcpClient{
		lean: lean,
		url:  url,
		http: &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        concurrency,
				MaxIdleConnsPerHost: concurrency,
				DisableCompression:  true, // chmcp does not compress; skip Accept-Encoding
			},
		},
		body: []byte(callBody),
		header: http.Header{
			"Content-Type":         {"application/json"},
			"Accept":               {"application/json, text/event-stream"},
			"Mcp-Protocol-Version": {protocolVersion},
			"Mcp-Method":           {"tools/call"},
			"Mcp-Name":             {"execute_query"},
		},
	}
}

func (c *mcpClient) close() {
	c.http.CloseIdleConnections()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.idle {
		w.close()
	}
	c.idle = nil
}

// bodyFor is callBody with another query.
func bodyFor(sql string) []byte {
	q, _ := json.Marshal(sql)
	return bytes.Replace([]byte(callBody), []byte(`"query":"SELECT 1"`), append([]byte(`"query":`), q...), 1)
}

// do sends one call and reads the whole response into buf.
func (c *mcpClient) do(ctx context.Context, body []byte, buf *bytes.Buffer) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = c.header
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, abbrev(buf.Bytes()))
	}
	return resp, nil
}

// worker returns a load goroutine's call func. With the lean client it
// owns a connection, which release keeps for the next round (as
// http.Client's idle pool keeps its connections).
func (c *mcpClient) worker() (callFunc, func()) {
	send, release := c.netHTTPSender(), func() {}
	if c.lean {
		w := c.rawWorker()
		send, release = w.do, func() { c.putRawWorker(w) }
	}
	return func(ctx context.Context) error {
		b, err := send(ctx)
		if err != nil {
			return err
		}
		if c.check != nil {
			return c.check(b)
		}
		if bytes.Contains(b, isErrorOn) || !bytes.Contains(b, wantRows) {
			return fmt.Errorf("unexpected tools/call result: %s", abbrev(b))
		}
		return nil
	}, release
}

// netHTTPSender sends the call with http.Client, reading into its own buffer.
func (c *mcpClient) netHTTPSender() func(context.Context) ([]byte, error) {
	var buf bytes.Buffer
	return func(ctx context.Context) ([]byte, error) {
		if _, err := c.do(ctx, c.body, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

func (c *mcpClient) rawWorker() *rawWorker {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.idle); n > 0 {
		w := c.idle[n-1]
		c.idle = c.idle[:n-1]
		return w
	}
	return newRawWorker(c.url, c.header, c.body)
}

func (c *mcpClient) putRawWorker(w *rawWorker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idle = append(c.idle, w)
}

// verify makes one call and checks it fully: a JSON-RPC success whose tool
// result is not an error and whose rows are [[1]], in either response form
// the transport allows (a single JSON body or SSE "data:" events).
func (c *mcpClient) verify(ctx context.Context) error {
	rows, resp, raw, err := c.call(ctx, c.body)
	switch {
	case err != nil:
		return err
	case len(rows) != 1 || string(rows[0]) != "[1]":
		return fmt.Errorf("rows are not [[1]]: %s", abbrev(raw))
	case !bytes.Contains(raw, wantRows):
		return fmt.Errorf("the per-call check would not match %s in %s", wantRows, abbrev(raw))
	}
	logf("chmcp answered tools/call (%s, %d bytes): isError=false, rows=[[1]]", resp.Header.Get("Content-Type"), len(raw))
	return nil
}

// currentUser asks ClickHouse, through chmcp, whom the query runs as.
func (c *mcpClient) currentUser(ctx context.Context) (string, error) {
	rows, _, raw, err := c.call(ctx, bodyFor("SELECT currentUser()"))
	if err != nil {
		return "", err
	}
	var row []string
	if len(rows) != 1 || json.Unmarshal(rows[0], &row) != nil || len(row) != 1 {
		return "", fmt.Errorf("SELECT currentUser(): want one row of one string: %s", abbrev(raw))
	}
	return row[0], nil
}

// call sends one tools/call and returns the structuredContent rows of a
// successful, non-error tool result, the response and its raw body.
func (c *mcpClient) call(ctx context.Context, body []byte) ([]json.RawMessage, *http.Response, []byte, error) {
	var buf bytes.Buffer
	resp, err := c.do(ctx, body, &buf)
	if err != nil {
		return nil, nil, nil, err
	}
	msg, err := responseMessage(resp.Header.Get("Content-Type"), buf.Bytes())
	if err != nil {
		return nil, nil, nil, err
	}
	var rpc struct {
		ID     json.RawMessage `json:"id"`
		Error  *struct{ Message string }
		Result *struct {
			IsError           bool `json:"isError"`
			StructuredContent struct {
				Rows []json.RawMessage `json:"rows"`
			} `json:"structuredContent"`
		}
	}
	if err := json.Unmarshal(msg, &rpc); err != nil {
		return nil, nil, nil, fmt.Errorf("response is not JSON-RPC: %w: %s", err, abbrev(msg))
	}
	switch {
	case string(rpc.ID) != "1":
		err = fmt.Errorf("response id %s, want 1: %s", rpc.ID, abbrev(msg))
	case rpc.Error != nil:
		err = fmt.Errorf("JSON-RPC error: %s", rpc.Error.Message)
	case rpc.Result == nil:
		err = fmt.Errorf("no result: %s", abbrev(msg))
	case rpc.Result.IsError:
		err = fmt.Errorf("tool error: %s", abbrev(msg))
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return rpc.Result.StructuredContent.Rows, resp, buf.Bytes(), nil
}

// responseMessage extracts the JSON-RPC message from a response body.
func responseMessage(contentType string, body []byte) ([]byte, error) {
	if !strings.HasPrefix(contentType, "text/event-stream") {
		return body, nil
	}
	var msgs [][]byte
	for line := range bytes.Lines(body) {
		if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data:")); ok {
			if data = bytes.TrimSpace(data); len(data) > 0 {
				msgs = append(msgs, data)
			}
		}
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("want exactly one SSE data event, got %d: %s", len(msgs), abbrev(body))
	}
	return msgs[0], nil
}

func abbrev(b []byte) string {
	const n = 400
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	if len(b) == 0 {
		return "(empty body)"
	}
	return string(b)
}
