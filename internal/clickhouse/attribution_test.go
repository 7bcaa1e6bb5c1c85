package clickhouse

import (
	"context"
	"encoding/json"
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
	// Byte for byte what encoding/json writes, escaping, cut runes and
	// empty fields included.
	for _, a := range []Attribution{{}, {Client: "<b>&\u2028\x01\"", Tool: "t"}, {RequestID: strings.Repeat("é", 100)}, {ClientVersion: "\xff"}} {
		for _, id := range []identity.Identity{anyone, {Subject: "s<1>"}, {Email: "e@x", Subject: "s", Source: identity.SourceEmail}} {
			want, _ := json.Marshal(struct {
				Server        string `json:"chmcp"`
				Client        string `json:"client,omitempty"`
				ClientVersion string `json:"client_version,omitempty"`
				Tool          string `json:"tool,omitempty"`
				RequestID     string `json:"request_id,omitempty"`
				Identity      string `json:"identity,omitempty"`
				Auth          string `json:"auth"`
			}{"v<1>", clip(a.Client), clip(a.ClientVersion), clip(a.Tool), clip(a.RequestID), or(id.Email, id.Subject), string(id.Source)})
			if got := logComment(WithAttribution(context.Background(), a), id, "v<1>"); got != string(want) {
				t.Errorf("logComment = %s\nwant %s", got, want)
			}
		}
	}
	long := WithAttribution(context.Background(), Attribution{Client: strings.Repeat("x", 10_000) + `"}`})
	if got := logComment(long, anyone, "v1"); len(got) > 300 || !strings.Contains(got, `"auth":"config"`) {
		t.Fatalf("a client name is not bounded: %d bytes", len(got))
	}
}
