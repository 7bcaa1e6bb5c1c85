// Package metrics is chmcp's Prometheus instrumentation: tool calls, their
// latency and result size, ClickHouse error codes and HTTP requests, on a
// private registry served at GET /metrics (docs/metrics.md).
//
// Every label has a small, fixed set of values: metrics are never labelled
// by user, query text, request id or token. A nil *Metrics is valid and
// records nothing, so callers need no nil checks.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcome of a tool call: OutcomeOK, or the error kind of the failure.
// The kinds are defined here, once; internal/mcp names them Kind*.
const (
	OutcomeOK               = "ok"
	OutcomeInvalidArguments = "invalid_arguments"
	OutcomeRefused          = "refused"
	OutcomePolicy           = "policy"
	OutcomeNotFound         = "not_found"
	OutcomeClickHouse       = "clickhouse"
	OutcomeCancelled        = "cancelled"
	OutcomeConnection       = "connection"
	OutcomeAuth             = "auth"
	OutcomeInternal         = "internal"
	OutcomeBusy             = "busy"    // no ClickHouse connection within clickhouse.pool_wait, or the result budget full (server.max_inflight_result_bytes)
	OutcomeTimeout          = "timeout" // past max_execution_time with no (trustworthy) answer
)

// outcomes are the values of the outcome label. Their series exist from a
// tool's first call (or InitTool) on, so rate() sees the first failure too.
var outcomes = [...]string{OutcomeOK, OutcomeInvalidArguments, OutcomeRefused, OutcomePolicy, OutcomeNotFound,
	OutcomeClickHouse, OutcomeCancelled, OutcomeConnection, OutcomeAuth, OutcomeInternal, OutcomeBusy, OutcomeTimeout}

// outcomeIndex is kind's place in outcomes, -1 for a kind added later.
func outcomeIndex(kind string) int { return slices.Index(outcomes[:], kind) }

// Values of the route label of chmcp_http_requests_total.
const (
	RouteMCP     = "mcp"     // POST/GET/DELETE / (streamable HTTP)
	RouteSSE     = "sse"     // /sse (legacy SSE stream and its message endpoint)
	RouteOpenAPI = "openapi" // /openapi, /openapi.json, /openapi/{tool}
	RouteOAuth   = "oauth"   // /.well-known/..., /oauth/..., /jwe/...
	RouteHealth  = "health"  // /health
	RouteLivez   = "livez"   // /livez
	RouteMetrics = "metrics" // /metrics
	RouteOther   = "other"   // anything else
)

// RouteOf maps a request path (after a JWE path token was stripped) to its
// route label. It looks at the path only, not at what served it.
func RouteOf(path string) string {
	switch path {
	case "/":
		return RouteMCP
	case "/sse":
		return RouteSSE
	case "/health":
		return RouteHealth
	case "/livez":
		return RouteLivez
	case "/metrics":
		return RouteMetrics
	case "/openapi", "/openapi.json":
		return RouteOpenAPI
	}
	switch {
	case strings.HasPrefix(path, "/openapi/"):
		return RouteOpenAPI
	case strings.HasPrefix(path, "/.well-known/"), strings.HasPrefix(path, "/oauth/"), strings.HasPrefix(path, "/jwe/"):
		return RouteOAuth
	}
	return RouteOther
}

// Metric names, for tests and docs.
const (
	NameToolCalls        = "chmcp_tool_calls_total"
	NameToolDuration     = "chmcp_tool_call_duration_seconds"
	NameToolRows         = "chmcp_tool_result_rows"
	NameToolTruncated    = "chmcp_tool_results_truncated_total"
	NameClickHouseErrors = "chmcp_clickhouse_errors_total"
	NameHTTPRequests     = "chmcp_http_requests_total"
	NameBuildInfo        = "chmcp_build_info"
)

// durationBuckets span 1 ms to 60 s (clickhouse.max_execution_time's default).
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// rowBuckets span an empty result to far beyond the default 1000-row cap.
var rowBuckets = []float64{0, 1, 10, 100, 1000, 10_000, 100_000, 1_000_000}

// Metrics holds chmcp's collectors on their own registry. Safe for
// concurrent use; the zero value is not usable, use New (or nil).
type Metrics struct {
	reg       *prometheus.Registry
	calls     *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	rows      prometheus.Histogram
	truncated *prometheus.CounterVec
	chErrors  *prometheus.CounterVec
	http      *prometheus.CounterVec
	handler   http.Handler

	// Label children resolved once: a call then costs a map lookup and
	// atomic adds, with no allocation.
	tools  cache[string, *toolSeries]
	codes  cache[int32, prometheus.Counter]
	reqs   cache[httpKey, prometheus.Counter]
	initMu sync.Mutex // serializes creating children (addOnce)
}

type toolSeries struct {
	calls     [len(outcomes)]prometheus.Counter
	duration  prometheus.Observer
	truncated prometheus.Counter
}

type httpKey struct {
	route string
	code  int
}

