package mcp

import (
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/clickhouse"
)

// TestAllowedLimitsAreChecked: every limit a caller may pass is one the
// clickhouse package checks against the user's profile, so a max_*
// setting added to the allow-list cannot lift a limit unnoticed.
func TestAllowedLimitsAreChecked(t *testing.T) {
	// max_block_size tunes, it does not limit: memory stays bounded by max_memory_usage.
	notLimits := map[string]bool{"max_block_size": true}
	for name := range allowedSettings {
		if strings.HasPrefix(name, "max_") && !notLimits[name] && !clickhouse.IsLimitSetting(name) {
			t.Errorf("allow-listed %s is not a checked limit setting (clickhouse.limitSettings)", name)
		}
	}
}
