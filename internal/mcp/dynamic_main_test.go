package mcp

import (
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
)

var chs *chtest.Server

// carol may read the dyn database and insert into dyn.orders, nothing
// else: discovery as carol must not offer tools for other databases.
const carol = `<carol><no_password/><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>` +
	`<profile>default</profile><quota>default</quota><grants>` +
	`<query>GRANT SELECT ON dyn.*</query><query>GRANT INSERT ON dyn.orders</query>` +
	`</grants></carol>`

func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m, chtest.Options{ExtraUsers: carol}, &chs)) }
