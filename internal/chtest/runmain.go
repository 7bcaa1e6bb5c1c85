package chtest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// RunMain is for TestMain: it starts one server for the test binary, stores it in
// *srv, runs the tests and stops the server. When no server can be had it says how
// to get one and returns 1: integration tests never skip silently.
func RunMain(m *testing.M, opts Options, srv **Server) int {
	// Generous: a cold start downloads ~178 MB first.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Engine progress always goes to stderr: a silent one-time 15 s download looks like a hang.
	if _, err := EnsureEngine(ctx, stderrf); err != nil {
		loud("could not obtain the ClickHouse engine", err)
		return 1
	}
	s, err := Start(ctx, opts)
	if err != nil {
		loud("could not start ClickHouse", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "chtest: stopping ClickHouse: %v\n", err)
	}
	return code
}

// RunClusterMain is RunMain with an n-node cluster (StartCluster) shared by
// the test binary's tests: starting engines costs ~0.5 s and ~220 MB each.
func RunClusterMain(m *testing.M, n int, opts Options, c **Cluster) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := EnsureEngine(ctx, stderrf); err != nil {
		loud("could not obtain the ClickHouse engine", err)
		return 1
	}
	cl, err := StartCluster(ctx, n, opts)
	if err != nil {
		loud(fmt.Sprintf("could not start a %d-node ClickHouse cluster", n), err)
		return 1
	}
	*c = cl
	code := m.Run()
	if err := cl.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "chtest: stopping ClickHouse: %v\n", err)
	}
	return code
}

func stderrf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func loud(what string, err error) {
	fmt.Fprintf(os.Stderr, `
################################################################################
chtest: %s; the integration tests cannot run.
%v

These tests need a real ClickHouse engine (%s@%s, ~178 MB from npm).
Get it with `+"`make engine`"+` or `+"`go run ./cmd/chlocal fetch`"+`; this needs npm, gcc
and network access to the npm registry. It is cached in $CHMCP_CACHE_DIR,
$XDG_CACHE_HOME/chmcp or ~/.cache/chmcp.
################################################################################

`, what, err, npmPackage, EngineVersion)
}
