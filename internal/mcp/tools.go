package mcp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/identity"
)

type executeQueryIn struct {
	Query    string         `json:"query" jsonschema:"One read-only ClickHouse SQL statement: SELECT, WITH, SHOW, DESCRIBE, EXISTS or EXPLAIN."`
	Settings map[string]any `json:"settings,omitempty" jsonschema:"Optional ClickHouse settings for this query, from an allow-list (e.g. max_threads, max_rows_to_read, join_algorithm). Limits can only be tightened: a value of 0 or above your limit is refused."`
}

func (in *executeQueryIn) validate() error {
	if strings.TrimSpace(in.Query) == "" {
		return errors.New(`"query" is required`)
	}
	return checkSettings(in.Settings)
}

type writeQueryIn struct {
	Query string `json:"query" jsonschema:"One ClickHouse SQL statement that changes data or schema (INSERT, CREATE, ALTER, DROP, ...)."`
}

func (in *writeQueryIn) validate() error {
	if strings.TrimSpace(in.Query) == "" {
		return errors.New(`"query" is required`)
	}
	return nil
}

type writeQueryOut struct {
	QueryID string `json:"query_id"`
	OK      bool   `json:"ok"`
}

type listDatabasesIn struct{}

type listDatabasesOut struct {
	Databases []clickhouse.Database `json:"databases"`
}

type listTablesIn struct {
	Database string `json:"database" jsonschema:"Database to list."`
	Like     string `json:"like,omitempty" jsonschema:"Optional LIKE pattern on the table name, e.g. 'event%'."`
	Cursor   string `json:"cursor,omitempty" jsonschema:"Opaque cursor from a previous call's next_cursor."`
	PageSize int    `json:"page_size,omitempty" jsonschema:"Tables per page, 1-1000 (default 100)."`
}

func (in *listTablesIn) validate() error {
	if in.Database == "" {
		return errors.New(`"database" is required`)
	}
	if in.PageSize == 0 {
		in.PageSize = 100
	}
	if in.PageSize < 1 || in.PageSize > 1000 {
		return fmt.Errorf(`"page_size" must be between 1 and 1000, got %d`, in.PageSize)
	}
	return nil
}

type describeTableIn struct {
	Database string `json:"database" jsonschema:"Database of the table."`
	Table    string `json:"table" jsonschema:"Table name."`
}

func (in *describeTableIn) validate() error {
	if in.Database == "" || in.Table == "" {
		return errors.New(`"database" and "table" are required`)
	}
	return nil
}

type searchSchemaIn struct {
	Pattern   string   `json:"pattern" jsonschema:"Text to find in the names and comments of databases, tables and columns: a case-insensitive substring, no wildcards (% and _ match themselves)."`
	Databases []string `json:"databases,omitempty" jsonschema:"Only search these databases. Default: every database you can see except system, INFORMATION_SCHEMA and information_schema."`
	Cursor    string   `json:"cursor,omitempty" jsonschema:"Opaque cursor from a previous call's next_cursor (same pattern and databases)."`
	Limit     int      `json:"limit,omitempty" jsonschema:"Matches per page, 1-500 (default 50)."`
}

// Bounds of search_schema's arguments.
const (
	maxSearchPattern   = 256
	maxSearchDatabases = 100
	maxSearchLimit     = 500
)

