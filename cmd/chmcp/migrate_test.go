package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMigrateExitCode: migrate prints the file and exits non-zero when a
// setting could not be carried, zero when all were.
func TestMigrateExitCode(t *testing.T) {
	t.Parallel()
	bin := build(t)
	dir := t.TempDir()
	carried := filepath.Join(dir, "ok.yaml")
	lost := filepath.Join(dir, "lost.yaml")
	os.WriteFile(carried, []byte("clickhouse:\n  host: ch1\n  limit: 5000\n"), 0o600)
	os.WriteFile(lost, []byte("clickhouse:\n  host: ch1\nreload_time: 120\n"), 0o600)
	for _, tt := range []struct {
		file   string
		fail   bool
		output string
	}{
		{carried, false, "max_result_rows: 5000 # altinity-mcp: clickhouse.limit"},
		{lost, true, "# NOT CARRIED: reload_time: chmcp does not reload"},
	} {
		cmd := exec.Command(bin, "migrate", "--from", "altinity", "--config", tt.file)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.Output()
		if (err != nil) != tt.fail || !strings.Contains(string(out), tt.output) {
			t.Errorf("%s: err %v, output:\n%s", tt.file, err, out)
		}
	}
}

// TestStartupNamesAliasesAndHints: an mcp-clickhouse variable is reported
// with its chmcp name, and the native protocol on ClickHouse's HTTP port
// fails with the hint, through the real binary and engine.
func TestStartupNamesAliasesAndHints(t *testing.T) {
	t.Parallel()
	bin := build(t)
	cmd := exec.Command(bin, "test-connection")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CLICKHOUSE_HOST=" + chs(t).Host, "CLICKHOUSE_PORT=" + strconv.Itoa(chs(t).HTTPPort),
		"CLICKHOUSE_PROTOCOL=tcp", "CLICKHOUSE_USER=default", "CLICKHOUSE_HTTP_HEADERS=a=b"}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("tcp to the HTTP port succeeded:\n%s", out)
	}
	for _, want := range []string{"CLICKHOUSE_USER is mcp-clickhouse's name for clickhouse.username",
		"CLICKHOUSE_HTTP_HEADERS is not a chmcp setting", "this is ClickHouse's HTTP port; use protocol: http"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
