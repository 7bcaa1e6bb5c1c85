package mcp

import (
	"errors"
	"regexp"

	"github.com/chmcp/chmcp/internal/clickhouse"
)

// codeReadOnly is ClickHouse's READONLY: a statement or setting change
// refused under readonly=1.
const codeReadOnly = 164

// readOnlySetting is ClickHouse's message when a SETTINGS clause in the
// SQL tries to change a setting under readonly=1.
var readOnlySetting = regexp.MustCompile(`Cannot modify '([^']+)' setting in readonly mode`)

// hintedError is a ClickHouse error with advice on what to do instead. It
// keeps the error (errors.As finds its code and name) and its message.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + ". Hint: " + e.hint }
func (e *hintedError) Unwrap() error { return e.err }

// withSettingsHint explains a SETTINGS clause refused under readonly=1:
// execute_query runs every query read-only, so settings go in its
// "settings" argument, where the allow-list and the limit checks apply.
func withSettingsHint(err error) error {
	qe, ok := errors.AsType[*clickhouse.QueryError](err)
	if !ok || qe.Code != codeReadOnly {
		return err
	}
	m := readOnlySetting.FindStringSubmatch(qe.Message)
	if m == nil {
		return err
	}
	name := m[1]
	if allowedSettings[name] {
		return &hintedError{err: err, hint: "queries run read-only, so a SETTINGS clause cannot change settings; " +
			`remove it and pass the setting in the execute_query "settings" argument instead, e.g. {"settings": {"` + name + `": ...}}`}
	}
	return &hintedError{err: err, hint: "chmcp does not let a query change '" + name + "', neither in a SETTINGS clause nor in the " +
		`execute_query "settings" argument, which accepts: ` + allowedSettingsList()}
}