func (in *searchSchemaIn) validate() error {
	switch {
	case strings.TrimSpace(in.Pattern) == "":
		return errors.New(`"pattern" is required`)
	case len(in.Pattern) > maxSearchPattern:
		return fmt.Errorf(`"pattern" is %d bytes, over the limit of %d`, len(in.Pattern), maxSearchPattern)
	case len(in.Databases) > maxSearchDatabases:
		return fmt.Errorf(`"databases" lists %d databases, over the limit of %d`, len(in.Databases), maxSearchDatabases)
	case slices.Contains(in.Databases, ""):
		return errors.New(`"databases" has an empty name`)
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if in.Limit < 1 || in.Limit > maxSearchLimit {
		return fmt.Errorf(`"limit" must be between 1 and %d, got %d`, maxSearchLimit, in.Limit)
	}
	return nil
}

// builtinTools builds the tools every caller is offered, in a stable
// order (Service.tools).
func (s *Service) builtinTools() []Tool {
	tools := []Tool{
		newTool(sdk.Tool{
			Name:  "execute_query",
			Title: "Run a read-only SQL query",
			Description: "Runs one read-only ClickHouse SQL statement (SELECT, WITH, SHOW, DESCRIBE, EXISTS, EXPLAIN); returns columns (name, type) " +
				"and rows as JSON arrays, 64-bit and wider integers as strings. Results are capped: truncated=true and note say what was cut " +
				"and what to do (LIMIT, aggregate, fewer columns).",
			Annotations: &sdk.ToolAnnotations{Title: "Run a read-only SQL query", ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(false)},
		}, s.executeQuery),
		newTool(sdk.Tool{
			Name:        "list_databases",
			Title:       "List databases",
			Description: "Lists the ClickHouse databases you can see, with engine and comment.",
			Annotations: &sdk.ToolAnnotations{Title: "List databases", ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(false)},
		}, s.listDatabases),
		newTool(sdk.Tool{
			Name:        "list_tables",
			Title:       "List tables",
			Description: "Lists tables of a database (name, engine, rows, bytes, comment), optionally filtered by a LIKE pattern, one page at a time: pass next_cursor back as cursor.",
			Annotations: &sdk.ToolAnnotations{Title: "List tables", ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(false)},
		}, s.listTables),
		newTool(sdk.Tool{
			Name:  "describe_table",
			Title: "Describe a table",
			Description: "Describes a table: columns (types, defaults, codecs, comments), sorting/primary/partition/sampling keys, " +
				"the full engine clause (e.g. ReplacingMergeTree's version column, settings), TTL, skip indexes, projections, row count; " +
				"for a view its SELECT, for a materialized view also the table it writes to.",
			Annotations: &sdk.ToolAnnotations{Title: "Describe a table", ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(false)},
		}, s.describeTable),
		newTool(sdk.Tool{
			Name:  "search_schema",
			Title: "Search the schema",
			Description: "Finds databases, tables and columns whose name or comment contains a text (case-insensitive substring), " +
				"across the databases you can see, one page at a time: pass next_cursor back as cursor. Use it before list_tables on large schemas.",
			Annotations: &sdk.ToolAnnotations{Title: "Search the schema", ReadOnlyHint: true, DestructiveHint: boolPtr(false), IdempotentHint: true, OpenWorldHint: boolPtr(false)},
		}, s.searchSchema),
	}
	if !s.ch.Config().ReadOnly {
		tools = append(tools, newTool(sdk.Tool{
			Name:        "write_query",
			Title:       "Run a write or DDL statement",
			Description: "Runs one ClickHouse statement that changes data or schema (INSERT, CREATE, ALTER, DROP, ...). Only offered when the server is not read-only.",
			Annotations: &sdk.ToolAnnotations{Title: "Run a write or DDL statement", ReadOnlyHint: false, DestructiveHint: boolPtr(true), IdempotentHint: false, OpenWorldHint: boolPtr(false)},
		}, s.writeQuery))
	}
	return tools
}

func (s *Service) executeQuery(ctx context.Context, in executeQueryIn) (*clickhouse.Result, Output, error) {
	res, err := s.client(ctx).QueryRead(ctx, identity.From(ctx), in.Query, clickhouse.QueryOptions{ReadOnly: true, Settings: in.Settings})
	if err != nil {
		return nil, Output{}, withSettingsHint(err)
	}
	return res, Output{Rows: res.RowCount, Truncated: res.Truncated, TruncatedReason: res.TruncatedReason}, nil
}

func (s *Service) writeQuery(ctx context.Context, in writeQueryIn) (writeQueryOut, Output, error) {
	id, err := s.client(ctx).Exec(ctx, identity.From(ctx), in.Query, clickhouse.QueryOptions{})
	if err != nil {
		return writeQueryOut{}, Output{}, err
	}
	return writeQueryOut{QueryID: id, OK: true}, Output{}, nil
}

func (s *Service) listDatabases(ctx context.Context, _ listDatabasesIn) (listDatabasesOut, Output, error) {
	dbs, err := s.client(ctx).ListDatabases(ctx, identity.From(ctx))
	return listDatabasesOut{Databases: dbs}, Output{Rows: len(dbs)}, err
}

func (s *Service) listTables(ctx context.Context, in listTablesIn) (*clickhouse.TablePage, Output, error) {
	page, err := s.client(ctx).ListTables(ctx, identity.From(ctx), in.Database, in.Like, in.Cursor, in.PageSize)
	if err != nil {
		return nil, Output{}, err
	}
	return page, Output{Rows: len(page.Tables)}, nil
}

func (s *Service) describeTable(ctx context.Context, in describeTableIn) (*clickhouse.TableInfo, Output, error) {
	info, err := s.client(ctx).DescribeTable(ctx, identity.From(ctx), in.Database, in.Table)
	if err != nil {
		return nil, Output{}, err
	}
	return info, Output{Rows: len(info.Columns)}, nil
}

func (s *Service) searchSchema(ctx context.Context, in searchSchemaIn) (*clickhouse.SearchPage, Output, error) {
	page, err := s.client(ctx).SearchSchema(ctx, identity.From(ctx), clickhouse.SchemaSearch{
		Text: in.Pattern, Databases: in.Databases, Cursor: in.Cursor, Limit: in.Limit,
	})
	if err != nil {
		return nil, Output{}, err
	}
	return page, Output{Rows: len(page.Matches)}, nil
}

// allowedSettings are the ClickHouse settings a caller may pass to
// execute_query. Anything that could lift a guard rail (readonly, result
// caps, execution time, access to other hosts) is absent on purpose; the
// limits among them (max_threads, max_rows_to_read, ...) may only tighten
// the user's own, which the clickhouse package checks for every query.
var allowedSettings = map[string]bool{
	"max_threads": true, "max_block_size": true, "max_rows_to_read": true, "max_bytes_to_read": true,
	"max_memory_usage": true, "max_bytes_before_external_group_by": true, "max_bytes_before_external_sort": true,
	"join_algorithm": true, "join_use_nulls": true, "enable_analyzer": true, "use_query_cache": true,
	"optimize_read_in_order": true, "optimize_aggregation_in_order": true, "prefer_column_name_to_alias": true,
	"date_time_output_format": true, "date_time_input_format": true, "output_format_decimal_trailing_zeros": true,
	"session_timezone": true, "use_uncompressed_cache": true, "max_rows_to_group_by": true, "group_by_overflow_mode": true,
	"distributed_product_mode": true, "final": true, "do_not_merge_across_partitions_select_final": true,
}

func checkSettings(settings map[string]any) error {
	var bad []string
	for name, v := range settings {
		if !allowedSettings[name] {
			bad = append(bad, name)
			continue
		}
		switch x := v.(type) {
		case string:
		case bool:
			settings[name] = 0
			if x {
				settings[name] = 1
			}
		case float64:
			if x == float64(int64(x)) {
				settings[name] = int64(x) // 4, not "4e+00", on the wire
			}
		default:
			return fmt.Errorf("setting %q must be a string, number or boolean", name)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("setting(s) not allowed: %s (allowed: %s)", strings.Join(bad, ", "), allowedSettingsList())
	}
	return nil
}

// allowedSettingsList is the allow-list, sorted, for messages.
func allowedSettingsList() string {
	return strings.Join(slices.Sorted(maps.Keys(allowedSettings)), ", ")
}
