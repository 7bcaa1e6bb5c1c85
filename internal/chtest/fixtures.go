package chtest

import "fmt"

// Users and profiles that some packages' shared servers need beyond the
// base ones (default, admin, alice, bob, limited). They live here, not in
// the packages' tests, so that one external server can be given all of them
// (ExternalConfig, `chlocal config`): Options.ExtraUsers of a shared server
// pointed at an external one must name users the external one has.
const (
	// FixtureProfiles: constrained caps max_block_size at 1000 with a
	// constraint (ClickHouse refuses a higher value in an initial query);
	// readonly_profile is readonly = 1.
	FixtureProfiles = `<constrained><max_block_size>1000</max_block_size><constraints><max_block_size><max>1000</max></max_block_size></constraints></constrained>` +
		`<readonly_profile><readonly>1</readonly></readonly_profile>`

	// FixtureUsers: capped runs under constrained, dave under
	// readonly_profile (internal/clickhouse); carol may read the dyn
	// database and insert into dyn.orders, nothing else (internal/mcp).
	FixtureUsers = `<capped><no_password/>` + loopback + `<profile>constrained</profile><quota>default</quota></capped>` +
		`<dave><no_password/>` + loopback + `<profile>readonly_profile</profile><quota>default</quota></dave>` +
		`<carol><no_password/>` + loopback + `<profile>default</profile><quota>default</quota><grants>` +
		`<query>GRANT SELECT ON dyn.*</query><query>GRANT INSERT ON dyn.orders</query>` +
		`</grants></carol>`
)

// FixtureOptions are Options with the fixture users and profiles.
func FixtureOptions() Options {
	return Options{ExtraUsers: FixtureUsers, ExtraProfiles: FixtureProfiles}
}

// ExternalConfig is what a clickhouse-server needs so that the integration
// tests can use it through CHMCP_TEST_CLICKHOUSE: a config.d file (time
// zone, query_log, the cluster chmcp_cluster with secret and this server as
// its one shard at host:nativePort) and a users.d file (the base users with
// admin's password, the fixture users and profiles; default is replaced by a
// passwordless one). Users accept loopback connections only.
func ExternalConfig(host string, nativePort int, secret, adminPassword string) (configD, usersD string, err error) {
	if host == "" || nativePort <= 0 || secret == "" || adminPassword == "" {
		return "", "", fmt.Errorf("chtest: external config needs a host, a native port, a cluster secret and an admin password")
	}
	configD = "<clickhouse>\n" + sharedConfigXML(ClusterName, secret, host, []int{nativePort}) + "</clickhouse>\n"
	usersD = usersXML(AdminUser, adminPassword, FixtureUsers, FixtureProfiles, true)
	return configD, usersD, nil
}

// The names every harness server uses.
const (
	ClusterName = "chmcp_cluster"
	AdminUser   = "admin"
)
