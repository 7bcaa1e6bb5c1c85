package chtest

import "syscall"

// sysProcAttr gives the server its own process group (Ctrl-C in a terminal goes to
// the Go process, which then stops the server cleanly) and has the kernel kill it
// if the test binary dies, so no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
