package chtest

import (
	"context"
	"strings"
	"testing"
)

// TestExtraUsers: a user with restricted grants from Options.ExtraUsers.
func TestExtraUsers(t *testing.T) {
	s, err := Start(context.Background(), Options{Logf: t.Logf, ExtraUsers: `<carol><no_password/>` + loopback +
		`<profile>default</profile><quota>default</quota><grants><query>GRANT SELECT ON system.one</query></grants></carol>`})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	req := func(sql string) (string, error) {
		return s.ExecAs(context.Background(), "carol", sql)
	}
	if out, err := req("SELECT dummy FROM system.one"); err != nil || strings.TrimSpace(out) != "0" {
		t.Fatalf("granted read: %q %v", out, err)
	}
	if _, err := s.Exec(context.Background(), "CREATE TABLE default.secret_t (a UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	if _, err := req("SELECT a FROM default.secret_t"); err == nil || !strings.Contains(err.Error(), "ACCESS_DENIED") {
		t.Fatalf("ungranted read must be denied, got %v", err)
	}
}
