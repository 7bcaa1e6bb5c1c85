package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures Start.
type Options struct {
	Dir         string // data/config dir; "" = a new temp dir removed on Stop
	ExtraConfig string // raw XML inserted inside <clickhouse> (optional)
	// ExtraUsers is raw XML inserted inside users.xml's <users>, e.g. a
	// user with restricted <grants> for per-user visibility tests.
	ExtraUsers string
	Logf       func(string, ...any) // progress/log sink; nil = discard

	// ExtraProfiles is raw XML inserted inside users.xml's <profiles>, e.g.
	// a profile with <constraints> for the users of ExtraUsers.
	ExtraProfiles string
}

// Server is a running ClickHouse. All fields are read-only after Start.
type Server struct {
	Host          string // "127.0.0.1"
	TCPPort       int
	HTTPPort      int
	ClusterName   string // "chmcp_cluster"
	ClusterSecret string // random per start
	AdminUser     string // "admin"
	AdminPassword string // random per start
	Dir           string
	// ShardPorts are the native ports of every node of the cluster, this
	// one included, in shard order.
	ShardPorts []int
	// HTTPHost is the HTTP interface's host when it is not Host (an
	// external server, ExternalEnv).
	HTTPHost string

	proc      *Process
	external  bool // named by ExternalEnv: no process, no Dir
	removeDir bool
	logf      func(string, ...any)
	http      *http.Client
	stopOnce  sync.Once
	stopErr   error
	resumeMu  sync.Mutex
	resumes   []func() // of Freeze: Stop resumes first
}

// startupQueries open the listeners, then keep clickhouse-local busy forever at ~0 CPU:
// it only serves while its --query runs.
const startupQueries = "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; " +
	"SELECT sleepEachRow(1) FROM system.numbers FORMAT Null SETTINGS max_block_size=1"

// startTimeout bounds a cold start (first mmap of a 566 MB library on a slow disk).
const startTimeout = 60 * time.Second

// Start fetches the engine if needed, writes the config and runs a server on free
// loopback ports, returning once it answers on both HTTP and native TCP. Its
// cluster (ClusterName) has one shard: itself.
func Start(ctx context.Context, opts Options) (*Server, error) {
	c, err := StartCluster(ctx, 1, opts)
	if err != nil {
		return nil, err
	}
	return c.Nodes[0], nil
}

func (s *Server) launch(ctx context.Context, eng Engine) error {
	console, err := os.Create(filepath.Join(s.Dir, consoleFile))
	if err != nil {
		return err
	}
	defer console.Close() // the child keeps its own descriptor
	// An empty working directory, so no stray ./config.xml gets auto-loaded.
	cwd := filepath.Join(s.Dir, "cwd")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(eng.Launcher, eng.Library,
		"--interactive", "--disable_suggestion", "--progress=off", "--log-level=warning",
		"-C", filepath.Join(s.Dir, configFile), "--path", s.Dir, "--query", startupQueries)
	cmd.Dir = cwd
	cmd.Stdout, cmd.Stderr = console, console

	t0 := time.Now()
	// The launcher leads its own process group: signals reach all of it.
	if s.proc, err = StartProcess(cmd, true); err != nil {
		return fmt.Errorf("chtest: starting %s: %w", eng.Launcher, err)
	}
	if err := s.waitReady(ctx); err != nil {
		s.proc.Kill()
		return err
	}
	if err := s.afterReady(ctx); err != nil {
		s.proc.Kill()
		return s.failure(err)
	}
	s.logf("chtest: ClickHouse ready in %s (pid %d, tcp %s, http %s, dir %s)",
		time.Since(t0).Round(time.Millisecond), s.Pid(), s.TCPAddr(), s.HTTPURL(), s.Dir)
	return nil
}

// afterReady makes sure the HTTP port is really ours, then creates the system log tables.
func (s *Server) afterReady(ctx context.Context) error {
	// Another process that won the race for our HTTP port would answer /ping too;
	// our server is the one configured with our TCP port. (TCP listens first, so
	// a verified HTTP port also proves the TCP one.)
	port, err := s.Exec(ctx, "SELECT getServerPort('tcp_port')")
	if err != nil {
		return err
	}
	if strings.TrimSpace(port) != strconv.Itoa(s.TCPPort) {
		return fmt.Errorf("%w: port %d is served by another ClickHouse", errPortInUse, s.HTTPPort)
	}
	// System log tables are created on first flush; do it now so that
	// system.query_log exists as soon as Start returns.
	_, err = s.Exec(ctx, "SYSTEM FLUSH LOGS")
	return err
}

