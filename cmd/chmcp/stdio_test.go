package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stdioProc is the built binary in stdio mode, driven line by line.
type stdioProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan map[string]any // every line it writes to stdout, decoded
	stderr *bytes.Buffer
	exited chan struct{}
}

func startStdio(t *testing.T, args ...string) *stdioProc {
	t.Helper()
	cmd := exec.Command(build(t), append([]string{"--transport", "stdio"}, args...)...)
	cmd.Env = chEnv(t)
	p := &stdioProc{cmd: cmd, lines: make(chan map[string]any, 100), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			p.lines <- m
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p
}

func (p *stdioProc) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("write %.40q: %v\nstderr:\n%s", line, err, p.stderr)
	}
}

// next is the next line the server writes; it fails after timeout.
func (p *stdioProc) next(t *testing.T, timeout time.Duration) map[string]any {
	t.Helper()
	select {
	case m, ok := <-p.lines:
		if !ok {
			t.Fatalf("stdout closed (the server exited: %v)\nstderr:\n%s", p.cmd.ProcessState, p.stderr)
		}
		return m
	case <-time.After(timeout):
		t.Fatalf("no answer within %s\nstderr:\n%s", timeout, p.stderr)
	}
	return nil
}

// exitCode waits for the process to end.
func (p *stdioProc) exitCode(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("the server did not exit within %s\nstderr:\n%s", timeout, p.stderr)
	}
	return -1
}

const (
	initLine        = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	initializedLine = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
)

func toolCallLine(id int, query string) string {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
		"params": map[string]any{"name": "execute_query", "arguments": map[string]any{"query": query,
			"settings": map[string]any{"max_block_size": 1}}}}) // sleepEachRow sleeps per row
	return string(b)
}

func errorCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return c
}

func resultText(m map[string]any) string {
	r, _ := m["result"].(map[string]any)
	content, _ := r["content"].([]any)
	if len(content) == 0 {
		return ""
	}
	c, _ := content[0].(map[string]any)
	s, _ := c["text"].(string)
	return s
}

// TestStdioMalformedLines: every kind of bad line gets a JSON-RPC error and
// the server goes on answering (the go-sdk's transport exits on the first).
func TestStdioMalformedLines(t *testing.T) {
	t.Parallel()
	p := startStdio(t)
	p.send(t, initLine)
	if m := p.next(t, 10*time.Second); m["id"] != 1.0 || m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	p.send(t, initializedLine)
	bad := []struct {
		name, line string
		code       float64
	}{
		{"garbage", "hello, server", -32700},
		{"partial JSON", `{"jsonrpc":"2.0","id":7,"method":`, -32700},
		{"a number", "42", -32600},
		{"not JSON-RPC", `{"jsonrpc":"1.0","id":8,"method":"ping"}`, -32600},
		{"over 16 MiB", `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"` + strings.Repeat("x", 16<<20) + `"}}`, -32600},
	}
	for _, b := range bad {
		p.send(t, b.line)
		m := p.next(t, 10*time.Second)
		if errorCode(m) != b.code {
			t.Fatalf("%s: want a JSON-RPC error %v, got %v", b.name, b.code, m)
		}
	}
	p.send(t, toolCallLine(2, "SELECT 40 + 2 AS answer"))
	if m := p.next(t, 10*time.Second); m["id"] != 2.0 || !strings.Contains(resultText(m), "[[42]]") {
		t.Fatalf("a valid call after the bad lines: %v", m)
	}
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if code := p.exitCode(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d at EOF, want 0\nstderr:\n%s", code, p.stderr)
	}
	if n := strings.Count(p.stderr.String(), "malformed message answered with an error"); n != len(bad) {
		t.Fatalf("%d warnings about malformed lines, want %d\nstderr:\n%s", n, len(bad), p.stderr)
	}
}

// TestStdioEOFWritesAnswersOwed: stdin closes while a call runs; the
// answer is written, then the server exits 0.
func TestStdioEOFWritesAnswersOwed(t *testing.T) {
	t.Parallel()
	p := startStdio(t)
	p.send(t, initLine)
	p.next(t, 10*time.Second)
	p.send(t, initializedLine)
	p.send(t, toolCallLine(2, "SELECT sleepEachRow(0.5) AS slept, 7 AS n FROM numbers(3)"))
	time.Sleep(300 * time.Millisecond) // the call is running
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	m := p.next(t, 10*time.Second)
	if m["id"] != 2.0 || !strings.Contains(resultText(m), "7") || m["result"].(map[string]any)["isError"] == true {
		t.Fatalf("the call in flight at EOF: %v", m)
	}
	if code := p.exitCode(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0\nstderr:\n%s", code, p.stderr)
	}
}

// TestStdioShutdownCutsCalls: SIGTERM with a call running longer than
// server.shutdown_timeout: the call is cancelled and answered with an
// error, its outcome is logged, and the exit code (3) says calls were cut.
func TestStdioShutdownCutsCalls(t *testing.T) {
	t.Parallel()
	p := startStdio(t, "--server-shutdown-timeout", "500ms")
	p.send(t, initLine)
	p.next(t, 10*time.Second)
	p.send(t, initializedLine)
	p.send(t, toolCallLine(2, "SELECT sleepEachRow(1) FROM numbers(30)"))
	time.Sleep(500 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	m := p.next(t, 10*time.Second)
	if m["id"] != 2.0 || !strings.Contains(resultText(m), "shutting down") {
		t.Fatalf("the cut call's answer: %v", m)
	}
	if code := p.exitCode(t, 10*time.Second); code != 3 {
		t.Fatalf("exit code %d, want 3 (calls cut)\nstderr:\n%s", code, p.stderr)
	}
	logs := p.stderr.String()
	if !strings.Contains(logs, `"tool call failed"`) && !strings.Contains(logs, "tool call failed") {
		t.Fatalf("the cut call is not logged with its outcome:\n%s", logs)
	}
	if !strings.Contains(logs, "1 call(s) cut") {
		t.Fatalf("no final word on the cut calls:\n%s", logs)
	}
}
