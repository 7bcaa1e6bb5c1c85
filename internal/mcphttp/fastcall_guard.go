package mcphttp

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// answers: the fast path may answer a tools/call of name for ctx's
// caller. Not when the go-sdk server would do more around the call than
// f.call does (receiving middleware: mcp.Service.DirectCall says), nor
// when the go-sdk would check Mcp-Param-* headers against the arguments
// (the tool binds arguments to headers, SEP-2243): those calls are the
// go-sdk's to answer, or to refuse.
func (f *fastToolCalls) answers(ctx context.Context, name string) bool {
	def, ok := f.direct(ctx, name)
	return ok && def != nil && !bindsParamHeaders(def)
}

// paramHeaderKey is the input-schema keyword that binds an argument to an
// Mcp-Param-* header; the go-sdk (2026-07-28) then refuses a tools/call
// whose header is missing, extra or different from the argument.
const paramHeaderKey = "x-mcp-header"

// bindsParamHeaders: def's input schema mentions paramHeaderKey anywhere,
// as a key or a value, in any letter case or JSON escape. That over-reads
// the go-sdk's rule (an annotated property) on purpose: a false alarm
// only sends a call to the go-sdk.
func bindsParamHeaders(def *sdk.Tool) bool {
	schema, ok := def.InputSchema.(json.RawMessage)
	if !ok {
		var err error
		if schema, err = json.Marshal(def.InputSchema); err != nil {
			return true
		}
	}
	return mentions(schema, paramHeaderKey)
}

// mentions: some JSON string in data equals word, ignoring case, once its
// escapes are decoded. data is JSON; strings are found by their quotes.
// word is ASCII: a string of it has no other bytes, and an escape stands
// for one of its bytes in at most 6, so longer strings cannot be it.
func mentions(data []byte, word string) bool {
	for {
		open := bytes.IndexByte(data, '"')
		if open < 0 {
			return false
		}
		end := open + 1
		for { // the closing quote: one not escaped by an odd run of backslashes
			n := bytes.IndexByte(data[end:], '"')
			if n < 0 {
				return true // not JSON after all: assume the worst
			}
			end += n
			run := 0
			for data[end-1-run] == '\\' {
				run++
			}
			if run%2 == 0 {
				break
			}
			end++
		}
		str, content := data[open:end+1], data[open+1:end]
		data = data[end+1:]
		switch {
		case len(content) < len(word) || len(content) > 6*len(word):
		case bytes.IndexByte(content, '\\') < 0:
			if bytes.EqualFold(content, []byte(word)) {
				return true
			}
		default:
			var s string
			if json.Unmarshal(str, &s) != nil || strings.EqualFold(s, word) {
				return true
			}
		}
	}
}
