package chtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// waitStopped waits until every thread of pid is stopped (or gone), for
// at most limit. kill(2) only queues SIGSTOP: the group stop begins when a
// thread of the target runs to take it, and until then its other threads
// keep serving.
func waitStopped(pid int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for !allStopped(pid) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

func allStopped(pid int) bool {
	stats, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "stat"))
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has exited
		}
		switch threadState(string(b)) {
		case "T", "t", "Z", "X":
		default:
			return false
		}
	}
	return true
}

// threadState is the state letter of a /proc/PID/task/TID/stat line (after
// the command name, which may itself contain parentheses).
func threadState(stat string) string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+3 > len(stat) {
		return "?"
	}
	return stat[i+2 : i+3]
}
