package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// directClient runs the query through clickhouse-go with the pool settings
// chmcp's internal/clickhouse uses for native TCP (LZ4, pool sizes, dial
// timeout, lifetime), so the only difference left is chmcp itself.
type directClient struct {
	conn driver.Conn
}

func newDirectClient(addr string, maxOpen, maxIdle int) (*directClient, error) {
	conn, err := ch.Open(&ch.Options{
		Addr:             []string{addr},
		Auth:             ch.Auth{Database: "default", Username: "default"},
		ClientInfo:       ch.ClientInfo{Products: []struct{ Name, Version string }{{Name: "chmcp-bench", Version: "1"}}},
		DialTimeout:      5 * time.Second,
		MaxOpenConns:     maxOpen,
		MaxIdleConns:     maxIdle,
		ConnMaxLifetime:  time.Hour,
		ConnOpenStrategy: ch.ConnOpenInOrder,
		Compression:      &ch.Compression{Method: ch.CompressionLZ4},
	})
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

func (d *directClient) worker() callFunc { return d.query }

func (d *directClient) verify(ctx context.Context) error {
	if err := d.query(ctx); err != nil {
		return err
	}
	logf("clickhouse-go answered SELECT 1 with 1")
	return nil
}
