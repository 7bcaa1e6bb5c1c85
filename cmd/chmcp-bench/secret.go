package main

// The second comparison: chmcp authenticating to ClickHouse as a trusted
// cluster peer with the interserver secret (and running each query as
// clickhouse.username via WithInitialUser), against chmcp logging in with a
// password. Both run SELECT 1 as the same user, admin, so grants, profile
// and quota are the same and only the authentication path differs.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

const (
	sidePassword = "chmcp (password)"
	sideSecret   = "chmcp (secret)"
)

// server is one extra chmcp process and the load generator aimed at it.
type server struct {
	name string
	proc *process
	mcp  *mcpClient
}

func (s *server) close() {
	if s.mcp != nil {
		s.mcp.close()
	}
	if err := s.proc.Stop(stopGrace); err != nil {
		logf("stopping %s: %v", s.name, err)
	}
}

// startSecretPair starts the password-mode and the secret-mode chmcp and
// checks, before any measurement, that both run queries as admin and that
// the admin password reaches the password side only.
func (e *environment) startSecretPair(ctx context.Context, o options) error {
	user := e.ch.AdminUser
	var err error
	if e.pwd, err = e.startServer(ctx, o, sidePassword,
		"--clickhouse-username", user, "--clickhouse-password", e.ch.AdminPassword); err != nil {
		return err
	}
	if e.sec, err = e.startServer(ctx, o, sideSecret, "--clickhouse-username", user,
		"--clickhouse-cluster-name", e.ch.ClusterName, "--clickhouse-cluster-secret", e.ch.ClusterSecret); err != nil {
		return err
	}
	// The check must find the password where it is, or its silence on the
	// secret side would prove nothing.
	if found, err := findPassword(e.pwd.proc.Pid(), e.ch.AdminPassword); err != nil || found == "" {
		return fmt.Errorf("%s: the password check did not find its password (err: %v)", sidePassword, err)
	}
	if found, err := findPassword(e.sec.proc.Pid(), e.ch.AdminPassword); err != nil || found != "" {
		return fmt.Errorf("%s: %s (err: %v)", sideSecret, found, err)
	}
	logf("%s: no password in its command line or environment", sideSecret)
	for _, s := range []*server{e.pwd, e.sec} {
		got, err := s.mcp.currentUser(ctx)
		if err != nil {
			return fmt.Errorf("%s: SELECT currentUser(): %w", s.name, err)
		}
		if got != user {
			return fmt.Errorf("%s: queries run as %q, want %q", s.name, got, user)
		}
		logf("%s: SELECT currentUser() through MCP = %s", s.name, got)
		if err := s.mcp.verify(ctx); err != nil {
			return fmt.Errorf("%s: first tools/call failed: %w", s.name, err)
		}
	}
	return e.checkInterfaces(ctx, user)
}

// checkInterfaces confirms from system.query_log how the two currentUser()
// calls arrived: the password side's over plain native TCP (interface 1) as
// an initial query, the secret side's over TCP_INTERSERVER (7), also as an
// initial query, both as user.
func (e *environment) checkInterfaces(ctx context.Context, user string) error {
	if _, err := e.ch.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return err
	}
	out, err := e.ch.Exec(ctx, "SELECT arrayStringConcat(groupArray(concat(toString(interface), ':', toString(is_initial_query))), ',') "+
		"FROM (SELECT * FROM system.query_log WHERE type = 'QueryFinish' AND startsWith(query, 'SELECT currentUser()') "+
		"AND user = '"+user+"' ORDER BY event_time_microseconds)")
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(out); got != "1:1,7:1" {
		return fmt.Errorf("currentUser() calls in system.query_log as interface:is_initial_query = %q, want \"1:1,7:1\" "+
			"(password side over native TCP, secret side over TCP_INTERSERVER)", got)
	}
	logf("system.query_log: %s via native TCP, %s via TCP_INTERSERVER, both initial queries", sidePassword, sideSecret)
	return nil
}

func (e *environment) startServer(ctx context.Context, o options, name string, extra ...string) (*server, error) {
	p, err := e.startChmcp(ctx, o, name, extra...)
	if err != nil {
		return nil, err
	}
	return &server{name: name, proc: p, mcp: newMCPClient(p.url, o.secretConc, o.client == clientLean)}, nil
}

