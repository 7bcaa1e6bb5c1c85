package chtest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// RunMain is for TestMain: it starts one server for the test binary (or uses
// the one ExternalEnv names), stores it in *srv, runs the tests and stops
// the server. When no server can be had it says how to get one and returns 1:
// integration tests never skip silently. Prefer Shared, which starts the
// server only when a test asks for it.
func RunMain(m *testing.M, opts Options, srv **Server) int {
	s, err := startShared(opts)
	if err != nil {
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
// An external server (ExternalEnv) is one node: with it set this fails.
func RunClusterMain(m *testing.M, n int, opts Options, c **Cluster) int {
	if err := RequireEngine(); err != nil {
		loud(fmt.Sprintf("these tests need a %d-node cluster of their own", n), err)
		return 1
	}
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

// RequireEngine is for the TestMain of packages whose tests need engine
// processes of their own (several nodes, killed or frozen servers, the
// harness itself): with ExternalEnv set it returns why they cannot run.
func RequireEngine() error {
	if External() {
		return fmt.Errorf("%s is set, but these tests need ClickHouse processes the harness starts "+
			"(several nodes, or servers they kill, freeze or inspect): run this package without %s (docs/testing.md)", ExternalEnv, ExternalEnv)
	}
	return nil
}

func stderrf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func loud(what string, err error) {
	fmt.Fprintf(os.Stderr, `
################################################################################
chtest: %s; the integration tests cannot run.
%v

These tests need a real ClickHouse: the engine (%s@%s, ~178 MB from npm)
or an external server named by %s (docs/testing.md).
Get the engine with `+"`make engine`"+` or `+"`go run ./cmd/chlocal fetch`"+`; this needs npm, gcc
and network access to the npm registry. It is cached in $CHMCP_CACHE_DIR,
$XDG_CACHE_HOME/chmcp or ~/.cache/chmcp.
################################################################################

`, what, err, npmPackage, EngineVersion, ExternalEnv)
}
