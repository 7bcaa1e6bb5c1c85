package clustertest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/auth"
	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/httpapi"
	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jwe"
	"github.com/chmcp/chmcp/internal/mcp"
)

// cluster is the two-node cluster every test here shares (two engines
// cost ~1 s and ~440 MB: one pair per test binary).
var cluster *chtest.Cluster

// carol is the person the distributed tests act as: she exists on both
// nodes and is neither the fallback user nor default.
const carol = `<carol><no_password/><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></carol>`

func TestMain(m *testing.M) {
	os.Exit(chtest.RunClusterMain(m, 2, chtest.Options{ExtraUsers: carol}, &cluster))
}

// jweKey signs the connection tokens of the tests that name a person.
const jweKey = "clustertest-jwe-key-0123456789abcdef"

type chmcp struct {
	URL  string
	Logs *chtest.LogBuffer
}

// startChmcp runs chmcp's HTTP server (open MCP endpoint) on a free
// loopback port with ch as its ClickHouse configuration.
func startChmcp(t *testing.T, ch config.ClickHouseConfig) *chmcp {
	t.Helper()
	return start(t, ch, false)
}

// startChmcpJWE is startChmcp with JWE connection tokens required: a
// token's username is the person queries run as (docs/jwe.md).
func startChmcpJWE(t *testing.T, ch config.ClickHouseConfig) *chmcp {
	t.Helper()
	return start(t, ch, true)
}

func start(t *testing.T, ch config.ClickHouseConfig, withJWE bool) *chmcp {
	t.Helper()
	cfg := config.Defaults()
	cfg.ClickHouse = ch
	cfg.Server.Transport = config.TransportHTTP
	cfg.Server.JWE.Enabled, cfg.Server.JWE.SecretKey = withJWE, jweKey
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &chtest.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	policy, err := identity.NewPolicy(cfg.ClickHouse.Impersonation, cfg.ClickHouse.Username)
	if err != nil {
		t.Fatal(err)
	}
	client, err := clickhouse.New(cfg.ClickHouse, log, clickhouse.WithPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var auths []auth.Authenticator
	if withJWE {
		j, err := auth.NewJWE(cfg.Server.JWE, client, policy, auth.JWEOptions{Log: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() }) // after the server stops
		auths = append(auths, j)
	}
	svc := mcp.NewService(client, log, "test")
	srv := httpapi.New(cfg.Server, client, svc, auth.New(client, auths...), log)
	go func() { done <- srv.Serve(ctx, ln); client.Close() }()
	t.Cleanup(func() { stop(); <-done })
	return &chmcp{URL: "http://" + ln.Addr().String(), Logs: logs}
}

// connect opens an MCP session to c.
func (c *chmcp) connect(t *testing.T) *sdk.ClientSession {
	t.Helper()
	return c.connectAs(t, "")
}

// connectAs opens an MCP session to c presenting a JWE connection token
// for user (none when user is "").
func (c *chmcp) connectAs(t *testing.T, user string) *sdk.ClientSession {
	t.Helper()
	transport := &sdk.StreamableClientTransport{Endpoint: c.URL + "/"}
	if user != "" {
		tok, err := jwe.Encode([]byte(jweKey), nil, jwe.Claims{Connection: jwe.Connection{Username: user}, Expiry: time.Now().Add(time.Hour), IssuedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		transport.HTTPClient = &http.Client{Transport: bearer(tok)}
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "clustertest", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// bearer adds a bearer token to every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// result is execute_query's structured result.
type result struct {
	Rows    [][]any `json:"rows"`
	QueryID string  `json:"query_id"`
	User    string  `json:"user"`
}

// query runs sql through execute_query; err is a protocol error or the
// tool's error text.
func query(ctx context.Context, cs *sdk.ClientSession, sql string) (result, error) {
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": sql}})
	if err != nil {
		return result{}, err
	}
	if res.IsError {
		return result{}, toolError(textOf(res))
	}
	var r result
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &r); err != nil {
		return result{}, err
	}
	return r, nil
}

type toolError string

func (e toolError) Error() string { return string(e) }

func textOf(res *sdk.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*sdk.TextContent); ok {
		return tc.Text
	}
	return ""
}

func mustQuery(t *testing.T, cs *sdk.ClientSession, sql string) result {
	t.Helper()
	r, err := query(t.Context(), cs, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return r
}

// execOn runs sql as default on node s over its HTTP interface.
func execOn(t *testing.T, s *chtest.Server, sql string) string {
	t.Helper()
	out, err := s.Exec(t.Context(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
