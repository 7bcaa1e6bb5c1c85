// Package memlimit chooses the Go memory limit (the soft limit the garbage
// collector works to stay under) and the in-flight result budget derived
// from it: GOMEMLIMIT when set; else a share of the container's cgroup
// memory limit, when there is one; else a fixed default.
package memlimit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// Default is the limit without GOMEMLIMIT or a cgroup limit.
	Default = 512 << 20
	// cgroupPercent of a container's limit is the Go limit: the rest is
	// for what the Go runtime does not count (the kernel's page cache of
	// the container, binary text) so the container is not killed first.
	cgroupPercent = 90
	// ResultShare: the default result budget is limit / ResultShare. A
	// result byte in flight costs about 3-4 bytes of heap at its peak
	// (its buffer while doubling, the driver's decoded block), so an
	// eighth leaves the garbage collector room to work.
	ResultShare = 8
	// unlimited: cgroup v1 writes "no limit" as a number near 2^63.
	unlimited = 1 << 62
)

// Choice is the memory limit chosen and why.
type Choice struct {
	Bytes  int64
	Source string // "GOMEMLIMIT", the cgroup file read, or "default"
}

// Choose returns the limit: explicit (GOMEMLIMIT's value) when set is
// true; else cgroupPercent of the cgroup limit under root (normally
// /sys/fs/cgroup), when there is one; else Default. A cgroup file that
// exists but cannot be read or parsed is an error: silently running
// without the container's limit is what this is here to prevent.
func Choose(explicit int64, set bool, root string) (Choice, error) {
	if set {
		return Choice{Bytes: explicit, Source: "GOMEMLIMIT"}, nil
	}
	limit, file, err := Cgroup(root)
	if err != nil {
		return Choice{}, err
	}
	if limit > 0 {
		return Choice{Bytes: limit / 100 * cgroupPercent, Source: file}, nil
	}
	return Choice{Bytes: Default, Source: "default"}, nil
}

// Cgroup returns the memory limit of the cgroup mounted at root and the
// file it came from: root/memory.max (cgroup v2) or
// root/memory/memory.limit_in_bytes (cgroup v1). 0 means no limit (no
// such file, "max", or v1's near-2^63).
func Cgroup(root string) (int64, string, error) {
	for _, name := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		file := filepath.Join(root, name)
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, file, fmt.Errorf("reading the container memory limit: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0, file, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, file, fmt.Errorf("reading the container memory limit: %s holds %q, not a byte count", file, s)
		}
		if n >= unlimited {
			return 0, file, nil
		}
		return n, file, nil
	}
	return 0, "", nil
}

// ResultBudget is the default server.max_inflight_result_bytes for a
// memory limit.
func ResultBudget(limit int64) int64 { return limit / ResultShare }
