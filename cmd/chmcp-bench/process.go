package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is the chmcp server under test, run as its own process so its
// CPU and memory can be read from /proc.
type process struct {
	cmd  *exec.Cmd
	url  string        // "http://127.0.0.1:port/"
	done chan struct{} // closed once the process has been reaped
}

// startChmcp runs bin with args (which must make it listen on port) and
// waits until GET /health answers 200.
func startChmcp(ctx context.Context, bin string, port int, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = childEnv()
	cmd.SysProcAttr = sysProcAttr()
	p := &process{cmd: cmd, url: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/", done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal follows the thread that forked the child:
		// keep this goroutine on its thread until the child is reaped.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting chmcp: %w", err)
	}
	if err := p.waitHealthy(ctx, 30*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) waitHealthy(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("chmcp exited during startup: %v", p.cmd.ProcessState)
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

// stop sends SIGTERM, then SIGKILL after 5 s, and waits for the exit.
func (p *process) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("chmcp (pid %d) ignored SIGTERM for 5s; killed", p.pid())
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