// findPassword says where pid's command line or environment holds password,
// a clickhouse-password flag or a CLICKHOUSE_PASSWORD variable; "" if nowhere.
func findPassword(pid int, password string) (string, error) {
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, f))
		if err != nil {
			return "", err
		}
		if bytes.Contains(b, []byte(password)) {
			return fmt.Sprintf("/proc/%d/%s holds the admin password", pid, f), nil
		}
		for arg := range bytes.SplitSeq(b, []byte{0}) {
			if bytes.Contains(arg, []byte("clickhouse-password")) || bytes.HasPrefix(arg, []byte("CLICKHOUSE_PASSWORD")) {
				return fmt.Sprintf("/proc/%d/%s has %s", pid, f, bytes.SplitN(arg, []byte("="), 2)[0]), nil
			}
		}
	}
	return "", nil
}

// secretSummary compares secret with password mode. Ratios are medians of
// per-round-pair values (each password round with the secret round right
// after it), as in summary.
type secretSummary struct {
	Concurrency     int         `json:"concurrency"`
	Rounds          int         `json:"rounds"`
	Duration        string      `json:"round_duration"`
	User            string      `json:"user"`
	Password        sideSummary `json:"password"`
	Secret          sideSummary `json:"secret"`
	ThroughputRatio float64     `json:"throughput_ratio"`            // secret / password
	RatioOfMedians  float64     `json:"throughput_ratio_of_medians"` // median secret / median password
	P50DeltaMs      float64     `json:"p50_delta_ms"`                // secret p50 - password p50
	ChmcpCPURatio   float64     `json:"chmcp_cpu_ratio"`             // secret / password chmcp CPU per call
	PasswordMem     memInfo     `json:"password_chmcp_memory"`
	SecretMem       memInfo     `json:"secret_chmcp_memory"`
	rounds          []roundResult
}

const secretMinRatio = 0.90

// ratio is x/y, or 0 when y is 0 (JSON has no NaN or Inf).
func ratio(x, y float64) float64 {
	if y == 0 {
		return 0
	}
	return x / y
}

func benchSecret(ctx context.Context, env *environment, o options) (*secretSummary, error) {
	sides := []side{{sidePassword, env.pwd.mcp.worker, env.pwd.proc}, {sideSecret, env.sec.mcp.worker, env.sec.proc}}
	if err := warmUp(ctx, sides, o.secretConc, o.warmup); err != nil {
		return nil, err
	}
	rounds, err := alternate(ctx, env, sides, o.secretConc, o.secretRnds, o.duration)
	if err != nil {
		return nil, err
	}
	var a, b []roundResult
	for _, r := range rounds {
		if r.Side == sidePassword {
			a = append(a, r)
		} else {
			b = append(b, r)
		}
	}
	s := &secretSummary{Concurrency: o.secretConc, Rounds: o.secretRnds, Duration: o.duration.String(), User: env.ch.AdminUser,
		Password: summarize(a), Secret: summarize(b), rounds: rounds}
	s.ThroughputRatio = medianOf(len(a), func(i int) float64 { return ratio(b[i].Throughput, a[i].Throughput) })
	s.RatioOfMedians = ratio(s.Secret.Throughput, s.Password.Throughput)
	s.P50DeltaMs = medianOf(len(a), func(i int) float64 { return b[i].P50Ms - a[i].P50Ms })
	s.ChmcpCPURatio = medianOf(len(a), func(i int) float64 { return ratio(b[i].ChmcpCPUPerCallUs, a[i].ChmcpCPUPerCallUs) })
	if s.PasswordMem, err = readMem(env.pwd.proc.Pid()); err != nil {
		return nil, err
	}
	if s.SecretMem, err = readMem(env.sec.proc.Pid()); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *secretSummary) target() target {
	return target{
		Name:  fmt.Sprintf("secret mode throughput within 10%% of password mode at c=%d (ratio >= %.2f)", s.Concurrency, secretMinRatio),
		Value: fmt.Sprintf("%.2f", s.ThroughputRatio), Pass: s.ThroughputRatio >= secretMinRatio,
	}
}

func (s *secretSummary) print(w io.Writer) {
	fmt.Fprintf(w, "Interserver secret vs password, both querying as %s: medians of %d rounds x %s per side, alternating\n\n", s.User, s.Rounds, s.Duration)
	const width = len(sidePassword)
	printHeader(w, width)
	s.Password.printRow(w, s.Concurrency, width, sidePassword)
	s.Secret.printRow(w, s.Concurrency, width, sideSecret)
	fmt.Fprintf(w, "%5d  secret/password: throughput %.2f (ratio of medians %.2f), p50 %+.3f ms, chmcp CPU/call %.2fx\n",
		s.Concurrency, s.ThroughputRatio, s.RatioOfMedians, s.P50DeltaMs, s.ChmcpCPURatio)
	fmt.Fprintf(w, "       peak RSS: password chmcp %.1f MB, secret chmcp %.1f MB\n\n", mb(s.PasswordMem.Peak), mb(s.SecretMem.Peak))
}
