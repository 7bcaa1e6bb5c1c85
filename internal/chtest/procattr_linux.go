package chtest

import "syscall"

// sysProcAttr has the kernel kill the child if this process dies. With
// group the child gets its own process group: Ctrl-C in a terminal then goes
// to the Go process only, which stops the child cleanly.
func sysProcAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group, Pdeathsig: syscall.SIGKILL}
}
