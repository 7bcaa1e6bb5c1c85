//go:build !linux

package chtest

import "syscall"

// sysProcAttr: only Linux has Pdeathsig; the engine is Linux-only anyway.
func sysProcAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group}
}
