package main

import (
	"context"
	"errors"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/chmcp/chmcp/internal/chtest"
	"github.com/chmcp/chmcp/internal/clickhouse"
	"github.com/chmcp/chmcp/internal/config"
)

// directClient runs the query through clickhouse-go with the options
// chmcp's internal/clickhouse opens its pool with, so the only difference
// left is chmcp itself.
type directClient struct {
	conn driver.Conn
}

func newDirectClient(srv *chtest.Server, maxOpen, maxIdle int) (*directClient, error) {
	cfg := srv.ClickHouseConfig(config.ProtocolTCP)
	cfg.MaxOpenConns, cfg.MaxIdleConns = maxOpen, maxIdle
	opts, err := clickhouse.DriverOptions(cfg, "bench")
	if err != nil {
		return nil, err
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse-go: %w", err)
	}
	return &directClient{conn: conn}, nil
}

func (d *directClient) close() { d.conn.Close() }

// query runs SELECT 1 and reads its row.
func (d *directClient) query(ctx context.Context) error {
	rows, err := d.conn.Query(ctx, "SELECT 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("SELECT 1 returned no row")
	}
	var v uint8
	if err := rows.Scan(&v); err != nil {
		return err
	}
	if v != 1 {
		return fmt.Errorf("SELECT 1 returned %d", v)
	}
	if rows.Next() {
		return errors.New("SELECT 1 returned more than one row")
	}
	return rows.Err()
}

func (d *directClient) worker() (callFunc, func()) { return d.query, func() {} }

func (d *directClient) verify(ctx context.Context) error {
	if err := d.query(ctx); err != nil {
		return err
	}
	logf("clickhouse-go answered SELECT 1 with 1")
	return nil
}
