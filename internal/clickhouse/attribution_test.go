package clickhouse

import (
	"context"
	"strings"
	"testing"

	"github.com/chmcp/chmcp/internal/identity"
)

func TestLogComment(t *testing.T) {
	ctx := context.Background()
	if got := logComment(ctx, anyone, "v1"); got != "" {
		t.Fatalf("chmcp's own query got a log_comment: %s", got)
	}
	ctx = WithAttribution(ctx, Attribution{Client: "claude-ai", ClientVersion: "0.1"})
	ctx = WithAttribution(ctx, Attribution{Tool: "execute_query", RequestID: "r-1"}) // the tool layer adds, keeps the client
	id := identity.Identity{User: "ann", Email: "ann@corp.example", Subject: "123", Source: identity.SourceEmail}
	want := `{"chmcp":"v1","client":"claude-ai","client_version":"0.1","tool":"execute_query","request_id":"r-1","identity":"ann@corp.example","auth":"email"}`
	if got := logComment(ctx, id, "v1"); got != want {
		t.Fatalf("logComment = %s\nwant %s", got, want)
	}
	long := WithAttribution(context.Background(), Attribution{Client: strings.Repeat("x", 10_000) + `"}`})
	if got := logComment(long, anyone, "v1"); len(got) > 300 || !strings.Contains(got, `"auth":"config"`) {
		t.Fatalf("a client name is not bounded: %d bytes", len(got))
	}
}
