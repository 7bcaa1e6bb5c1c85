package chtest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Process is a child process reaped in the background: the ClickHouse of a
// Server, and the chmcp processes cmd/chmcp-bench measures.
type Process struct {
	cmd   *exec.Cmd
	group bool          // it leads its own process group; signals go to the group
	done  chan struct{} // closed once the process has been reaped
}

// StartProcess starts cmd (setting its SysProcAttr) and reaps it in the
// background. On Linux the kernel kills the child if this process dies, so
// no child outlives a crashed test or benchmark. With group the child leads
// its own process group and signals go to the whole group.
func StartProcess(cmd *exec.Cmd, group bool) (*Process, error) {
	cmd.SysProcAttr = sysProcAttr(group)
	p := &Process{cmd: cmd, group: group, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that forked the child exits, not the
		// process; pin this goroutine to its thread until the child is reaped.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitState is how the process ended, once Done is closed; nil before.
func (p *Process) ExitState() *os.ProcessState {
	select {
	case <-p.done:
		return p.cmd.ProcessState
	default:
		return nil
	}
}

// Kill sends SIGKILL and waits for the process to be reaped.
func (p *Process) Kill() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits for the exit; a process still running after
// grace is killed, and Stop says so. A process that has exited is left alone.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	p.Kill()
	return fmt.Errorf("pid %d ignored SIGTERM for %s; killed", p.Pid(), grace)
}

func (p *Process) signal(sig syscall.Signal) {
	if p.group {
		syscall.Kill(-p.cmd.Process.Pid, sig)
		return
	}
	p.cmd.Process.Signal(sig)
}

// Pause stops the process (SIGSTOP), as a hung or swapped-out server
// would be, and returns once all its threads are stopped; the returned
// resume sends SIGCONT and may be called more than once. Always resume
// (defer it): a stopped process ignores SIGTERM.
func (p *Process) Pause() (resume func()) {
	p.signal(syscall.SIGSTOP)
	waitStopped(p.Pid(), 5*time.Second)
	var once sync.Once
	return func() { once.Do(func() { p.signal(syscall.SIGCONT) }) }
}
