package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/mcp"
)

const metaTriple = `"_meta":{"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},` +
	`"io.modelcontextprotocol/clientInfo":{"name":"test","version":"1"},` +
	`"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`

// callBody is a 2026-07-28 tools/call of name with id; extra goes into
// its params.
func callBody(id, name, extra string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{` + metaTriple + `,"name":"` + name + `"` + extra + `}}`
}

// TestFastPathSwitch: with server.fast_path on (the default), every
// tools/call of a go-sdk client at 2026-07-28 is answered by the fast
// path, past the go-sdk server, with the tools' whole behaviour against
// ClickHouse (exerciseTools), while the sessions of older clients reach
// the go-sdk; with it off, every tools/call reaches the go-sdk server.
// What the go-sdk server receives is seen by a receiving middleware put
// on it directly (which the fast path, by design, cannot see).
func TestFastPathSwitch(t *testing.T) {
	for _, c := range []struct {
		fastPath bool
		version  string
		viaFast  bool
	}{{true, "2026-07-28", true}, {true, "2025-11-25", false}, {false, "2026-07-28", false}} {
		name := c.version
		if !c.fastPath {
			name += ", server.fast_path false"
		}
		t.Run(name, func(t *testing.T) {
			var reachedSDK, posted atomic.Int64
			ts := start(t, func(cfg *config.Config) { cfg.Server.FastPath = c.fastPath }, serverOpts{service: func(svc *mcp.Service) {
				svc.ServerFor(context.Background()).AddReceivingMiddleware(func(next sdk.MethodHandler) sdk.MethodHandler {
					return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
						if method == "tools/call" {
							reachedSDK.Add(1)
						}
						return next(ctx, method, req)
					}
				})
			}})
			client := &http.Client{Transport: countCalls{&posted}}
			cs := connect(t, &sdk.StreamableClientTransport{Endpoint: ts.URL, HTTPClient: client}, c.version)
			exerciseTools(t, cs)
			sdkCalls, calls := reachedSDK.Load(), posted.Load()
			switch {
			case calls == 0:
				t.Fatal("no tools/call was sent")
			case c.viaFast && sdkCalls != 0:
				t.Fatalf("%d of %d tools/calls reached the go-sdk server", sdkCalls, calls)
			case !c.viaFast && sdkCalls != calls:
				t.Fatalf("%d of %d tools/calls reached the go-sdk server", sdkCalls, calls)
			}
		})
	}
}

// countCalls counts the tools/calls a client sends: the Mcp-Method header
// of 2026-07-28, or, in a session, a body that names the method.
type countCalls struct{ n *atomic.Int64 }

func (c countCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			var msg struct {
				Method string `json:"method"`
			}
			if json.NewDecoder(body).Decode(&msg) == nil && msg.Method == "tools/call" {
				c.n.Add(1)
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestFastPathAnswersAsTheSDKThroughTheRoutes: through every route and
// middleware of the HTTP edge, a server with the fast path and one without
// give the same answers (but for query ids and elapsed_ms, which differ
// between any two runs; internal/mcphttp's differential tests go further).
func TestFastPathAnswersAsTheSDKThroughTheRoutes(t *testing.T) {
	fast := startServer(t, nil)
	slow := startServer(t, func(c *config.Config) { c.Server.FastPath = false })
	varying := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|elapsed_ms\\?":[0-9.]+`)
	h := func(name string) map[string]string {
		return map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": name}
	}
	for _, c := range []struct{ name, body string }{
		{"execute_query", callBody("1", "execute_query", `,"arguments":{"query":"SELECT number, 'a<b>' FROM numbers(3)"}`)},
		{"execute_query", callBody(`"x"`, "execute_query", `,"arguments":{"query":"SELECT * FROM nope"}`)},
		{"list_databases", callBody("2", "list_databases", "")},
		{"nope", callBody("3", "nope", "")},
	} {
		respA, a := post(t, fast.URL+"/", c.body, h(c.name))
		respB, b := post(t, slow.URL+"/", c.body, h(c.name))
		a, b = varying.ReplaceAllString(a, "…"), varying.ReplaceAllString(b, "…")
		if respA.StatusCode != respB.StatusCode || a != b || respA.Header.Get("Content-Type") != respB.Header.Get("Content-Type") {
			t.Fatalf("%s: with the fast path %d %s\nwithout %d %s", c.body, respA.StatusCode, a, respB.StatusCode, b)
		}
		if result := strings.Contains(a, `"result":`); result != (c.name != "nope") {
			t.Fatalf("%s: %d %s", c.body, respA.StatusCode, a)
		}
	}
}
