package main

import "syscall"

// sysProcAttr kills chmcp if the benchmark dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
