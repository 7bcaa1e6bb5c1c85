// Package clustertest holds chmcp's end-to-end tests against a real
// two-shard ClickHouse cluster (chtest.StartCluster): distributed queries
// through MCP with the interserver secret, and failover between nodes.
// It has no code of its own.
package clustertest
