//go:build !linux

package chtest

import "time"

// waitStopped: without /proc there is nothing to watch; the engine is
// Linux-only anyway.
func waitStopped(int, time.Duration) {}
