package clickhouse

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// faultRelay is a TCP proxy between chmcp and the test ClickHouse that can
// stall ClickHouse's answer or cut every connection, the faults a network
// or a dying server produces, on the real protocol stream.
type faultRelay struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []net.Conn
	// stallAfter: once a connection has carried this many bytes from
	// ClickHouse, stop reading from ClickHouse for stall (once per
	// connection). 0: never stall.
	stallAfter int
	stall      time.Duration
	// readBuffer, when > 0, fixes the receive buffer of the relay's
	// connections to ClickHouse, so how much ClickHouse can send ahead of
	// a stall does not depend on the kernel's buffer autotuning.
	readBuffer int
	fromServer int64 // bytes ClickHouse sent, over all connections
}

func newFaultRelay(t *testing.T, target string) *faultRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &faultRelay{t: t, ln: ln, target: target}
	go r.accept()
	t.Cleanup(func() { r.reset(); ln.Close() })
	return r
}

func (r *faultRelay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *faultRelay) setReadBuffer(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readBuffer = n
}

func (r *faultRelay) setStall(after int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stallAfter, r.stall = after, d
}

func (r *faultRelay) accept() {
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", r.target)
		if err != nil {
			client.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, client, server)
		after, stall, buf := r.stallAfter, r.stall, r.readBuffer
		r.mu.Unlock()
		if buf > 0 {
			_ = server.(*net.TCPConn).SetReadBuffer(buf)
			_ = client.(*net.TCPConn).SetWriteBuffer(buf)
		}
		go func() { _, _ = io.Copy(server, client); server.(*net.TCPConn).CloseWrite() }()
		go r.serverToClient(server, client, after, stall)
	}
}

// serverToClient copies ClickHouse's bytes to chmcp, pausing once after
// `after` bytes: ClickHouse's writes then block on full socket buffers.
func (r *faultRelay) serverToClient(server, client net.Conn, after int, stall time.Duration) {
	defer client.(*net.TCPConn).CloseWrite()
	w := countingWriter{w: client, r: r}
	if after > 0 {
		if _, err := io.CopyN(w, server, int64(after)); err != nil {
			return
		}
		time.Sleep(stall)
	}
	_, _ = io.Copy(w, server)
}

type countingWriter struct {
	w io.Writer
	r *faultRelay
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.r.mu.Lock()
	c.r.fromServer += int64(n)
	c.r.mu.Unlock()
	return n, err
}

func (r *faultRelay) served() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fromServer
}

// reset cuts every open connection with a TCP reset, as a crashed host's
// kernel would answer.
func (r *faultRelay) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close sends RST
		}
		c.Close()
	}
	r.conns = nil
}
