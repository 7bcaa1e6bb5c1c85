package mcphttp

import (
	"os"
	"testing"

	"github.com/chmcp/chmcp/internal/chtest"
)

var chs *chtest.Server

func TestMain(m *testing.M) { os.Exit(chtest.RunMain(m, chtest.Options{}, &chs)) }