// Stop terminates the server (TERM, then KILL after 5s), waits for it and removes
// the temp dir if Start created one. Safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.resumeMu.Lock()
		for _, resume := range s.resumes {
			resume()
		}
		s.resumeMu.Unlock()
		if s.proc != nil {
			if err := s.proc.Stop(5 * time.Second); err != nil {
				s.logf("chtest: stopping ClickHouse: %v", err)
			}
		}
		s.http.CloseIdleConnections()
		if s.removeDir {
			s.stopErr = os.RemoveAll(s.Dir)
		}
	})
	return s.stopErr
}

// TCPAddr is the native-protocol address, "127.0.0.1:port".
func (s *Server) TCPAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TCPPort)) }

// HTTPURL is the HTTP interface base URL, "http://127.0.0.1:port".
func (s *Server) HTTPURL() string {
	return "http://" + net.JoinHostPort(s.httpHost(), strconv.Itoa(s.HTTPPort))
}

func (s *Server) httpHost() string {
	if s.HTTPHost != "" {
		return s.HTTPHost
	}
	return s.Host
}

// Kill ends the server abruptly (SIGKILL, no shutdown), as a crashed node
// would, and waits for the exit. Stop still cleans up afterwards.
func (s *Server) Kill() {
	s.mustOwn("Kill")
	s.proc.Kill()
}

// Restart runs a stopped or killed server again with the same config, ports
// and data (a node coming back after a crash).
func (s *Server) Restart(ctx context.Context) error {
	s.mustOwn("Restart")
	select {
	case <-s.proc.Done():
	default:
		return fmt.Errorf("chtest: restart: pid %d is still running", s.Pid())
	}
	eng, err := EnsureEngine(ctx, s.logf)
	if err != nil {
		return err
	}
	return s.launch(ctx, eng)
}

// ServerLog is the server's own log file (warnings and errors, the level the
// harness configures) with terminal codes removed.
func (s *Server) ServerLog() string {
	s.mustOwn("ServerLog")
	return s.readFile(logFile)
}

// Pid is the ClickHouse process id (the launcher runs the engine in-process).
func (s *Server) Pid() int {
	if s.proc == nil {
		return 0
	}
	return s.proc.Pid()
}

// Freeze stops the ClickHouse process (SIGSTOP): connections stay open and
// new ones are accepted by the kernel, but nothing answers. Call the
// returned resume (SIGCONT, idempotent) in a defer or t.Cleanup; Stop
// resumes a frozen server before terminating it.
func (s *Server) Freeze() (resume func()) {
	s.mustOwn("Freeze")
	resume = s.proc.Pause()
	s.resumeMu.Lock()
	s.resumes = append(s.resumes, resume)
	s.resumeMu.Unlock()
	return resume
}

// Done is closed once the ClickHouse process has exited, after Stop or on its own.
func (s *Server) Done() <-chan struct{} {
	s.mustOwn("Done")
	return s.proc.Done()
}

// Exec runs one SQL statement as the default user over HTTP and returns the body.
func (s *Server) Exec(ctx context.Context, sql string) (string, error) {
	return s.ExecAs(ctx, "default", sql)
}

// ExecAs is Exec as a passwordless user (alice, bob, limited, or one of
// Options.ExtraUsers).
func (s *Server) ExecAs(ctx context.Context, user, sql string) (string, error) {
	// wait_end_of_query makes errors arrive as an HTTP status, never mid-body.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.HTTPURL()+"/?wait_end_of_query=1", strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-ClickHouse-User", user)
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("chtest: exec %s: %w", abbrev(sql), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("chtest: exec %s: %w", abbrev(sql), err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("chtest: exec %s: %s", abbrev(sql), strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

func abbrev(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 120 {
		sql = sql[:117] + "..."
	}
	return strconv.Quote(sql)
}

func prepareDir(dir string) (string, bool, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "chtest-")
		return d, true, err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	return dir, false, os.MkdirAll(dir, 0o755)
}

// pickPorts is a variable so a test can force the lost-race path.
var pickPorts = freePorts

// freePorts returns two distinct free loopback ports (both held open while picking).
func freePorts() (tcp, http int, err error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, fmt.Errorf("chtest: picking a free port: %w", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports[0], ports[1], nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails on Linux (Go 1.24+ crashes rather than return an error)
	return hex.EncodeToString(b)
}
