package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chmcp/chmcp/internal/jwe"
)

const cliJWEKey = "0123456789abcdef0123456789abcdef-cli-key"

func runToken(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).Run(context.Background(), append([]string{"chmcp", "token"}, args...))
	return stdout.String(), stderr.String(), err
}

// TestTokenRoundTrip: what `chmcp token` prints decodes with the server's
// key to the claims asked for; its --port is the token's, not server.port.
func TestTokenRoundTrip(t *testing.T) {
	t.Setenv("CHMCP_TOKEN_PASSWORD", "from-env")
	before := time.Now()
	out, stderr, err := runToken(t, "--jwe-secret-key", cliJWEKey, "--clickhouse-host", "ch.internal",
		"--username", "ann", "--port", "9440", "--tls", "--database", "sales", "--ttl", "2h")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tok := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 || !jwe.LooksLikeJWE(tok) {
		t.Fatalf("stdout is not one token line: %q", out)
	}
	c, err := jwe.Decode([]byte(cliJWEKey), nil, tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "ann" || c.Password != "from-env" || c.Port != 9440 || c.TLS == nil || !*c.TLS || c.Database != "sales" ||
		c.Host != "" || c.TLSInsecureSkipVerify != nil {
		t.Fatalf("claims: %+v", c)
	}
	if d := c.Expiry.Sub(before); d < 2*time.Hour-time.Second || d > 2*time.Hour+time.Minute {
		t.Fatalf("expiry %s after the call, want 2h", d)
	}
	if !strings.Contains(stderr, "expires") {
		t.Fatalf("stderr: %q", stderr)
	}

	// With jwt_secret_key the payload is a signed JWT; the stdio transport
	// with JWE enabled (invalid for serve) does not matter for minting.
	t.Setenv("MCP_JWE_ENABLED", "true")
	t.Setenv("CHMCP_TOKEN_PASSWORD", "")
	out, stderr, err = runToken(t, "--jwe-secret-key", cliJWEKey, "--jwt-secret-key", strings.Repeat("j", 32), "--ttl", "60")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if _, err := jwe.Decode([]byte(cliJWEKey), []byte(strings.Repeat("j", 32)), strings.TrimSpace(out), time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestTokenRefusals: the CLI refuses what the server would refuse.
func TestTokenRefusals(t *testing.T) {
	key := []string{"--jwe-secret-key", cliJWEKey}
	secret := []string{"--clickhouse-cluster-name", "c", "--clickhouse-cluster-secret", "s"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"--username", "a"}, "server.jwe.secret_key: required"},
		{"short key", []string{"--jwe-secret-key", "short", "--username", "a"}, "too short"},
		{"ttl over max", append(key, "--ttl", "721h"), "server.jwe.max_ttl"},
		{"ttl over a lowered max", append(key, "--jwe-max-ttl", "1h", "--ttl", "2h"), "server.jwe.max_ttl (1h0m0s)"},
		{"bad ttl", append(key, "--ttl", "soon"), "--ttl"},
		{"host not allowed", append(key, "--host", "evil.example", "--username", "a"), "host not allowed"},
		{"server login elsewhere", append(key, "--jwe-allowed-hosts", "ch2", "--host", "ch2"), "username: required"},
		{"bad protocol", append(key, "--protocol", "grpc"), "must be tcp or http"},
		{"secret: password", append(append(key, secret...), "--username", "alice", "--password", "x"), "password: not accepted"},
		{"secret: default", append(append(key, secret...), "--username", "default"), "privileged account"},
		{"secret: host", append(append(key, secret...), "--username", "alice", "--host", "other"), "host: a token cannot choose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runToken(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
				t.Fatalf("want an error containing %q and no output, got %v, %q", tc.want, err, out)
			}
		})
	}
	// With a cluster secret, a token for an allowed user is minted.
	if _, _, err := runToken(t, append(append(key, secret...), "--username", "alice")...); err != nil {
		t.Fatal(err)
	}
}
