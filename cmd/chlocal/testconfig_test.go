package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCommand: `chlocal config` writes the config.d and users.d
// files for an external server and prints the CHMCP_TEST_CLICKHOUSE value
// that names it (what the files hold is tested against a server in
// internal/chtest's TestExternalConfig).
func TestConfigCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := writeTestConfig([]string{"--out", dir, "--host", "ch.test", "--port", "19000", "--http-port", "18123",
		"--secret", "the-secret", "--admin-password", "the-password"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	configD, err := os.ReadFile(filepath.Join(dir, "config.d", "chmcp-test.xml"))
	if err != nil {
		t.Fatal(err)
	}
	usersD, err := os.ReadFile(filepath.Join(dir, "users.d", "chmcp-test.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<chmcp_cluster>", "<secret>the-secret</secret>", "<host>ch.test</host><port>19000</port>", "<query_log>"} {
		if !strings.Contains(string(configD), want) {
			t.Errorf("config.d lacks %s:\n%s", want, configD)
		}
	}
	for _, want := range []string{`<default replace="replace"><no_password/>`, "<admin><password>the-password</password>", "<capped>", "<carol>", "<limited>"} {
		if !strings.Contains(string(usersD), want) {
			t.Errorf("users.d lacks %s:\n%s", want, usersD)
		}
	}
	if want := "CHMCP_TEST_CLICKHOUSE=native=ch.test:19000,http=ch.test:18123,secret=the-secret,admin_password=the-password"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %s:\n%s", want, stderr.String())
	}

	// Without --out both files go to stdout; secrets default to random ones.
	stdout.Reset()
	stderr.Reset()
	if err := writeTestConfig(nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "<!-- config.d/chmcp-test.xml -->") || !strings.Contains(stdout.String(), "<!-- users.d/chmcp-test.xml -->") ||
		strings.Contains(stdout.String(), "secret></secret") || !strings.Contains(stderr.String(), "native=127.0.0.1:9000,http=127.0.0.1:8123,secret=") {
		t.Errorf("config without --out:\n%s\n%s", stdout.String(), stderr.String())
	}
	if err := writeTestConfig([]string{"--port", "0"}, &stdout, &stderr); err == nil {
		t.Error("--port 0 accepted")
	}
}
