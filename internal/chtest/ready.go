package chtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

var errPortInUse = errors.New("address already in use")

// waitReady polls until /ping answers and the TCP port accepts. It fails fast when
// the process exits or reports an exception: with --interactive a failed startup
// statement drops to a prompt instead of exiting, so the console must be watched.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.startupFailure(); err != nil {
			return err
		}
		if s.pingOK(ctx) && s.tcpOK() {
			return nil
		}
		select {
		case <-s.proc.Done():
			return s.failure(errors.New("the process exited during startup"))
		case <-ctx.Done():
			return s.failure(fmt.Errorf("not ready: %w", ctx.Err()))
		case <-tick.C:
		}
	}
}

func (s *Server) startupFailure() error {
	out := s.readFile(consoleFile)
	if !strings.Contains(out, "Received exception") && !strings.Contains(out, "Code: ") {
		return nil
	}
	time.Sleep(100 * time.Millisecond) // let the rest of the message reach the file
	if strings.Contains(s.readFile(consoleFile), "Address already in use") {
		return s.failure(errPortInUse)
	}
	return s.failure(errors.New("ClickHouse reported an error during startup"))
}

func (s *Server) pingOK(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.HTTPURL()+"/ping", nil)
	if err != nil {
		return false
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "Ok."
}

func (s *Server) tcpOK() bool {
	c, err := net.DialTimeout("tcp", s.TCPAddr(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// failure wraps err with the server's own output so a failed start explains itself.
func (s *Server) failure(err error) error {
	return &startError{msg: fmt.Sprintf("chtest: ClickHouse failed to start in %s: %v%s", s.Dir, err, s.LogTail()), err: err}
}

// LogTail is the end of the server's console output and error log, stack
// frames left out, one "--- file (tail) ---" section each: what explains a
// failed start or an unexpected exit. Read it before Stop removes a temp dir.
func (s *Server) LogTail() string {
	var b strings.Builder
	for _, f := range []string{consoleFile, errLogFile} {
		if out := strings.TrimSpace(stackFrames.ReplaceAllString(s.readFile(f), "")); out != "" {
			fmt.Fprintf(&b, "\n--- %s (tail) ---\n%s", f, tail(out, 25))
		}
	}
	return b.String()
}

// startError shows the server output but still matches errPortInUse via errors.Is.
type startError struct {
	msg string
	err error
}

func (e *startError) Error() string { return e.msg }
func (e *startError) Unwrap() error { return e.err }

// stackFrames matches the "12. ? @ 0x1c8fd132" lines of ClickHouse stack traces.
var stackFrames = regexp.MustCompile(`(?m)^\s*\d+\. .*@ 0x[0-9a-f]+\n?`)

// ansi matches the terminal control sequences interactive mode writes.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\r`)

func (s *Server) readFile(name string) string {
	b, err := os.ReadFile(filepath.Join(s.Dir, name))
	if err != nil {
		return ""
	}
	return ansi.ReplaceAllString(string(b), "")
}
