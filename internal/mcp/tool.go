// Package mcp defines chmcp's tools and resources and serves them with the
// official go-sdk. It knows nothing about HTTP or OAuth: the identity arrives
// in the context, and the same Tool values serve MCP, OpenAPI and tests.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is a transport-neutral tool: its MCP definition and a handler that
// takes raw JSON arguments and returns the structured output.
type Tool struct {
	Def  *sdk.Tool
	Call func(ctx context.Context, args json.RawMessage) (Output, error)
}

// Output is a tool's structured result plus what the call log and the
// transports want to know.
type Output struct {
	Value     any
	Rows      int
	Truncated bool
	// TruncatedReason is the cap that cut the result (clickhouse.Result's).
	TruncatedReason string
}

// ArgumentError is a call with arguments that do not fit the input schema.
type ArgumentError struct{ Reason string }

func (e *ArgumentError) Error() string { return "invalid arguments: " + e.Reason }

// newTool builds a Tool from a typed handler. The input and output schemas
// are derived once, here, from In and Out; arguments are decoded strictly
// (unknown fields refused) so a typo is an error, not a silent default.
func newTool[In, Out any](def sdk.Tool, handle func(context.Context, In) (Out, Output, error)) Tool {
	// Pre-marshalled: the go-sdk serializes InputSchema again on every
	// 2026-07-28 tools/call (header checks); a RawMessage costs nothing.
	def.InputSchema = mustJSON(mustSchema[In]())
	def.OutputSchema = objectSchema(mustSchema[Out]())
	return Tool{
		Def: &def,
		Call: func(ctx context.Context, raw json.RawMessage) (Output, error) {
			var in In
			if err := decodeArgs(raw, &in); err != nil {
				return Output{}, err
			}
			if v, ok := any(&in).(interface{ validate() error }); ok {
				if err := v.validate(); err != nil {
					return Output{}, &ArgumentError{Reason: err.Error()}
				}
			}
			out, meta, err := handle(ctx, in)
			if err != nil {
				return Output{}, err
			}
			meta.Value = out
			return meta, nil
		},
	}
}

// noArgs: absent or null arguments, which mean {}.
func noArgs(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func decodeArgs(raw json.RawMessage, dst any) error {
	if noArgs(raw) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ArgumentError{Reason: fmt.Sprintf("%q must be %s, got %s", te.Field, jsonKind(te.Type), te.Value)}
		}
		return &ArgumentError{Reason: err.Error()}
	}
	return nil
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "an integer"
	case reflect.Bool:
		return "a boolean"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	}
	return t.String()
}

// schemaTypes overrides inference where the Go type says less than the
// JSON: a result row is a json.RawMessage (bytes to Go) holding an array
// of column values.
var schemaTypes = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[json.RawMessage](): {Type: "array", Description: "One row: the column values in column order, each written as its column type says " +
		"(docs/results.md): Int64, UInt64 and wider integers, and Decimals of more than 15 digits, are strings so that no digit is lost; " +
		"Date is \"2025-06-01\", DateTime(64) \"2025-06-01 12:34:56[.fff]\" in the column's time zone; NULL is null."},
}

func mustSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: schemaTypes})
	if err != nil {
		panic(fmt.Sprintf("schema for %T: %v", *new(T), err)) // programming error, caught by tests
	}
	return s
}

// objectSchema pins an output schema to type "object". For a pointer type
// jsonschema infers ["null", "object"], which the MCP schema forbids (and
// TypeScript clients then drop the tool); handlers never return nil output.
func objectSchema(s *jsonschema.Schema) *jsonschema.Schema {
	s.Types, s.Type = nil, "object"
	return s
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // programming error, caught by tests
	}
	return b
}

func boolPtr(b bool) *bool { return &b }
