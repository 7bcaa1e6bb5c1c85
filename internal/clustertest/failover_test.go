package clustertest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// call is one execute_query made during the failover test.
type call struct {
	start, end time.Time
	port       int // the native port of the node that answered
	err        error
}

// TestFailover kills the first node (SIGKILL, as a crash) while callers
// are busy: calls move to the second node without restarting chmcp, the
// first success comes within a few seconds, no call started after it
// fails, and /health stays 200 naming the dead node. Runs last: it brings
// the node back when done.
func TestFailover(t *testing.T) {
	first, second := cluster.Nodes[0], cluster.Nodes[1]
	cfg := cluster.SecretConfig("alice")
	cfg.MaxOpenConns, cfg.MaxIdleConns = 4, 4
	c := startChmcp(t, cfg)
	restart := sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return first.Restart(ctx)
	})
	t.Cleanup(func() { restart() }) // the other tests need the whole cluster

	const workers = 4
	var (
		mu    sync.Mutex
		calls []call
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for range workers {
		cs := c.connect(t)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				cl := call{start: time.Now()}
				r, err := query(t.Context(), cs, "SELECT getServerPort('tcp_port')")
				cl.end, cl.err = time.Now(), err
				if err == nil && len(r.Rows) == 1 {
					cl.port = int(r.Rows[0][0].(float64))
				}
				mu.Lock()
				calls = append(calls, cl)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	killed := time.Now()
	first.Kill()
	dead := time.Now() // the process is reaped: every socket of it is closed
	time.Sleep(300 * time.Millisecond)
	code, health := getJSON(t, c.URL+"/health")
	time.Sleep(700 * time.Millisecond)
	close(stop)
	wg.Wait()

	// Calls that started before the process was gone may fail (they were
	// in flight when it died); every call started after must succeed.
	var failed []call
	var after int
	for _, cl := range calls {
		switch {
		case cl.end.Before(killed):
			if cl.err != nil || cl.port != first.TCPPort {
				t.Fatalf("before the kill: port %d, %v; want node 1 (%d), in_order", cl.port, cl.err, first.TCPPort)
			}
		case cl.start.After(dead):
			after++
			if cl.err != nil {
				t.Errorf("a call started %s after node 1 was gone failed: %v", cl.start.Sub(dead), cl.err)
			} else if cl.port != second.TCPPort {
				t.Errorf("after the kill a call was answered by port %d, want node 2 (%d)", cl.port, second.TCPPort)
			}
		case cl.err != nil:
			failed = append(failed, cl)
		}
	}
	moved := slices.IndexFunc(calls, func(cl call) bool { return cl.err == nil && cl.port == second.TCPPort })
	if moved < 0 {
		t.Fatalf("no call reached node 2 after node 1 was killed; last errors: %v", lastErrors(calls, 3))
	}
	failover := calls[moved].end.Sub(killed)
	t.Logf("failover: SIGKILL to reaped %s; first answer from node 2 %s after the SIGKILL; %d calls in flight at the kill failed (of %d workers); %d calls after, none failed",
		dead.Sub(killed).Round(time.Microsecond), failover.Round(time.Microsecond), len(failed), workers, after)
	for _, cl := range failed {
		t.Logf("  in flight at the kill: %v", cl.err)
		// A node dying is not (only) a wrong secret: the message must say so.
		if !strings.Contains(cl.err.Error(), "went down") {
			t.Errorf("a call cut by the kill does not name the node that went down: %v", cl.err)
		}
	}
	if failover > 3*time.Second {
		t.Errorf("first success %s after the kill, want within 3s", failover)
	}
	if len(failed) > workers {
		t.Errorf("%d calls failed around the kill, want at most the %d in flight", len(failed), workers)
	}
	if after < 20 { // ~100-700 here, depending on the load
		t.Errorf("only %d calls after the kill: the callers stalled", after)
	}

	down, _ := health["down"].([]any)
	if code != 200 || health["status"] != "degraded" || len(down) != 1 || down[0] != first.TCPAddr() {
		t.Fatalf("/health with node 1 dead: %d %v", code, health)
	}
	nodes, _ := health["nodes"].([]any)
	if len(nodes) != 2 || nodes[1].(map[string]any)["ok"] != true || nodes[1].(map[string]any)["user"] != "alice" {
		t.Fatalf("/health nodes: %v", nodes)
	}

	// The node comes back: /health is whole again, chmcp never restarted.
	if err := restart(); err != nil {
		t.Fatalf("restarting node 1: %v", err)
	}
	if code, health := getJSON(t, c.URL+"/health"); code != 200 || health["status"] != "ok" || health["down"] != nil {
		t.Fatalf("/health after node 1 came back: %d %v", code, health)
	}
}

func lastErrors(calls []call, n int) []error {
	var out []error
	for i := len(calls) - 1; i >= 0 && len(out) < n; i-- {
		if calls[i].err != nil {
			out = append(out, calls[i].err)
		}
	}
	return out
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return resp.StatusCode, body
}
