package stdio

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// session runs a go-sdk server over the transport, fed by the returned
// writer; answers come out of the returned channel, one line each.
func session(t *testing.T) (io.WriteCloser, <-chan string, <-chan error) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	srv := sdk.NewServer(&sdk.Implementation{Name: "t", Version: "1"}, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background(), New(inR, outW, 1024, nil)); outW.Close() }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { inW.Close() })
	return inW, lines, done
}

func next(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the session ended")
		}
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no answer")
	}
	return ""
}

func initialize(version string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
}

// TestLines: CRLF and blank lines are fine; over-long, empty-batch and
// bad-batch lines are answered; the session goes on; EOF ends it cleanly.
func TestLines(t *testing.T) {
	in, lines, done := session(t)
	io.WriteString(in, initialize("2025-11-25")+"\r\n\n  \n")
	if l := next(t, lines); !strings.Contains(l, `"id":1`) || !strings.Contains(l, `"result"`) {
		t.Fatalf("initialize: %s", l)
	}
	for _, tc := range []struct{ line, want string }{
		{`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":"` + strings.Repeat("x", 2000) + `"}}`, `"code":-32600,"message":"Invalid Request: message larger than 1024 bytes"`},
		{`[]`, `"code":-32600`},
		{`[{"jsonrpc":"2.0","id":3,"method":"ping"}]`, `batches are not supported`},
		{`{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}`, `"id":null,"error":{"code":-32600`},
		{`{"jsonrpc":"2.0","id":4,"method":7}`, `"id":4,"error":{"code":-32600`},
	} {
		io.WriteString(in, tc.line+"\n")
		if l := next(t, lines); !strings.Contains(l, tc.want) {
			t.Fatalf("%.40s: got %s, want %s", tc.line, l, tc.want)
		}
	}
	io.WriteString(in, `{"jsonrpc":"2.0","id":5,"method":"ping"}`+"\n")
	if l := next(t, lines); l != `{"jsonrpc":"2.0","id":5,"result":{}}` {
		t.Fatalf("ping: %s", l)
	}
	in.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run at EOF: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("EOF did not end the session")
	}
}

// TestBatchOnOldProtocol: a batch is passed on (and answered as one) when
// the client negotiated a revision that has batches.
func TestBatchOnOldProtocol(t *testing.T) {
	in, lines, _ := session(t)
	io.WriteString(in, initialize("2025-03-26")+"\n")
	next(t, lines)
	io.WriteString(in, `[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"ping"}]`+"\n")
	var batch []map[string]any
	if l := next(t, lines); json.Unmarshal([]byte(l), &batch) != nil || len(batch) != 2 {
		t.Fatalf("batch answer: %s", l)
	}
	io.WriteString(in, `[{"jsonrpc":"2.0","id":4,"method":"ping"},{"jsonrpc":"2.0","id":4,"method":"ping"}]`+"\n")
	if l := next(t, lines); !strings.Contains(l, "repeats a request id") {
		t.Fatalf("a batch with a repeated id: %s", l)
	}
}

// TestLeadingWhitespace: JSON whitespace before a message (a stray CR
// from the previous CRLF line) is whitespace, not a malformed message.
func TestLeadingWhitespace(t *testing.T) {
	in, lines, _ := session(t)
	io.WriteString(in, "\r \t"+initialize("2025-11-25")+"\n")
	if l := next(t, lines); !strings.Contains(l, `"id":1`) || !strings.Contains(l, `"result"`) {
		t.Fatalf("initialize after leading whitespace: %s", l)
	}
}
