package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/clickhouse/chsql"
	"github.com/chmcp/chmcp/internal/config"
	"github.com/chmcp/chmcp/internal/identity"
)

// WithToolRules turns on tools generated from ClickHouse views (read
// rules) and tables (write rules, only when not read-only), discovered per
// identity and cached for ttl (server.tools, server.tools_cache_ttl).
func WithToolRules(rules []config.ToolRule, ttl time.Duration) Option {
	return func(s *Service) {
		var keep []config.ToolRule
		for _, r := range rules {
			if r.Type == config.ToolWrite && s.ch.Config().ReadOnly {
				continue // never offered on a read-only server
			}
			keep = append(keep, r)
		}
		if len(keep) > 0 {
			s.dyn = newDynamicTools(s, keep, ttl)
		}
	}
}

// toolRule is a compiled server.tools entry.
type toolRule struct {
	write  bool
	re     *regexp.Regexp
	prefix string
}

func compileRules(rules []config.ToolRule, log *slog.Logger) []toolRule {
	out := make([]toolRule, 0, len(rules))
	for i, r := range rules {
		pattern := r.ViewRegexp
		if r.Type == config.ToolWrite {
			pattern = r.TableRegexp
		}
		re, err := regexp.Compile(pattern)
		if err != nil { // config validation refuses this; keep serving the rest
			log.Error("server.tools rule skipped", "index", i, "err", err)
			continue
		}
		out = append(out, toolRule{write: r.Type == config.ToolWrite, re: re, prefix: r.Prefix})
	}
	return out
}

// match returns the first rule of the kind that matches "database.name".
func match(rules []toolRule, write bool, database, name string) (toolRule, bool) {
	full := database + "." + name
	for _, r := range rules {
		if r.write == write && r.re.MatchString(full) {
			return r, true
		}
	}
	return toolRule{}, false
}

// toolComment is a view or table COMMENT: plain text is the description;
// a JSON object may also give a title, per-parameter docs and the
// openWorldHint (the shape altinity-mcp reads).
type toolComment struct {
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Params      map[string]string `json:"params"`
	Annotations *struct {
		OpenWorldHint *bool `json:"openWorldHint"`
	} `json:"annotations"`
}

func parseComment(c string) toolComment {
	c = strings.TrimSpace(c)
	var tc toolComment
	if strings.HasPrefix(c, "{") && json.Unmarshal([]byte(c), &tc) == nil {
		tc.Title, tc.Description = strings.TrimSpace(tc.Title), strings.TrimSpace(tc.Description)
		return tc
	}
	return toolComment{Description: c}
}

// present is the tool's title and description: the comment's, else the
// defaults, followed by what the tool returns.
func (tc toolComment) present(defTitle, defDesc, returns string) (title, desc string) {
	title, desc = tc.Title, tc.Description
	if title == "" {
		title = defTitle
	}
	if desc == "" {
		desc = defDesc
	}
	return title, desc + " " + returns
}

// toolName is prefix+name limited to what MCP allows in a tool name.
func toolName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 128 {
		out = out[:128]
	}
	return out
}

// propertyName: JSON property names some clients accept (Anthropic's API
// refuses others).
var propertyName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// dynSpec is what a generated tool runs, and the descriptions of its
// arguments.
type dynSpec struct {
	stmt *chsql.Statement
	docs map[string]string // by argument name
}

// dynTool is a generated tool and what identifies its definition, to
// notice when a refresh changed it.
type dynTool struct {
	Tool
	sig string
}

