package clickhouse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chmcp/chmcp/internal/config"
)

// ClickHouse applies the settings a query carries over the user's profile,
// so a caller's max_memory_usage=0 would lift the profile's memory limit.
// Limits are therefore checked here, where every query passes: a caller
// may only tighten them, and chmcp's own guardrails never loosen a tighter
// profile value either.

// limitSetting is a ClickHouse setting that bounds what one query may use.
type limitSetting struct {
	name string
	unit string // what the number counts, for messages
	zero string // what 0 means to ClickHouse
}

// limitSettings are the limits a caller may set (see the allow-list of
// execute_query). Every one of them is checked against the user's profile.
var limitSettings = []limitSetting{
	{"max_threads", "threads", "one thread per CPU core"},
	{"max_rows_to_read", "rows", "no limit"},
	{"max_bytes_to_read", "bytes", "no limit"},
	{"max_memory_usage", "bytes", "no limit"},
	{"max_rows_to_group_by", "rows", "no limit"},
	{"max_bytes_before_external_group_by", "bytes", "never spill to disk"},
	{"max_bytes_before_external_sort", "bytes", "never spill to disk"},
}

// productMode is a mode setting whose value "allow" lifts a protection:
// ClickHouse's default "deny" refuses double-distributed subqueries, which
// run the inner query once per shard on every shard.
const productMode = "distributed_product_mode"

// IsLimitSetting reports whether name is a limit setting chmcp checks, so
// that a caller's allow-list can be tested against it.
func IsLimitSetting(name string) bool { return findLimit(name) != nil }

func findLimit(name string) *limitSetting {
	for i := range limitSettings {
		if limitSettings[i].name == name {
			return &limitSettings[i]
		}
	}
	return nil
}

// guardrail is an operator limit (clickhouse.max_rows_to_read, ...) put on
// every query chmcp runs for a caller.
type guardrail struct {
	setting string // the ClickHouse setting
	key     string // the chmcp configuration key
	value   uint64 // > 0
}

// newGuardrails lists the guardrails cfg sets (0 = left to ClickHouse).
func newGuardrails(cfg config.ClickHouseConfig) []guardrail {
	var out []guardrail
	for _, g := range []struct {
		setting string
		value   int64
	}{{"max_rows_to_read", cfg.MaxRowsToRead}, {"max_bytes_to_read", cfg.MaxBytesToRead}, {"max_memory_usage", cfg.MaxMemoryUsage}} {
		if g.value > 0 { // validated >= 0
			out = append(out, guardrail{setting: g.setting, key: "clickhouse." + g.setting, value: uint64(g.value)})
		}
	}
	return out
}

// profileValues are a user's own values of the limit settings (and
// productMode), as ClickHouse reports them in system.settings when a
// query carries no settings: profile, user and role settings applied.
type profileValues map[string]string

// limitPlan is what one statement sends for the limit settings, and which
// of them a chmcp guardrail imposed (setting -> guardrail), to name it
// when ClickHouse refuses the query.
type limitPlan struct {
	settings ch.Settings
	imposed  map[string]guardrail
}

// needsProfile: the statement's limits depend on the user's profile.
func needsProfile(caller map[string]any, guardrails []guardrail) bool {
	if len(guardrails) > 0 {
		return true
	}
	for name := range caller {
		if name == productMode || IsLimitSetting(name) {
			return true
		}
	}
	return false
}

// planLimits checks the caller's limit settings against the effective
// limits of user (the tighter of the guardrail and the profile value) and
// returns what to send: the caller's tighter values, and for each
// guardrail the caller did not tighten, the effective limit. A refused
// value is a GuardError naming the setting, the value and the limit.
func planLimits(caller map[string]any, guardrails []guardrail, prof profileValues, user string) (limitPlan, error) {
	plan := limitPlan{settings: ch.Settings{}, imposed: map[string]guardrail{}}
	profile := fmt.Sprintf("the settings profile of ClickHouse user %q", user)
	effective := func(name string) (limit uint64, source string, g *guardrail, err error) {
		raw, ok := prof[name]
		if !ok {
			return 0, "", nil, fmt.Errorf("ClickHouse did not report setting %s for user %q", name, user)
		}
		if limit, err = profileNumber(raw); err != nil {
			return 0, "", nil, fmt.Errorf("cannot read setting %s=%q of user %q: %w", name, raw, user, err)
		}
		source = profile
		for i := range guardrails {
			if guardrails[i].setting == name && (limit == 0 || guardrails[i].value <= limit) {
				g = &guardrails[i]
				limit, source = g.value, g.key
			}
		}
		return limit, source, g, nil
	}
	for _, l := range limitSettings {
		v, given := caller[l.name]
		limit, source, g, err := effective(l.name)
		if err != nil {
			return limitPlan{}, err
		}
		if !given {
			if g != nil {
				plan.settings[l.name], plan.imposed[l.name] = limit, *g
			} else if limit > 0 && hasGuardrail(guardrails, l.name) {
				plan.settings[l.name] = limit // the profile is tighter: keep it
			}
			continue
		}
		n, err := checkLimit(l, v, limit, source)
		if err != nil {
			return limitPlan{}, err
		}
		plan.settings[l.name] = n
	}
	if v, given := caller[productMode]; given {
		if s, _ := v.(string); strings.EqualFold(strings.TrimSpace(s), "allow") && !strings.EqualFold(prof[productMode], "allow") {
			return limitPlan{}, &GuardError{Reason: fmt.Sprintf("setting %s='allow' would lift the %q of the settings profile of ClickHouse user %q "+
				"(double-distributed subqueries run once per shard on every shard); use 'local' or 'global'", productMode, prof[productMode], user)}
		}
	}
	if hasGuardrail(guardrails, "max_rows_to_read") || hasGuardrail(guardrails, "max_bytes_to_read") {
		// An error, never a silently partial result, when a read limit is hit.
		plan.settings["read_overflow_mode"] = "throw"
	}
	return plan, nil
}

