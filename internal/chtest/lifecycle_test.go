package chtest

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopIsIdempotentAndCleansUp(t *testing.T) {
	t0 := time.Now()
	s, err := Start(t.Context(), Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("start to ready: %s", time.Since(t0))
	if s.TCPPort == srv(t).TCPPort || s.HTTPPort == srv(t).HTTPPort || s.AdminPassword == srv(t).AdminPassword || s.ClusterSecret == srv(t).ClusterSecret {
		t.Errorf("second server reuses ports or secrets of the first")
	}
	assertAlive(t, s)
	pid, dir := s.Pid(), s.Dir

	t0 = time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop: %s", time.Since(t0))
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists after Stop (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s not removed: %v", dir, err)
	}
	assertAlive(t, srv(t)) // the shared server is untouched
}

// A caller-provided Dir is kept, ExtraConfig applies, and data survives a restart.
func TestDirAndExtraConfigPersist(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, Logf: t.Logf, ExtraConfig: "<display_name>chtest-extra</display_name>"}
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if got, err := s.Exec(t.Context(), "SELECT displayName()"); err != nil || strings.TrimSpace(got) != "chtest-extra" {
		t.Errorf("displayName() = %q, %v", got, err)
	}
	for _, q := range []string{"CREATE TABLE kept (x UInt8) ENGINE = MergeTree ORDER BY x", "INSERT INTO kept VALUES (42)"} {
		if _, err := s.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, configFile)); err != nil {
		t.Fatalf("caller's Dir was cleaned: %v", err)
	}

	s2, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	if got, err := s2.Exec(t.Context(), "SELECT x FROM kept"); err != nil || strings.TrimSpace(got) != "42" {
		t.Errorf("after restart: %q, %v", got, err)
	}
}

// A broken config must fail fast with ClickHouse's own words, not after the timeout.
func TestStartFailsFastWithServerOutput(t *testing.T) {
	t0 := time.Now()
	s, err := Start(t.Context(), Options{Logf: t.Logf, ExtraConfig: "<unclosed>"})
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded with a broken config")
	}
	if d := time.Since(t0); d > 15*time.Second {
		t.Errorf("failure took %s", d)
	}
	if !strings.Contains(err.Error(), "console.log") {
		t.Errorf("error lacks the server output: %v", err)
	}
	t.Logf("error (%s): %v", time.Since(t0), err)
}

// With --interactive a failed startup statement drops to a prompt instead of
// exiting; the console text decides fail-fast and port-race retries.
func TestStartupFailureClassification(t *testing.T) {
	s := &Server{Dir: t.TempDir()}
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(s.Dir, consoleFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ClickHouse local version 26.7.2.1.\n\nSYSTEM START LISTEN TCP\n\nOk.\n")
	if err := s.startupFailure(); err != nil {
		t.Fatalf("healthy output classified as failure: %v", err)
	}
	write("SYSTEM START LISTEN HTTP\n\nReceived exception:\nCode: 210. DB::Exception: Listen [127.0.0.1]:18123 failed: " +
		"Poco::Exception. Code: 1000, e.code() = 98, Net Exception: Address already in use: 127.0.0.1:18123 (version 26.7.2.1). (NETWORK_ERROR)\n\x1b[?2004h:) ")
	if err := s.startupFailure(); !errors.Is(err, errPortInUse) {
		t.Fatalf("port clash = %v, want errPortInUse", err)
	}
	write("Received exception:\nCode: 36. DB::Exception: something else. (BAD_ARGUMENTS)\n")
	if err := s.startupFailure(); err == nil || errors.Is(err, errPortInUse) {
		t.Fatalf("other failure = %v", err)
	}
}

// A port grabbed by someone else between picking and binding must be retried.
func TestStartRetriesLostPortRace(t *testing.T) {
	for _, which := range []string{"tcp", "http"} {
		t.Run(which, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			busyPort := busy.Addr().(*net.TCPAddr).Port
			calls := 0
			pickPorts = func() (int, int, error) {
				calls++
				tcp, http, err := freePorts()
				if calls == 1 && which == "tcp" {
					tcp = busyPort
				} else if calls == 1 {
					http = busyPort
				}
				return tcp, http, err
			}
			defer func() { pickPorts = freePorts }()

			s, err := Start(t.Context(), Options{Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Stop()
			if calls != 2 || s.TCPPort == busyPort || s.HTTPPort == busyPort {
				t.Fatalf("calls=%d tcp=%d http=%d busy=%d", calls, s.TCPPort, s.HTTPPort, busyPort)
			}
			assertAlive(t, s)
		})
	}
}
