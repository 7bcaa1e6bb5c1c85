package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/chmcp/chmcp/internal/chtest"
)

// process is the chmcp server under test, run as its own process so its
// CPU and memory can be read from /proc. The kernel kills it if the
// benchmark dies without cleaning up.
type process struct {
	*chtest.Process
	url string // "http://127.0.0.1:port/"
}

// stopGrace is how long chmcp gets to exit on SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// startChmcp runs bin with args (which must make it listen on port) and
// waits until GET /health answers 200.
func startChmcp(ctx context.Context, bin string, port int, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = childEnv()
	proc, err := chtest.StartProcess(cmd, false)
	if err != nil {
		return nil, fmt.Errorf("starting chmcp: %w", err)
	}
	p := &process{Process: proc, url: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/"}
	if err := p.waitHealthy(ctx, 30*time.Second); err != nil {
		p.Stop(stopGrace)
		return nil, err
	}
	return p, nil
}

func (p *process) waitHealthy(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-p.Done():
			return fmt.Errorf("chmcp exited during startup: %v", p.ExitState())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"health", nil)
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, body)
	}
	return fmt.Errorf("chmcp /health not OK after %s: %s", timeout, last)
}

// childEnv keeps chmcp's configuration to the flags: no CLICKHOUSE_*, MCP_*,
// CONFIG_FILE or LOG_* from the caller's environment leaks in. Go runtime
// knobs (GOMAXPROCS, GOGC, GODEBUG, ...) pass through.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "HOME" || k == "TMPDIR" || strings.HasPrefix(k, "GO") {
			env = append(env, kv)
		}
	}
	return env
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
