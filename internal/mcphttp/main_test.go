package mcphttp

import (
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
)

// harness is the ClickHouse of this package's integration tests, started
// by the first test that asks for it (chs).
var harness = chtest.NewShared(chtest.Options{})

func TestMain(m *testing.M) { os.Exit(harness.Run(m)) }

func chs(t testing.TB) *chtest.Server { return harness.Server(t) }
