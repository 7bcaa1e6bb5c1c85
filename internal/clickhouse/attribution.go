package clickhouse

import (
	"context"
	"encoding/json"
	"maps"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/identity"
)

// Attribution says who asked for a query: which assistant, through which
// tool and request, for which person. chmcp puts it in the query's
// log_comment (clickhouse.log_comment), so system.query_log answers "which
// assistant ran this, for whom".
type Attribution struct {
	Client        string // the MCP client's name (clientInfo), or "openapi"
	ClientVersion string
	Tool          string
	RequestID     string
}

type attributionKey struct{}

// WithAttribution returns ctx carrying a; fields left empty keep what ctx
// already carried (the transport knows the client, the tool layer the tool).
func WithAttribution(ctx context.Context, a Attribution) context.Context {
	if old, ok := ctx.Value(attributionKey{}).(Attribution); ok {
		a.Client = or(a.Client, old.Client)
		a.ClientVersion = or(a.ClientVersion, old.ClientVersion)
		a.Tool = or(a.Tool, old.Tool)
		a.RequestID = or(a.RequestID, old.RequestID)
	}
	return context.WithValue(ctx, attributionKey{}, a)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// logCommentMax bounds what a client can put into every query's log entry.
const logCommentMax = 128

// logComment is the log_comment JSON of a query run as id from ctx, or ""
// when nothing attributes it (chmcp's own queries).
func logComment(ctx context.Context, id identity.Identity, version string) string {
	a, ok := ctx.Value(attributionKey{}).(Attribution)
	if !ok {
		return ""
	}
	b, err := json.Marshal(struct {
		Server        string `json:"chmcp"`
		Client        string `json:"client,omitempty"`
		ClientVersion string `json:"client_version,omitempty"`
		Tool          string `json:"tool,omitempty"`
		RequestID     string `json:"request_id,omitempty"`
		Identity      string `json:"identity,omitempty"`
		Auth          string `json:"auth"`
	}{version, clip(a.Client), clip(a.ClientVersion), clip(a.Tool), clip(a.RequestID),
		or(id.Email, id.Subject), string(id.Source)})
	if err != nil {
		return ""
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > logCommentMax {
		return s[:logCommentMax]
	}
	return s
}

// withLogComment returns s plus log_comment, copying s (the guard settings
// are shared by every query and never written).
func withLogComment(s ch.Settings, comment string) ch.Settings {
	out := make(ch.Settings, len(s)+1)
	maps.Copy(out, s)
	out["log_comment"] = comment
	return out
}
