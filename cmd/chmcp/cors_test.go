package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPublicCORSNeedsAuthOrOptIn: cors_origin "*" on an open HTTP server
// would let any web page query ClickHouse through its visitors' browsers;
// chmcp refuses to start unless server.allow_public_cors says it is meant.
func TestPublicCORSNeedsAuthOrOptIn(t *testing.T) {
	t.Parallel()
	port := strconv.Itoa(freePort(t))
	errOut, code := runBriefly(t, chEnv(t), "--transport", "http", "--port", port, "--cors-origin", "*")
	if code != 1 || !strings.Contains(errOut, `server.cors_origin: "*" with neither server.oauth nor server.jwe enabled`) ||
		!strings.Contains(errOut, "server.allow_public_cors: true") {
		t.Fatalf("open server with cors_origin *: exit %d, stderr %q", code, errOut)
	}
	errOut, code = runBriefly(t, append(chEnv(t), "MCP_ALLOW_PUBLIC_CORS=true"), "--transport", "http", "--port", port, "--cors-origin", "https://app.example.com")
	if code != 1 || !strings.Contains(errOut, "server.allow_public_cors: not used here") {
		t.Fatalf("allow_public_cors without cors_origin *: exit %d, stderr %q", code, errOut)
	}
}

// runBriefly runs the binary, which must exit on its own within a few
// seconds (a server that starts instead is stopped and fails the test).
func runBriefly(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	bin := build(t) // before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("chmcp %v started instead of refusing its configuration; stderr %q", args, stderr.String())
	case errors.As(err, &ee):
		return stderr.String(), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return stderr.String(), 0
}