// New returns metrics on a fresh private registry, with the Go runtime and
// process collectors and chmcp_build_info{version} = 1.
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameToolCalls,
		Help: `Tool calls by tool (built-in name, or "generated" for tools made from views and tables) and outcome ("ok" or the error kind).`,
	}, []string{"tool", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    NameToolDuration,
		Help:    "Tool call latency, from arguments received to result ready, in seconds.",
		Buckets: durationBuckets,
	}, []string{"tool"})
	m.rows = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    NameToolRows,
		Help:    "Rows returned by successful tool calls.",
		Buckets: rowBuckets,
	})
	m.truncated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameToolTruncated,
		Help: "Successful tool calls whose result was cut by max_result_rows or max_result_bytes.",
	}, []string{"tool"})
	m.chErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameClickHouseErrors,
		Help: "Failed tool calls by ClickHouse error code (e.g. 60 UNKNOWN_TABLE, 62 SYNTAX_ERROR, 159 TIMEOUT_EXCEEDED).",
	}, []string{"code"})
	m.http = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameHTTPRequests,
		Help: "HTTP requests on the main server by route (mcp, sse, openapi, oauth, health, livez, metrics, other) and status code.",
	}, []string{"route", "code"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        NameBuildInfo,
		Help:        "Always 1; the version label is the chmcp build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.calls, m.duration, m.rows, m.truncated, m.chErrors, m.http, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // promhttp_metric_handler_errors_total
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4, // unauthenticated: bound the work a flood can cause
		Timeout:             10 * time.Second,
	})
	return m
}

// InitTool creates a tool's series at zero, so the first failure shows in
// rate() and increase().
func (m *Metrics) InitTool(tool string) {
	if m == nil {
		return
	}
	m.tool(tool)
}

// ToolCall records one finished tool call. tool must come from a small set
// (built-in names, "generated"); kind is OutcomeOK or the error kind; rows
// and truncated count for successful calls only; chCode is the ClickHouse
// error code, 0 when the failure did not come from ClickHouse.
func (m *Metrics) ToolCall(tool, kind string, d time.Duration, rows int, truncated bool, chCode int32) {
	if m == nil {
		return
	}
	ts := m.tool(tool)
	if i := outcomeIndex(kind); i >= 0 {
		ts.calls[i].Inc()
	} else {
		m.calls.WithLabelValues(tool, kind).Inc() // an error kind added later: still counted
	}
	ts.duration.Observe(d.Seconds())
	if kind == OutcomeOK {
		m.rows.Observe(float64(rows))
		if truncated {
			ts.truncated.Inc()
		}
	}
	if chCode != 0 {
		c, ok := m.codes.load(chCode)
		if !ok {
			c = addOnce(m, &m.codes, chCode, func() prometheus.Counter {
				return m.chErrors.WithLabelValues(strconv.Itoa(int(chCode)))
			})
		}
		c.Inc()
	}
}

func (m *Metrics) tool(tool string) *toolSeries {
	if ts, ok := m.tools.load(tool); ok {
		return ts
	}
	return addOnce(m, &m.tools, tool, func() *toolSeries {
		ts := &toolSeries{duration: m.duration.WithLabelValues(tool), truncated: m.truncated.WithLabelValues(tool)}
		for i, o := range outcomes {
			ts.calls[i] = m.calls.WithLabelValues(tool, o)
		}
		return ts
	})
}

// HTTP records one request on the main HTTP server; route is one of the
// Route constants (see RouteOf), code the status sent (0 counts as 200).
func (m *Metrics) HTTP(route string, code int) {
	if m == nil {
		return
	}
	if code == 0 {
		code = http.StatusOK
	}
	k := httpKey{route, code}
	c, ok := m.reqs.load(k)
	if !ok {
		c = addOnce(m, &m.reqs, k, func() prometheus.Counter {
			return m.http.WithLabelValues(route, strconv.Itoa(code))
		})
	}
	c.Inc()
}

// Handler serves the registry in the Prometheus text format (gzip when
// asked). A nil *Metrics serves 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return m.handler
}

// Serve serves GET /metrics alone on ln (server.metrics.address) until ctx
// is done, then shuts down. A nil *Metrics closes ln and returns nil.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	if m == nil {
		return ln.Close()
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Start serves GET /metrics alone on addr (server.metrics.address) in the
// background; stop shuts the listener down and waits for it. A failure to
// listen is returned at once, naming the key.
func (m *Metrics) Start(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server.metrics.address: %w", err)
	}
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Serve(ctx, ln); err != nil {
			log.Error("metrics listener failed", "address", addr, "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// cache is a copy-on-write map: readers do one atomic load and a map
// lookup, with no lock and no allocation; writers (first sight of a label
// value, rare and bounded) copy the map under Metrics.initMu.
type cache[K comparable, V any] struct {
	m atomic.Pointer[map[K]V]
}

func (c *cache[K, V]) load(k K) (V, bool) {
	if p := c.m.Load(); p != nil {
		v, ok := (*p)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// addOnce returns c's value for k, creating it with create under m.initMu
// if no other goroutine did first.
func addOnce[K comparable, V any](m *Metrics, c *cache[K, V], k K, create func() V) V {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	if v, ok := c.load(k); ok {
		return v
	}
	next := map[K]V{}
	if old := c.m.Load(); old != nil {
		next = maps.Clone(*old)
	}
	v := create()
	next[k] = v
	c.m.Store(&next)
	return v
}
