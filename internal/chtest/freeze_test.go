package chtest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestFreezeIsInEffectOnReturn: when Freeze returns, every thread of the
// server is stopped. SIGSTOP takes effect only once a thread of the target
// runs to take it, so a caller that queried right after a bare kill(2)
// could still be answered: on a loaded machine TestStalledServerEndsAtTimeLimit
// (internal/clickhouse) got its "frozen" server's answer in 2.5 ms.
func TestFreezeIsInEffectOnReturn(t *testing.T) {
	t.Parallel() // after the serial tests: none of the parallel ones uses srv
	s := srv(t)
	for i := range 20 {
		resume := s.Freeze()
		if running := runningThreads(t, s.Pid()); len(running) > 0 {
			resume()
			t.Fatalf("freeze %d: threads still running after Freeze returned: %v", i, running)
		}
		resume()
		if _, err := s.Exec(t.Context(), "SELECT 1"); err != nil {
			t.Fatalf("after resume: %v", err)
		}
	}
}

// runningThreads lists the threads of pid that are not stopped, with their
// state letter (/proc/PID/task/TID/stat).
func runningThreads(t *testing.T, pid int) []string {
	t.Helper()
	stats, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "stat"))
	if err != nil || len(stats) == 0 {
		t.Fatalf("no threads of %d: %v", pid, err)
	}
	var running []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has exited
		}
		if state := threadState(string(b)); state != "T" && state != "t" {
			running = append(running, filepath.Base(filepath.Dir(f))+":"+state)
		}
	}
	return running
}
