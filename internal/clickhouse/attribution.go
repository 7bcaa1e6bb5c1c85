package clickhouse

import (
	"context"
	"maps"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/identity"
	"github.com/chmcp/chmcp/internal/jsonstr"
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
	// As encoding/json marshals the fields in this order, omitting the
	// empty ones but chmcp and auth (by hand: one call's JSON, not reflection).
	b := make([]byte, 0, 160)
	b = jsonstr.Append(append(b, `{"chmcp":`...), version)
	b = appendNonEmpty(b, `,"client":`, clip(a.Client))
	b = appendNonEmpty(b, `,"client_version":`, clip(a.ClientVersion))
	b = appendNonEmpty(b, `,"tool":`, clip(a.Tool))
	b = appendNonEmpty(b, `,"request_id":`, clip(a.RequestID))
	b = appendNonEmpty(b, `,"identity":`, or(id.Email, id.Subject))
	b = jsonstr.Append(append(b, `,"auth":`...), string(id.Source))
	return string(append(b, '}'))
}

func appendNonEmpty(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return jsonstr.Append(append(b, key...), v)
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
