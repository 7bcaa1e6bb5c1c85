package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/identity"
)

const (
	schemaURI      = "clickhouse://schema"
	schemaTemplate = "clickhouse://schema/{database}"
	schemaPrefix   = "clickhouse://schema/"
	tableTemplate  = "clickhouse://table/{database}/{table}"
	tablePrefix    = "clickhouse://table/"
)

func (s *Service) addResources(srv *sdk.Server) {
	srv.AddResource(&sdk.Resource{
		URI:   schemaURI,
		Name:  "schema",
		Title: "ClickHouse schema overview",
		Description: "Databases and their tables (engine, rows, comment) visible to you, without ClickHouse's own " +
			"system, INFORMATION_SCHEMA and information_schema (listed in omitted_databases; read clickhouse://schema/{database} for one).",
		MIMEType: "application/json",
	}, s.readSchema)
	srv.AddResourceTemplate(&sdk.ResourceTemplate{
		URITemplate: schemaTemplate,
		Name:        "database-schema",
		Title:       "ClickHouse database overview",
		Description: "The tables (engine, rows, comment) of one database, system databases included.",
		MIMEType:    "application/json",
	}, s.readSchema)
	srv.AddResourceTemplate(&sdk.ResourceTemplate{
		URITemplate: tableTemplate,
		Name:        "table",
		Title:       "ClickHouse table description",
		Description: "Columns, keys, engine and size of one table.",
		MIMEType:    "application/json",
	}, s.readTable)
}

// readSchema serves clickhouse://schema and clickhouse://schema/{database}.
func (s *Service) readSchema(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri, database := req.Params.URI, ""
	if uri != schemaURI {
		rest, ok := strings.CutPrefix(uri, schemaPrefix)
		db, err := url.PathUnescape(rest)
		if !ok || rest == "" || strings.Contains(rest, "/") || err != nil {
			return nil, sdk.ResourceNotFoundError(uri)
		}
		database = db
	}
	overview, err := s.client(ctx).SchemaOverview(ctx, identity.From(ctx), database)
	if err != nil {
		return nil, s.resourceError(ctx, uri, err)
	}
	return jsonResource(uri, overview)
}

func (s *Service) readTable(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	parts := strings.Split(strings.TrimPrefix(uri, tablePrefix), "/")
	if !strings.HasPrefix(uri, tablePrefix) || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	db, errDB := url.PathUnescape(parts[0])
	table, errT := url.PathUnescape(parts[1])
	if errDB != nil || errT != nil {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	info, err := s.client(ctx).DescribeTable(ctx, identity.From(ctx), db, table)
	if err != nil {
		return nil, s.resourceError(ctx, uri, err)
	}
	return jsonResource(uri, info)
}

func (s *Service) resourceError(ctx context.Context, uri string, err error) error {
	kind, _ := errKind(err)
	if kind == KindNotFound {
		return sdk.ResourceNotFoundError(uri)
	}
	return errors.New(s.errorText(ctx, "resources/read", kind, err))
}

func jsonResource(uri string, v any) (*sdk.ReadResourceResult, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}
