package chtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File names inside Server.Dir. The config is not called config.xml because
// clickhouse-local also auto-loads ./config.xml from its working directory.
const (
	configFile  = "server-config.xml"
	usersFile   = "users.xml"
	consoleFile = "console.log" // the launcher's stdout and stderr
	logFile     = "clickhouse.log"
	errLogFile  = "clickhouse.err.log"
)

// loopback is the <networks> block for every user: the server only listens on
// 127.0.0.1, and ::1 keeps clients that resolve "localhost" to IPv6 working.
const loopback = `<networks><ip>127.0.0.1</ip><ip>::1</ip></networks>`

// writeConfig writes server-config.xml and users.xml for s into s.Dir.
func writeConfig(s *Server, extra, extraUsers, extraProfiles string) error {
	var c bytes.Buffer
	fmt.Fprintf(&c, `<clickhouse>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%d</tcp_port>
  <http_port>%d</http_port>
  <path>%s/</path>
  <users_config>%s</users_config>
  <logger>
    <level>warning</level>
    <log>%s</log>
    <errorlog>%s</errorlog>
    <console>0</console>
    <size>10M</size>
    <count>2</count>
  </logger>
%s%s
</clickhouse>
`, s.TCPPort, s.HTTPPort, esc(s.Dir), esc(filepath.Join(s.Dir, usersFile)),
		esc(filepath.Join(s.Dir, logFile)), esc(filepath.Join(s.Dir, errLogFile)),
		sharedConfigXML(s.ClusterName, s.ClusterSecret, s.Host, s.ShardPorts), extra)

	u := usersXML(s.AdminUser, s.AdminPassword, extraUsers, extraProfiles, false)
	if err := os.WriteFile(filepath.Join(s.Dir, configFile), c.Bytes(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, usersFile), []byte(u), 0o600)
}

// sharedConfigXML is the part of the server config the tests rely on: the
// time zone, query_log and the cluster with its secret. The engine's config
// and an external server's config.d file (ExternalConfig) both carry it.
func sharedConfigXML(cluster, secret, host string, ports []int) string {
	return fmt.Sprintf(`  <timezone>UTC</timezone>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>500</flush_interval_milliseconds>
  </query_log>
  <remote_servers>
    <%s>
      <secret>%s</secret>
%s    </%s>
  </remote_servers>
`, cluster, esc(secret), shards(host, ports), cluster)
}

// usersXML is users.xml: the users and profiles the tests rely on.
// Users must come from this file: CREATE USER fails in clickhouse-local
// ("no writeable access storage"). default stays passwordless because
// clickhouse-local's own session logs in as default to run the startup
// queries. limited's profile sets limits of its own (LimitedProfile).
// replaceDefault marks default replace="replace", for a users.d file that
// must override a clickhouse-server's own default user.
func usersXML(adminUser, adminPassword, extraUsers, extraProfiles string, replaceDefault bool) string {
	replace := ""
	if replaceDefault {
		replace = ` replace="replace"`
	}
	return fmt.Sprintf(`<clickhouse>
  <profiles><default></default><limited>%[5]s</limited>%[6]s</profiles>
  <quotas><default></default></quotas>
  <users>
    <default%[7]s><no_password/>%[1]s<profile>default</profile><quota>default</quota><access_management>1</access_management></default>
    <%[2]s><password>%[3]s</password>%[1]s<profile>default</profile><quota>default</quota></%[2]s>
    <alice><no_password/>%[1]s<profile>default</profile><quota>default</quota></alice>
    <bob><no_password/>%[1]s<profile>default</profile><quota>default</quota></bob>
    <limited><no_password/>%[1]s<profile>limited</profile><quota>default</quota></limited>
    %[4]s
  </users>
</clickhouse>
`, loopback, adminUser, esc(adminPassword), extraUsers, limitedProfileXML(), extraProfiles, replace)
}

// shards is one <shard> per node: every node gets the same list, so a
// Distributed table on any of them fans out to all.
func shards(host string, ports []int) string {
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "      <shard><replica><host>%s</host><port>%d</port></replica></shard>\n", host, p)
	}
	return b.String()
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// LimitedProfile is the settings profile of the user "limited": limits
// tighter than ClickHouse's defaults, for tests that chmcp keeps a user's
// own limits.
var LimitedProfile = map[string]uint64{
	"max_rows_to_read": 1000,
	"max_memory_usage": 200_000_000,
	"max_threads":      1,
}

func limitedProfileXML() string {
	var b bytes.Buffer
	for _, name := range []string{"max_rows_to_read", "max_memory_usage", "max_threads"} {
		fmt.Fprintf(&b, "<%s>%d</%s>", name, LimitedProfile[name], name)
	}
	return b.String()
}
