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
	want func(rows []json.RawMessage) error
}

func newSDKLoad(ctx context.Context, url string, concurrency int, query string, want func([]json.RawMessage) error) (*sdkLoad, error) {
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
		var out struct {
			Rows []json.RawMessage `json:"rows"`
		}
		b, err := json.Marshal(res.StructuredContent)
		if err == nil {
			err = json.Unmarshal(b, &out)
		}
		if err != nil {
			return fmt.Errorf("structuredContent: %w", err)
		}
		return l.want(out.Rows)
	}, func() {}
}

// wantOne checks the rows of SELECT 1.
func wantOne(rows []json.RawMessage) error {
	if len(rows) != 1 || string(rows[0]) != "[1]" {
		return fmt.Errorf("rows are not [[1]]")
	}
	return nil
}
