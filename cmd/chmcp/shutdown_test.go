package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestHTTPShutdownCutsCalls: the HTTP server's SIGTERM with a call running
// past server.shutdown_timeout: the call gets an error answer, it is
// logged, and the exit code is 3.
func TestHTTPShutdownCutsCalls(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(build(t), "--transport", "http", "--port", strconv.Itoa(port), "--server-shutdown-timeout", "500ms")
	cmd.Env = chEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "livez"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start\n%s", stderr.String())
		}
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, &sdk.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		res *sdk.CallToolResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{
			"query": "SELECT sleepEachRow(1) FROM numbers(30)", "settings": map[string]any{"max_block_size": 1}}})
		done <- result{res, err}
	}()
	time.Sleep(700 * time.Millisecond) // the call is running
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !r.res.IsError || !strings.Contains(r.res.Content[0].(*sdk.TextContent).Text, "shutting down") {
		t.Fatalf("the cut call's answer: err=%v result=%+v", r.err, r.res)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit")
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("exit code %d, want 3\n%s", code, stderr.String())
	}
	if logs := stderr.String(); !strings.Contains(logs, "tool call failed") || !strings.Contains(logs, "1 call(s) cut") {
		t.Fatalf("logs:\n%s", logs)
	}
}
