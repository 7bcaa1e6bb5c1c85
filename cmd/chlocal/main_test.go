package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// TestServeNodes: `chlocal serve --nodes 2` runs two engines that form one
// cluster, and its env file hands chmcp both nodes as CLICKHOUSE_HOST.
func TestServeNodes(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "chlocal.env")
	done := make(chan error, 1)
	go func() { done <- serve([]string{"--nodes", "2", "--env-file", envFile}) }()
	env := waitEnv(t, envFile, done)

	eps, err := config.ParseHosts(env["CLICKHOUSE_HOST"])
	if err != nil || len(eps) != 2 || eps[0].Port == eps[1].Port {
		t.Fatalf("CLICKHOUSE_HOST=%q: %v, want two host:port entries", env["CLICKHOUSE_HOST"], err)
	}
	q := "SELECT count() FROM system.clusters WHERE cluster = '" + env["CLICKHOUSE_CLUSTER_NAME"] + "'"
	resp, err := http.Post("http://127.0.0.1:"+env["CLICKHOUSE_HTTP_PORT"]+"/", "text/plain", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(body)) != "2" {
		t.Fatalf("node 1's cluster has %q shards, want 2", body)
	}

	// serve listens for SIGTERM (the env file is written after it does).
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Fatalf("env file left behind: %v", err)
	}
}

func waitEnv(t *testing.T, path string, done <-chan error) map[string]string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve ended before it was ready: %v", err)
		default:
		}
		if b, err := os.ReadFile(path); err == nil {
			env := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				k, v, _ := strings.Cut(line, "=")
				env[k] = v
			}
			return env
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no env file")
	return nil
}
