package chtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chmcp/chmcp/internal/config"
)

// Cluster is n servers that form one <remote_servers> cluster (ClusterName),
// one shard per node, all with the same secret, admin password and users.
// A Distributed table on any node fans out to all of them.
type Cluster struct {
	Nodes []*Server
}

// StartCluster runs n servers (see Start) that form one cluster. With
// opts.Dir and n > 1, node i lives in opts.Dir/node<i>. Every node's native
// port must be known before any config is written, so a lost race for a
// port restarts the whole cluster with fresh ports.
func StartCluster(ctx context.Context, n int, opts Options) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("chtest: a cluster needs at least one node, not %d", n)
	}
	logf := opts.Logf
	if logf == nil {
		logf = discard
	}
	eng, err := EnsureEngine(ctx, logf)
	if err != nil {
		return nil, err
	}
	dirs := make([]string, n)
	remove := make([]bool, n)
	for i := range dirs {
		dir := opts.Dir
		if dir != "" && n > 1 {
			dir = filepath.Join(dir, "node"+strconv.Itoa(i+1))
		}
		if dirs[i], remove[i], err = prepareDir(dir); err != nil {
			removeDirs(dirs[:i], remove)
			return nil, err
		}
	}
	secret, password := randomHex(16), randomHex(16)
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		nodes := make([]*Server, n)
		ports, err := clusterPorts(n)
		if err != nil {
			lastErr = err
			break
		}
		for i := range nodes {
			nodes[i] = &Server{
				Host: "127.0.0.1", ClusterName: ClusterName, ClusterSecret: secret,
				AdminUser: AdminUser, AdminPassword: password, Dir: dirs[i],
				TCPPort: ports[i][0], HTTPPort: ports[i][1],
				removeDir: remove[i], logf: logf,
				http: &http.Client{Transport: &http.Transport{}},
			}
		}
		for _, s := range nodes {
			for _, o := range nodes {
				s.ShardPorts = append(s.ShardPorts, o.TCPPort)
			}
			if err := writeConfig(s, opts.ExtraConfig, opts.ExtraUsers, opts.ExtraProfiles); err != nil {
				removeDirs(dirs, remove)
				return nil, fmt.Errorf("chtest: writing config: %w", err)
			}
		}
		if lastErr = launchAll(ctx, eng, nodes); lastErr == nil {
			return &Cluster{Nodes: nodes}, nil
		}
		if !errors.Is(lastErr, errPortInUse) {
			break
		}
		logf("chtest: port taken before ClickHouse could bind it; retrying with new ports (%d/3)", attempt)
	}
	removeDirs(dirs, remove)
	return nil, lastErr
}

// launchAll starts the nodes side by side (a start is mostly waiting); if
// one fails the others are stopped and the first error is returned.
func launchAll(ctx context.Context, eng Engine, nodes []*Server) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() { errs[i] = s.launch(ctx, eng) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for j, s := range nodes {
				if errs[j] == nil {
					s.proc.Stop(5 * time.Second)
				}
			}
			if len(nodes) > 1 {
				return fmt.Errorf("node %d: %w", i+1, err)
			}
			return err
		}
	}
	return nil
}

// clusterPorts picks a (tcp, http) pair per node, all distinct.
func clusterPorts(n int) ([][2]int, error) {
	out := make([][2]int, 0, n)
	seen := map[int]bool{}
	for tries := 0; len(out) < n; tries++ {
		tcp, http, err := pickPorts()
		if err != nil {
			return nil, err
		}
		if seen[tcp] || seen[http] {
			if tries > 10*n {
				return nil, errors.New("chtest: could not pick distinct free ports")
			}
			continue
		}
		seen[tcp], seen[http] = true, true
		out = append(out, [2]int{tcp, http})
	}
	return out, nil
}

func removeDirs(dirs []string, remove []bool) {
	for i, d := range dirs {
		if remove[i] && d != "" {
			os.RemoveAll(d)
		}
	}
}

// Stop stops every node (see Server.Stop) and returns the first error.
func (c *Cluster) Stop() error {
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, s := range c.Nodes {
		wg.Go(func() { errs[i] = s.Stop() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Hosts is the clickhouse.host value naming every node's native port.
func (c *Cluster) Hosts() string {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.TCPAddr()
	}
	return strings.Join(addrs, ",")
}

// ClickHouseConfig is chmcp's default configuration pointed at every node
// over the native protocol, as user default.
func (c *Cluster) ClickHouseConfig() config.ClickHouseConfig {
	cfg := c.Nodes[0].ClickHouseConfig(config.ProtocolTCP)
	cfg.Host, cfg.Port = c.Hosts(), 0
	return cfg
}

// SecretConfig is ClickHouseConfig authenticating with the cluster's
// interserver secret, with fallbackUser as clickhouse.username.
func (c *Cluster) SecretConfig(fallbackUser string) config.ClickHouseConfig {
	cfg := c.Nodes[0].SecretConfig(fallbackUser)
	cfg.Host, cfg.Port = c.Hosts(), 0
	return cfg
}

// TCPAddrs are the nodes' native addresses, in shard order.
func (c *Cluster) TCPAddrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.TCPAddr()
	}
	return out
}
