package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat: 100 on
// every Linux architecture Go supports (the kernel fixes it for userspace).
const clockTicks = 100

// meter reads the CPU time of the processes under test: chmcp, ClickHouse
// and the benchmark itself, in that order.
type meter struct {
	pids [3]int
}

type cpuSample [3]float64 // seconds, indexed like meter.pids

func (m *meter) sample() (cpuSample, error) {
	var s cpuSample
	for i, pid := range m.pids {
		cpu, err := cpuSeconds(pid)
		if err != nil {
			return s, err
		}
		s[i] = cpu
	}
	return s, nil
}

// cpuSeconds is utime+stime of all threads of pid, in seconds.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 64) // field 14
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return float64(utime+stime) / clockTicks, nil
}

// memInfo is a process's resident memory, in bytes.
type memInfo struct {
	Peak    int64 `json:"peak_rss_bytes"`    // VmHWM: high-water mark since start
	Current int64 `json:"current_rss_bytes"` // VmRSS
}

func readMem(pid int) (memInfo, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memInfo{}, err
	}
	var m memInfo
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(k) {
		case "VmHWM":
			dst = &m.Peak
		case "VmRSS":
			dst = &m.Current
		default:
			continue
		}
		f := bytes.Fields(v) // "12345 kB"
		if len(f) != 2 || string(f[1]) != "kB" {
			return m, fmt.Errorf("/proc/%d/status: odd %s line %q", pid, k, line)
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc/%d/status: %s: %w", pid, k, err)
		}
		*dst = kb << 10
	}
	if m.Peak == 0 || m.Current == 0 {
		return m, fmt.Errorf("/proc/%d/status: no VmHWM/VmRSS", pid)
	}
	return m, nil
}