// buildTools turns a discovery result into tools, in a stable order, and
// says what it skipped and why.
func (s *Service) buildTools(rules []toolRule, cat *clickhouse.Catalog) ([]dynTool, []string) {
	var tools []dynTool
	var skipped []string
	taken := map[string]string{}
	for _, t := range s.tools {
		taken[t.Def.Name] = "a built-in tool"
	}
	add := func(what, prefix, name string, build func(string) (dynTool, error)) {
		n := toolName(prefix + name)
		if by, ok := taken[n]; ok {
			skipped = append(skipped, fmt.Sprintf("%s: tool name %q is taken by %s", what, n, by))
			return
		}
		t, err := build(n)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", what, err))
			return
		}
		taken[n] = what
		tools = append(tools, t)
	}
	for _, v := range cat.Views {
		if r, ok := match(rules, false, v.Database, v.Name); ok {
			add("view "+v.Database+"."+v.Name, r.prefix, v.Name, func(n string) (dynTool, error) { return s.viewTool(n, v, cat.Timezone) })
		}
	}
	for _, t := range cat.Tables {
		if r, ok := match(rules, true, t.Database, t.Name); ok {
			add("table "+t.Database+"."+t.Name, r.prefix, t.Name, func(n string) (dynTool, error) { return s.insertTool(n, t, cat.Timezone) })
		}
	}
	return tools, skipped
}

func (s *Service) viewTool(name string, v clickhouse.View, tz string) (dynTool, error) {
	tc := parseComment(v.Comment)
	var args []chsql.Arg
	for _, p := range v.Params {
		if !propertyName.MatchString(p.Name) {
			return dynTool{}, fmt.Errorf("parameter name %q cannot be a tool argument", p.Name)
		}
		arg, err := chsql.NewArg(p.Name, p.Type, tz)
		if err != nil {
			return dynTool{}, fmt.Errorf("parameter %q %w", p.Name, err)
		}
		arg.Required = !arg.Nullable
		args = append(args, arg)
	}
	spec := &dynSpec{stmt: chsql.ViewRead(v.Database, v.Name, args), docs: tc.Params}
	title, desc := tc.present("View "+v.Database+"."+v.Name, "Reads the ClickHouse view "+v.Database+"."+v.Name+".",
		"Returns columns and rows as JSON arrays; results are capped and truncated=true says a cap cut them.")
	openWorld := false
	if tc.Annotations != nil && tc.Annotations.OpenWorldHint != nil {
		openWorld = *tc.Annotations.OpenWorldHint
	}
	def := &sdk.Tool{
		Name: name, Title: title, Description: desc, OutputSchema: resultSchema,
		Annotations: &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(openWorld)},
	}
	return s.finishTool(def, spec, "Omit for NULL.")
}

func (s *Service) insertTool(name string, t clickhouse.InsertTable, tz string) (dynTool, error) {
	tc := parseComment(t.Comment)
	var cols []chsql.Arg
	docs := map[string]string{}
	for _, c := range t.Columns {
		required := c.DefaultKind == "" && !chsql.IsNullable(c.Type)
		if !propertyName.MatchString(c.Name) {
			if required {
				return dynTool{}, fmt.Errorf("required column %q cannot be a tool argument", c.Name)
			}
			continue // optional: left to its default
		}
		col, err := chsql.NewArg(c.Name, c.Type, tz)
		if err != nil {
			if required {
				return dynTool{}, fmt.Errorf("required column %q %w", c.Name, err)
			}
			continue
		}
		col.Required = required
		docs[c.Name] = tc.Params[c.Name]
		if docs[c.Name] == "" {
			docs[c.Name] = strings.TrimSpace(c.Comment)
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		return dynTool{}, fmt.Errorf("no column can be set by a tool argument")
	}
	spec := &dynSpec{stmt: chsql.RowInsert(t.Database, t.Name, cols), docs: docs}
	title, desc := tc.present("Insert into "+t.Database+"."+t.Name, "Inserts a row into the ClickHouse table "+t.Database+"."+t.Name+".",
		"Each call inserts exactly one row; omitted columns take their default.")
	def := &sdk.Tool{
		Name: name, Title: title, Description: desc, OutputSchema: insertSchema,
		// An INSERT only adds (not destructive) and adds again when
		// repeated (not idempotent).
		Annotations: &sdk.ToolAnnotations{Title: title, ReadOnlyHint: false, DestructiveHint: boolPtr(false), IdempotentHint: false, OpenWorldHint: boolPtr(false)},
	}
	return s.finishTool(def, spec, "Omit for the column default.")
}

var (
	resultSchema = mustJSON(objectSchema(mustSchema[clickhouse.Result]()))
	insertSchema = mustJSON(objectSchema(mustSchema[insertOut]()))
)

type insertOut struct {
	Table   string `json:"table"`
	Rows    int    `json:"rows"`
	QueryID string `json:"query_id"`
}

// finishTool adds the input schema and the handler, and signs the result
// with everything that decides what a call does: the definition and the
// object (a write tool's SQL is built per call; the definition need not
// name its table when a COMMENT gives the title and description).
func (s *Service) finishTool(def *sdk.Tool, spec *dynSpec, optional string) (dynTool, error) {
	props := map[string]any{}
	required := []string{}
	for _, a := range spec.stmt.Args() {
		schema := a.Type.Schema()
		desc := a.Type.Hint() + "."
		if doc := spec.docs[a.Name]; doc != "" {
			desc = doc + " (" + a.Type.Hint() + ")."
		}
		if a.Required {
			required = append(required, a.Name)
		} else {
			desc += " " + optional
		}
		schema["description"] = desc
		props[a.Name] = schema
	}
	def.InputSchema = mustJSON(map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false})
	sig, err := json.Marshal(def)
	if err != nil {
		return dynTool{}, err
	}
	call := s.callView
	if spec.stmt.Insert {
		call = s.callInsert
	}
	return dynTool{
		Tool: Tool{Def: def, Call: func(ctx context.Context, raw json.RawMessage) (Output, error) { return call(ctx, spec, raw) }},
		sig:  string(sig) + "\x00" + spec.stmt.Key(),
	}, nil
}

