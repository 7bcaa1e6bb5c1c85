// Command chlocal fetches and runs the local ClickHouse used by chmcp's tests and demos.
//
//	chlocal fetch                       download the engine into the cache, print paths
//	chlocal serve [--dir DIR] [--nodes N] [--demo] [--test-users] [--env-file PATH]
//	                                    run a server (or an N-node cluster) until Ctrl-C
//	chlocal config [--out DIR] ...      the config.d/users.d files that let a
//	                                    clickhouse-server stand in for the engine in tests
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chmcp/chmcp/internal/chtest"
)

const usage = `usage:
  chlocal fetch     download the ClickHouse engine (needs npm) and build the launcher
  chlocal serve [--dir DIR] [--nodes N] [--demo] [--test-users] [--env-file PATH]
                    run a local ClickHouse on 127.0.0.1 until interrupted;
                    --nodes 2 runs two that form one cluster (one shard each);
                    --test-users adds the users the integration tests need
                    when pointed at it with CHMCP_TEST_CLICKHOUSE
  chlocal config [--out DIR] [--host H] [--port N] [--http-port N] [--secret S] [--admin-password P]
                    the config.d and users.d files that give a clickhouse-server
                    what the integration tests rely on (docs/testing.md)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fetch":
		err = fetch(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	case "config":
		err = writeTestConfig(os.Args[2:], os.Stdout, os.Stderr)
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "chlocal: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chlocal:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func fetch(args []string) error {
	fs := flag.NewFlagSet("fetch", flag.ExitOnError)
	fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	eng, err := chtest.EnsureEngine(ctx, logf)
	if err != nil {
		return err
	}
	fmt.Printf("engine   %s (ClickHouse from chdb %s)\nlauncher %s\nready in %s\n",
		eng.Library, chtest.EngineVersion, eng.Launcher, time.Since(start).Round(time.Millisecond))
	return nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", "", "data directory, kept after exit (default: a temp dir removed on exit)")
	demo := fs.Bool("demo", false, "(re)create the demo database: demo.stations, demo.trips, demo.events")
	envFile := fs.String("env-file", "", "once ready, write CLICKHOUSE_* connection variables to this file (removed on exit)")
	testUsers := fs.Bool("test-users", false, "also create the users and profiles the integration tests need (chtest.FixtureUsers), to run them against this server with CHMCP_TEST_CLICKHOUSE")
	nodes := fs.Int("nodes", 1, "number of servers; more than one form one <remote_servers> cluster, one shard each (with --dir: DIR/node1, DIR/node2, ...)")
	fs.Parse(args)
	if *nodes < 1 || *nodes > 8 {
		return fmt.Errorf("--nodes: invalid value %d (allowed: 1..8; each node takes ~220 MB)", *nodes)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := chtest.Options{Dir: *dir, Logf: logf}
	if *testUsers {
		opts.ExtraUsers, opts.ExtraProfiles = chtest.FixtureUsers, chtest.FixtureProfiles
	}
	cluster, err := chtest.StartCluster(ctx, *nodes, opts)
	if err != nil {
		return err
	}
	defer cluster.Stop()

	if *demo {
		// Each node gets its own copy: the demo tables are local tables.
		for _, srv := range cluster.Nodes {
			for _, q := range chtest.DemoSQL() {
				if _, err := srv.Exec(ctx, q); err != nil {
					return fmt.Errorf("loading demo data: %w", err)
				}
			}
		}
		logf("demo database loaded: demo.stations, demo.trips, demo.events")
	}
	// Written last, so a script can wait for the file to know the server (and demo) is ready.
	if *envFile != "" {
		if err := writeEnvFile(*envFile, cluster, *testUsers); err != nil {
			return err
		}
		defer os.Remove(*envFile) // stale ports would point at nothing
	}
	printInfo(cluster, *testUsers)

	exited := make(chan *chtest.Server, len(cluster.Nodes))
	for _, srv := range cluster.Nodes {
		go func() { <-srv.Done(); exited <- srv }()
	}
	// With several nodes one going down is a failover exercise, not the end:
	// the others keep serving until Ctrl-C or until none is left.
	for alive := len(cluster.Nodes); ; {
		select {
		case <-ctx.Done():
			logf("stopping ClickHouse...")
			return cluster.Stop()
		case srv := <-exited:
			// The logs are read now: the deferred Stop removes a temp dir.
			err := fmt.Errorf("ClickHouse (pid %d, %s) exited unexpectedly%s", srv.Pid(), srv.TCPAddr(), srv.LogTail())
			if alive--; alive == 0 {
				return err
			}
			logf("%v\n%d of %d nodes still serving", err, alive, len(cluster.Nodes))
		}
	}
}

// printInfo shows the generated dev credentials on purpose: this is a local,
// loopback-only throwaway server and the human running it needs them.
func printInfo(c *chtest.Cluster, testUsers bool) {
	first := c.Nodes[0]
	fmt.Printf("ClickHouse (chdb %s) is ready\n", chtest.EngineVersion)
	for i, srv := range c.Nodes {
		if len(c.Nodes) > 1 {
			fmt.Printf("node %d (shard %d)\n", i+1, i+1)
		}
		fmt.Printf("  native TCP  %s\n  HTTP        %s\n  data dir    %s\n  pid         %d\n",
			srv.TCPAddr(), srv.HTTPURL(), srv.Dir, srv.Pid())
	}
	fmt.Printf(`  cluster     %s   secret %s
  admin       user %s   password %s
  users       default, alice, bob, limited%s (no password, loopback only)
`, first.ClusterName, first.ClusterSecret, first.AdminUser, first.AdminPassword, testUserNames(testUsers))
	if len(c.Nodes) > 1 {
		fmt.Printf("  chmcp       --clickhouse-host %s\n", c.Hosts())
	} else if testUsers {
		fmt.Printf("  tests       %s=%s\n", chtest.ExternalEnv, first.ExternalValue())
	}
	fmt.Println("Press Ctrl-C to stop.")
}

func testUserNames(testUsers bool) string {
	if !testUsers {
		return ""
	}
	return ", capped, dave, carol"
}

// writeEnvFile writes KEY=value lines that both `source` and make's `include`
// accept. With several nodes CLICKHOUSE_HOST lists them all (host:port);
// CLICKHOUSE_PORT, CLICKHOUSE_HTTP_PORT and CHLOCAL_PID are node 1's. With
// testUsers and one node it also names the server for the tests
// (chtest.ExternalEnv).
func writeEnvFile(path string, c *chtest.Cluster, testUsers bool) error {
	srv := c.Nodes[0]
	host := srv.Host
	if len(c.Nodes) > 1 {
		host = c.Hosts()
	}
	content := fmt.Sprintf(`CLICKHOUSE_HOST=%s
CLICKHOUSE_PORT=%d
CLICKHOUSE_HTTP_PORT=%d
CLICKHOUSE_CLUSTER_NAME=%s
CLICKHOUSE_CLUSTER_SECRET=%s
CHLOCAL_ADMIN_USER=%s
CHLOCAL_ADMIN_PASSWORD=%s
CHLOCAL_PID=%d
`, host, srv.TCPPort, srv.HTTPPort, srv.ClusterName, srv.ClusterSecret,
		srv.AdminUser, srv.AdminPassword, srv.Pid())
	if testUsers && len(c.Nodes) == 1 {
		// Only then: it carries the admin password, which scripts such as
		// scripts/demo.sh keep out of the environment chmcp runs in.
		content += chtest.ExternalEnv + "=" + srv.ExternalValue() + "\n"
	}
	// Temp file + rename: a watcher never reads a half-written file. 0600: it holds secrets.
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
