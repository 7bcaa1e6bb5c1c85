package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/chtest"
)

var (
	// harness is the ClickHouse of this package's integration tests,
	// started by the first test that asks for it (chs).
	harness = chtest.NewShared(chtest.Options{})
	binDir  string
	buildMu sync.Mutex
	binary  string // guarded by buildMu
)

func chs(t testing.TB) *chtest.Server { return harness.Server(t) }

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "chmcp-bin-"); err != nil {
		panic(err)
	}
	code := harness.Run(m)
	os.RemoveAll(binDir)
	os.Exit(code)
}

// build compiles chmcp once per test binary, the way users run it. Parallel
// tests wait for the first one's build.
func build(t *testing.T) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if binary != "" {
		return binary
	}
	out := filepath.Join(binDir, "chmcp")
	cmd := exec.Command("go", "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	binary = out
	return out
}

func chEnv(t testing.TB) []string {
	return append(os.Environ(), "CLICKHOUSE_HOST="+chs(t).Host, "CLICKHOUSE_PORT="+strconv.Itoa(chs(t).TCPPort))
}

// TestStdio runs the built binary as Claude Desktop does: a subprocess
// speaking MCP over stdin/stdout, logs on stderr only.
func TestStdio(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(build(t), "--transport", "stdio", "--log-level", "debug")
	cmd.Env = chEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	client := sdk.NewClient(&sdk.Implementation{Name: "stdio-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr: %s", err, stderr.String())
	}
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "SELECT 40 + 2 AS answer"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || !strings.Contains(res.Content[0].(*sdk.TextContent).Text, "[[42]]") {
		t.Fatalf("result: %+v", res.Content[0])
	}
	res, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "DROP TABLE x"}})
	if err != nil || !res.IsError {
		t.Fatalf("DROP via execute_query: err=%v isError=%v", err, res != nil && res.IsError)
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "tool call") || !strings.Contains(logs, "execute_query") {
		t.Fatalf("expected tool call log lines on stderr, got:\n%s", logs)
	}
	if strings.Contains(logs, "SELECT 40 + 2") {
		t.Fatal("query text leaked into logs")
	}
}

func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(build(t), args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestCommands(t *testing.T) {
	t.Parallel()
	out, _, code := run(t, os.Environ(), "version")
	if code != 0 || !strings.HasPrefix(out, "chmcp ") {
		t.Fatalf("version: %d %q", code, out)
	}

	out, errOut, code := run(t, chEnv(t), "test-connection")
	if code != 0 || !strings.Contains(out, "OK: ClickHouse 26.7") || !strings.Contains(out, "user default") {
		t.Fatalf("test-connection: %d %q %q", code, out, errOut)
	}
	_, errOut, code = run(t, append(os.Environ(), "CLICKHOUSE_HOST=127.0.0.1", "CLICKHOUSE_PORT=1"), "test-connection")
	if code != 1 || !strings.Contains(errOut, "connection refused") {
		t.Fatalf("test-connection to a closed port: %d %q", code, errOut)
	}

	// Several nodes: each is checked and reported; one down fails the test.
	dead := "127.0.0.1:1"
	out, errOut, code = run(t, append(os.Environ(), "CLICKHOUSE_HOST="+chs(t).TCPAddr()+","+dead), "test-connection")
	if code != 1 || !strings.Contains(out, "OK: ClickHouse 26.7") || !strings.Contains(out, "at "+chs(t).TCPAddr()+" (tcp)") ||
		!strings.Contains(errOut, "FAILED: "+dead+": cannot connect") ||
		!strings.Contains(errOut, "connection test failed: 1 of 2 ClickHouse nodes did not answer ("+dead+")") {
		t.Fatalf("test-connection with a dead node: %d %q %q", code, out, errOut)
	}
	out, errOut, code = run(t, append(os.Environ(), "CLICKHOUSE_HOST=localhost,"+chs(t).TCPAddr(), "CLICKHOUSE_PORT="+strconv.Itoa(chs(t).TCPPort)), "test-connection")
	if code != 0 || strings.Count(out, "OK: ClickHouse 26.7") != 2 || !strings.Contains(out, "at localhost:"+strconv.Itoa(chs(t).TCPPort)) {
		t.Fatalf("test-connection with two answering nodes: %d %q %q", code, out, errOut)
	}

	// A wrong cluster secret: a ping would pass, test-connection must not.
	secretEnv := append(chEnv(t), "CLICKHOUSE_CLUSTER_NAME="+chs(t).ClusterName, "CLICKHOUSE_CLUSTER_SECRET=wrong-secret", "CLICKHOUSE_USERNAME=alice")
	_, errOut, code = run(t, secretEnv, "test-connection")
	if code != 1 || !strings.Contains(errOut, `ClickHouse rejected interserver authentication for user "alice" on cluster "chmcp_cluster"`) ||
		strings.Contains(errOut, "wrong-secret") {
		t.Fatalf("test-connection with a wrong secret: %d %q", code, errOut)
	}
	secretEnv[len(secretEnv)-2] = "CLICKHOUSE_CLUSTER_SECRET=" + chs(t).ClusterSecret
	out, errOut, code = run(t, secretEnv, "test-connection")
	if code != 0 || !strings.Contains(out, "user alice") {
		t.Fatalf("test-connection with the secret: %d %q %q", code, out, errOut)
	}

	_, errOut, code = run(t, os.Environ(), "--transport", "carrier-pigeon", "--clickhouse-protocol", "udp")
	if code != 1 || !strings.Contains(errOut, `server.transport: invalid value "carrier-pigeon" (allowed: stdio, http, sse)`) ||
		!strings.Contains(errOut, "clickhouse.protocol") {
		t.Fatalf("bad config: %d %q", code, errOut)
	}

	out, _, code = run(t, append(os.Environ(), "CLICKHOUSE_PASSWORD=hunter2-very-secret"), "config", "--format", "json")
	if code != 0 || strings.Contains(out, "hunter2") || !strings.Contains(out, "[REDACTED]") {
		t.Fatalf("config dump must redact the password: %d %s", code, out)
	}
}
