package chtest

import "github.com/chmcp/chmcp/internal/config"

// ClickHouseConfig is chmcp's default ClickHouse configuration pointed at s
// over protocol (config.ProtocolTCP or config.ProtocolHTTP), as user default.
func (s *Server) ClickHouseConfig(protocol string) config.ClickHouseConfig {
	cfg := config.Defaults().ClickHouse
	cfg.Host, cfg.Protocol, cfg.Port = s.Host, protocol, s.TCPPort
	if protocol == config.ProtocolHTTP {
		cfg.Host, cfg.Port = s.httpHost(), s.HTTPPort
	}
	return cfg
}

// SecretConfig is ClickHouseConfig(tcp) authenticating with the harness
// cluster's interserver secret, with fallbackUser as clickhouse.username.
func (s *Server) SecretConfig(fallbackUser string) config.ClickHouseConfig {
	cfg := s.ClickHouseConfig(config.ProtocolTCP)
	cfg.ClusterName, cfg.ClusterSecret, cfg.Username = s.ClusterName, config.Secret(s.ClusterSecret), fallbackUser
	return cfg
}
