package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/chmcp/chmcp/internal/chtest"
)

// writeTestConfig is `chlocal config`: the files that let a
// clickhouse-server stand in for the engine in the integration tests, and
// the CHMCP_TEST_CLICKHOUSE value that points the tests at it.
func writeTestConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write DIR/config.d/chmcp-test.xml and DIR/users.d/chmcp-test.xml (default: print both)")
	host := fs.String("host", "127.0.0.1", "the server's host, as the tests reach it and as its cluster names it")
	port := fs.Int("port", 9000, "the server's native-protocol port")
	httpPort := fs.Int("http-port", 8123, "the server's HTTP port")
	secret := fs.String("secret", "", "the cluster's interserver secret (default: random)")
	password := fs.String("admin-password", "", "the password of the user admin (default: random)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	for _, v := range []*string{secret, password} {
		if *v == "" {
			*v = randomHex()
		}
	}
	configD, usersD, err := chtest.ExternalConfig(*host, *port, *secret, *password)
	if err != nil {
		return err
	}
	files := []struct{ name, content string }{
		{filepath.Join("config.d", "chmcp-test.xml"), configD},
		{filepath.Join("users.d", "chmcp-test.xml"), usersD},
	}
	for _, f := range files {
		if *out == "" {
			fmt.Fprintf(stdout, "<!-- %s -->\n%s", f.name, f.content)
			continue
		}
		path := filepath.Join(*out, f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		// 0600: it holds the secret and the admin password.
		if err := os.WriteFile(path, []byte(f.content), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", path)
	}
	value := chtest.FormatExternal(net.JoinHostPort(*host, strconv.Itoa(*port)), net.JoinHostPort(*host, strconv.Itoa(*httpPort)), *secret, *password)
	fmt.Fprintf(stderr, "Once the server has loaded them, run the tests with\n  %s=%s\n", chtest.ExternalEnv, value)
	return nil
}

func randomHex() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
