package openapi

import (
	"net/http"

	"github.com/chmcp/chmcp/internal/mcp"
)

// Error kinds. The first group are the tool layer's (mcp.Failure.Kind);
// the rest are the facade's own.
const (
	kindInvalidArguments = mcp.KindInvalidArguments
	kindRefused          = mcp.KindRefused
	kindPolicy           = mcp.KindPolicy
	kindNotFound         = mcp.KindNotFound
	kindClickHouse       = mcp.KindClickHouse
	kindCancelled        = mcp.KindCancelled
	kindConnection       = mcp.KindConnection
	kindAuth             = mcp.KindAuth
	kindInternal         = mcp.KindInternal
	kindBusy             = mcp.KindBusy
	kindTimeout          = mcp.KindTimeout

	kindMethodNotAllowed     = "method_not_allowed"
	kindUnsupportedMediaType = "unsupported_media_type"
	kindTooLarge             = "too_large"
	kindCrossSite            = "cross_site"
)

// ClickHouse error codes that get a status of their own; every other
// ClickHouse error is 502.
const (
	chTimeoutExceeded = 159 // TIMEOUT_EXCEEDED: max_execution_time
	chReadOnly        = 164 // READONLY: refused by readonly=1, the second read-only guard
	chSyntaxError     = 62  // the caller's SQL does not parse
	chAccessDenied    = 497 // ACCESS_DENIED: the user lacks a grant
)

// apiError is the error object of every error response.
type apiError struct {
	Message string `json:"message"`
	Kind    string `json:"kind"`
	Code    int32  `json:"code,omitempty"` // ClickHouse error code
	Name    string `json:"name,omitempty"` // ClickHouse error name
	QueryID string `json:"query_id,omitempty"`
}

type errorBody struct {
	Error apiError `json:"error"`
}

// statusOf maps an error kind (and a ClickHouse code) to an HTTP status.
func statusOf(e *apiError) int {
	switch e.Kind {
	case kindInvalidArguments, kindRefused:
		return http.StatusBadRequest
	case kindPolicy, kindCrossSite:
		return http.StatusForbidden
	case kindNotFound:
		return http.StatusNotFound
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kindTooLarge:
		return http.StatusRequestEntityTooLarge
	case kindUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case kindClickHouse:
		switch e.Code {
		case chTimeoutExceeded:
			return http.StatusGatewayTimeout
		case chReadOnly, chSyntaxError:
			return http.StatusBadRequest
		case chAccessDenied:
			return http.StatusForbidden
		}
		return http.StatusBadGateway
	case kindAuth:
		return http.StatusBadGateway
	case kindConnection, kindBusy:
		return http.StatusServiceUnavailable
	case kindCancelled, kindTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// failureError is the error object of a failed call: its kind, message
// and ClickHouse error as the tool layer classified them.
func failureError(f *mcp.Failure) apiError {
	e := apiError{Message: f.Message, Kind: f.Kind}
	if e.Message == "" {
		e.Message = "the tool failed without a message"
	}
	if qe := f.ClickHouse; qe != nil {
		e.Code, e.Name, e.QueryID = qe.Code, qe.Name, qe.QueryID
	}
	return e
}

// retryAfterBusy is the Retry-After of a "server busy" 503, in seconds.
const retryAfterBusy = "1"

// writeResult answers a call: the structured output as the body, with
// the truncation headers when a cap cut it, or the mapped error.
func writeResult(w http.ResponseWriter, out *mcp.Outcome) {
	if f := out.Failure; f != nil {
		e := failureError(f)
		if e.Kind == kindBusy {
			// Every connection to ClickHouse, or the result budget, was busy: a short retry is
			// likely to succeed, and a load balancer can move on.
			w.Header().Set("Retry-After", retryAfterBusy)
		}
		writeError(w, statusOf(&e), e)
		return
	}
	if out.Truncated {
		w.Header().Set(HeaderTruncated, "true")
		if out.TruncatedReason != "" {
			w.Header().Set(HeaderTruncatedReason, out.TruncatedReason)
		}
	}
	writeBody(w, http.StatusOK, out.Body)
}
