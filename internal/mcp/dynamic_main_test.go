package mcp

import (
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
)

// harness is the ClickHouse of this package's integration tests, started
// by the first test that asks for it (chs). Its fixture user carol may read
// the dyn database and insert into dyn.orders, nothing else: discovery as
// carol must not offer tools for other databases.
var harness = chtest.NewShared(chtest.FixtureOptions())

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func chs(t testing.TB) *chtest.Server { return harness.Server(t) }