// bind checks arguments against the tool's and encodes them as query
// parameters.
func (sp *dynSpec) bind(raw json.RawMessage) (chsql.Bound, error) {
	args, err := decodeObject(raw)
	if err != nil {
		return chsql.Bound{}, err
	}
	q, err := sp.stmt.Bind(args)
	if err != nil {
		return chsql.Bound{}, &ArgumentError{Reason: err.Error()}
	}
	return q, nil
}

// decodeObject reads arguments as one JSON object (absent or null: none),
// numbers kept exact as json.Number.
func decodeObject(raw json.RawMessage) (map[string]any, error) {
	args := map[string]any{}
	if noArgs(raw) {
		return args, nil
	}
	raw = bytes.TrimSpace(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil || dec.InputOffset() != int64(len(raw)) {
		return nil, &ArgumentError{Reason: "arguments must be a JSON object"}
	}
	return args, nil
}

func (s *Service) callView(ctx context.Context, sp *dynSpec, raw json.RawMessage) (Output, error) {
	q, err := sp.bind(raw)
	if err != nil {
		return Output{}, err
	}
	res, err := s.client(ctx).Query(ctx, identity.From(ctx), q.SQL, clickhouse.QueryOptions{ReadOnly: true, Params: q.Params, Settings: q.Settings})
	if err != nil {
		return Output{}, err
	}
	return Output{Value: res, Rows: res.RowCount, Truncated: res.Truncated, TruncatedReason: res.TruncatedReason}, nil
}

func (s *Service) callInsert(ctx context.Context, sp *dynSpec, raw json.RawMessage) (Output, error) {
	client := s.client(ctx)
	if s.readOnly(client) {
		return Output{}, &clickhouse.GuardError{Reason: "writes are disabled (clickhouse.read_only)"}
	}
	q, err := sp.bind(raw)
	if err != nil {
		return Output{}, err
	}
	id, err := client.Exec(ctx, identity.From(ctx), q.SQL, clickhouse.QueryOptions{Params: q.Params})
	if err != nil {
		return Output{}, err
	}
	return Output{Value: insertOut{Table: sp.stmt.Database + "." + sp.stmt.Object, Rows: 1, QueryID: id}, Rows: 1}, nil
}

// readOnly: writes are off when the server's or this request's target
// says so.
func (s *Service) readOnly(client *clickhouse.Client) bool {
	return s.ch.Config().ReadOnly || client.Config().ReadOnly
}
