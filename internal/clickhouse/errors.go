package clickhouse

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/ClickHouse/ch-go/proto"
	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// maxMessage bounds error text sent back to a client.
const maxMessage = 2000

// QueryError is an error ClickHouse reported, with its code and name.
type QueryError struct {
	Code    int32  `json:"code"`
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
	QueryID string `json:"query_id,omitempty"`
	// Limit names the chmcp guardrail that imposed the limit ClickHouse
	// reports as exceeded, e.g. "clickhouse.max_rows_to_read=1000".
	Limit string `json:"limit,omitempty"`
}

func (e *QueryError) Error() string {
	s := fmt.Sprintf("ClickHouse error %d: %s", e.Code, e.Message)
	if e.Name != "" {
		s = fmt.Sprintf("ClickHouse error %d (%s): %s", e.Code, e.Name, e.Message)
	}
	if e.Limit != "" {
		s += " [limit set by chmcp: " + e.Limit + "]"
	}
	return s
}

// CancelledError: the caller went away; the query was cancelled on the server.
type CancelledError struct {
	QueryID string
	Cause   error
}

func (e *CancelledError) Error() string { return "query cancelled: " + e.Cause.Error() }
func (e *CancelledError) Unwrap() error { return e.Cause }

// AuthError: ClickHouse refused the interserver-secret authentication.
type AuthError struct {
	User, Cluster string
	// Nodes: clickhouse.host lists several nodes, and a node going down
	// under a query looks the same on the wire (an orderly close).
	Nodes bool
	Cause error
}

func (e *AuthError) Error() string {
	msg := fmt.Sprintf("ClickHouse rejected interserver authentication for user %q on cluster %q: check that the cluster name "+
		"and secret match the server's <remote_servers> and that the user exists", e.User, e.Cluster)
	if e.Nodes {
		msg += " (or a node went down during the query)"
	}
	return msg
}
func (e *AuthError) Unwrap() error { return e.Cause }

// ConnectionError: ClickHouse could not be reached or dropped the connection.
type ConnectionError struct {
	Message string
	Cause   error
}

func (e *ConnectionError) Error() string { return e.Message }
func (e *ConnectionError) Unwrap() error { return e.Cause }

// classify turns a driver error of the statement queryID, run as user, into
// one of the typed errors above, with bounded text and no stack traces. In
// secret mode ClickHouse answers a bad signature, unknown cluster or
// unknown user by closing the connection, so EOF is mapped to what to check.
func (c *Client) classify(err error, queryID, user string) error {
	var ex *ch.Exception
	if errors.As(err, &ex) {
		name := ex.CodeName
		if name == "" { // the native protocol sends only the code
			name = codeName(ex.Code)
		}
		return &QueryError{Code: ex.Code, Name: name, Message: bound(firstLine(ex.Message)), QueryID: queryID}
	}
	// A refused secret is an orderly close (EOF). A reset is a node that
	// died under a running query: blaming the secret would mislead.
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if c.secretMode && closed {
		return &AuthError{User: user, Cluster: c.cfg.ClusterName, Nodes: len(c.nodes) > 0, Cause: err}
	}
	if hint := connectHint(err, c.cfg); hint != "" {
		return &ConnectionError{Message: hint, Cause: err}
	}
	addr := address(c.cfg)
	if oe := (*net.OpError)(nil); len(c.nodes) > 0 && errors.As(err, &oe) && oe.Addr != nil {
		addr = oe.Addr.String() // the node that failed, of several
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return &ConnectionError{Message: fmt.Sprintf("ClickHouse at %s reset the connection during the query (a node went down or restarted?); retry", addr), Cause: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &ConnectionError{Message: fmt.Sprintf("cannot connect to ClickHouse at %s (%s): connection refused; check clickhouse.host, clickhouse.port and clickhouse.protocol", addr, c.cfg.Protocol), Cause: err}
	case closed:
		return &ConnectionError{Message: fmt.Sprintf("ClickHouse at %s closed the connection; check that clickhouse.protocol (%s) matches the port and that TLS settings match the server", addr, c.cfg.Protocol), Cause: err}
	case errors.As(err, &ne) && ne.Timeout():
		return &ConnectionError{Message: fmt.Sprintf("timed out talking to ClickHouse at %s", addr), Cause: err}
	}
	return &ConnectionError{Message: bound("ClickHouse request failed: " + err.Error()), Cause: err}
}

// codeName names a ClickHouse error code (60 -> UNKNOWN_TABLE) from ch-go's
// generated table; "" for a code it does not know.
func codeName(code int32) string {
	if name := proto.Error(code).String(); !strings.HasPrefix(name, "Error(") {
		return name
	}
	return ""
}

// firstLine drops the server stack trace some builds append.
func firstLine(s string) string {
	if i := strings.Index(s, "\nStack trace"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func bound(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage] + "…"
}