func hasGuardrail(guardrails []guardrail, setting string) bool {
	for _, g := range guardrails {
		if g.setting == setting {
			return true
		}
	}
	return false
}

// checkLimit accepts a caller's value v for l only if it is a whole number
// that does not lift limit (0 = none), set by source.
func checkLimit(l limitSetting, v any, limit uint64, source string) (uint64, error) {
	n, ok := wholeNumber(v)
	if !ok {
		return 0, &GuardError{Reason: fmt.Sprintf("setting %s must be a whole number of %s, got %s", l.name, l.unit, show(v))}
	}
	if limit == 0 || (n != 0 && n <= limit) {
		return n, nil
	}
	why := ""
	if n == 0 {
		why = " (0 means " + l.zero + ")"
	}
	return 0, &GuardError{Reason: fmt.Sprintf("setting %s=%d would lift the limit of %d %s set by %s%s; limits can only be tightened: use a value from 1 to %d",
		l.name, n, limit, l.unit, source, why, limit)}
}

// wholeNumber reads a non-negative integer setting value as the caller
// gave it (a JSON number, or a string of digits). Anything else, such as
// "10G" or "auto" (which ClickHouse would accept), is refused: the check
// must compare exactly what ClickHouse applies.
func wholeNumber(v any) (uint64, bool) {
	switch x := v.(type) {
	case int:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	case uint64:
		return x, true
	case float64:
		if x >= 0 && x < math.MaxInt64 && x == math.Trunc(x) {
			return uint64(x), true
		}
	case string:
		if n, err := strconv.ParseUint(x, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// profileNumber reads a limit as system.settings reports it: digits, or
// auto(N) for max_threads left at its default.
func profileNumber(s string) (uint64, error) {
	if inner, ok := strings.CutPrefix(s, "auto("); ok {
		s = strings.TrimSuffix(inner, ")")
	}
	return strconv.ParseUint(s, 10, 64)
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// blame names the guardrail behind a ClickHouse limit error of a statement
// run with plan, keeping ClickHouse's code and message.
func (p limitPlan) blame(err error) error {
	qe, ok := errors.AsType[*QueryError](err)
	if !ok || len(p.imposed) == 0 {
		return err
	}
	if g, ok := p.imposed[limitHit(qe)]; ok {
		qe.Limit = fmt.Sprintf("%s=%d", g.key, g.value)
	}
	return err
}

// ClickHouse error codes of the limits chmcp may impose.
const (
	codeTooManyRows        = 158
	codeTooManyBytes       = 307
	codeTooManyRowsOrBytes = 396
	codeMemoryLimit        = 241
)

// limitHit names the limit setting a ClickHouse error reports as exceeded
// ("" if none chmcp imposes). TOO_MANY_ROWS also reports GROUP BY, sort
// and JOIN limits, and MEMORY_LIMIT_EXCEEDED the server's and the user's
// totals, so the message tells them apart.
func limitHit(qe *QueryError) string {
	m := qe.Message
	switch qe.Code {
	case codeTooManyRows, codeTooManyBytes, codeTooManyRowsOrBytes:
		switch {
		case strings.Contains(m, "'max_rows_to_read'"):
			return "max_rows_to_read"
		case strings.Contains(m, "'max_bytes_to_read'"):
			return "max_bytes_to_read"
		case !strings.Contains(m, "to read"):
			return ""
		case strings.Contains(m, "max rows:"):
			return "max_rows_to_read"
		case strings.Contains(m, "max bytes:"):
			return "max_bytes_to_read"
		}
	case codeMemoryLimit:
		if strings.HasPrefix(m, "Query memory limit exceeded") || strings.Contains(m, "Memory limit (for query) exceeded") {
			return "max_memory_usage"
		}
	}
	return ""
}
