package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// clientSDK is the -client value for the go-sdk's own MCP client, what Go
// agents use: one client session (protocol 2026-07-28) over streamable
// HTTP, shared by the load goroutines as an agent would share it.
const clientSDK = "go-sdk"

// sdkLoad makes calls through a go-sdk client session.
type sdkLoad struct {
	cs   *sdk.ClientSession
	args map[string]any
	want func(rows []any) error
}

func newSDKLoad(ctx context.Context, url string, concurrency int, query string, want func([]any) error) (*sdkLoad, error) {
	client := sdk.NewClient(&sdk.Implementation{Name: "chmcp-bench", Version: "1"}, nil)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, DisableCompression: true}}
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc, DisableStandaloneSSE: true},
		&sdk.ClientSessionOptions{ProtocolVersion: protocolVersion})
	if err != nil {
		return nil, fmt.Errorf("go-sdk client: %w", err)
	}
	if got := cs.InitializeResult().ProtocolVersion; got != protocolVersion {
		cs.Close()
		return nil, fmt.Errorf("go-sdk client negotiated %s, want %s", got, protocolVersion)
	}
	return &sdkLoad{cs: cs, args: map[string]any{"query": query}, want: want}, nil
}

func (l *sdkLoad) close() { l.cs.Close() }

// worker is a newWorkerFunc: each load goroutine calls through the shared
// session.
func (l *sdkLoad) worker() (callFunc, func()) {
	return func(ctx context.Context) error {
		res, err := l.cs.CallTool(ctx, &sdk.CallToolParams{Name: "execute_query", Arguments: l.args})
		if err != nil {
			return err
		}
		if res.IsError {
			return fmt.Errorf("tool error: %v", res.Content)
		}
		// The go-sdk has decoded structuredContent into Go values, as an
		// agent gets it; the check reads those without decoding again.
		m, _ := res.StructuredContent.(map[string]any)
		rows, ok := m["rows"].([]any)
		if !ok {
			return fmt.Errorf("structuredContent has no rows: %v", abbrevAny(res.StructuredContent))
		}
		return l.want(rows)
	}, func() {}
}

// wantOne checks the rows of SELECT 1.
func wantOne(rows []any) error {
	if len(rows) != 1 || fmt.Sprint(rows[0]) != "[1]" {
		return fmt.Errorf("rows are not [[1]]: %v", rows)
	}
	return nil
}

func abbrevAny(v any) string {
	b, _ := json.Marshal(v)
	return abbrev(b)
}
