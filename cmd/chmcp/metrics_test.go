package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/metrics"
	"github.com/chmcp/chmcp/internal/metrics/metricstest"
)

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestMetricsAddress runs the binary with --metrics --metrics-address:
// tool calls on the main port show up on the metrics port, which the main
// port does not serve.
func TestMetricsAddress(t *testing.T) {
	t.Parallel()
	port, mport := freePort(t), freePort(t)
	base, mbase := "http://127.0.0.1:"+strconv.Itoa(port), "http://127.0.0.1:"+strconv.Itoa(mport)
	cmd := exec.Command(build(t), "--transport", "http", "--port", strconv.Itoa(port), "--metrics", "--metrics-address", "127.0.0.1:"+strconv.Itoa(mport))
	cmd.Env = chEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("chmcp did not stop on SIGINT")
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/livez"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chmcp did not come up:\n%s", stderr.String())
		}
	}

	cs, err := sdk.NewClient(&sdk.Implementation{Name: "metrics-test", Version: "1"}, nil).
		Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: base + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, q := range []string{"SELECT 1", "SELECT * FROM system.no_such_table"} {
		if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": q}}); err != nil {
			t.Fatal(err)
		}
	}

	out := metricstest.Get(t, mbase+"/metrics")
	metricstest.Expect(t, out, metrics.NameToolCalls,
		`chmcp_tool_calls_total{outcome="clickhouse",tool="execute_query"} 1`,
		`chmcp_tool_calls_total{outcome="ok",tool="execute_query"} 1`,
	)
	if !strings.Contains(out, `chmcp_build_info{version="`) || !strings.Contains(out, `chmcp_clickhouse_errors_total{code="60"} 1`) {
		t.Errorf("exposition:\n%s", out)
	}
	if code := metricstest.Status(t, base+"/metrics"); code != http.StatusMethodNotAllowed {
		t.Errorf("main port GET /metrics: %d, want 405 (served on the metrics address only)", code)
	}
}

func TestMetricsConfigErrors(t *testing.T) {
	t.Parallel()
	_, errOut, code := run(t, chEnv(t), "--transport", "stdio", "--metrics")
	if code != 1 || !strings.Contains(errOut, "server.metrics.address: required when server.metrics.enabled and server.transport is stdio") {
		t.Fatalf("stdio without a metrics address: %d %q", code, errOut)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, errOut, code = run(t, chEnv(t), "--transport", "http", "--port", strconv.Itoa(freePort(t)), "--metrics", "--metrics-address", busy.Addr().String())
	if code != 1 || !strings.Contains(errOut, "server.metrics.address: listen tcp "+busy.Addr().String()) {
		t.Fatalf("busy metrics address: %d %q", code, errOut)
	}
}
