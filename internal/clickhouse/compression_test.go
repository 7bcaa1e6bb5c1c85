package clickhouse

import (
	"context"
	"testing"

	"github.com/chmcp/chmcp/internal/config"
)

// TestCompression: clickhouse.compression decides what crosses the wire.
// The default, none, reads blocks as ClickHouse sends them (no per-connection
// decompression buffer); lz4 and zstd compress them. The result is the same.
func TestCompression(t *testing.T) {
	const rowsWanted = 1000 // of about 1 KB each, very compressible
	for _, tc := range []struct {
		compression string
		compressed  bool
	}{
		{config.Defaults().ClickHouse.Compression, false},
		{config.CompressionLZ4, true},
		{config.CompressionZSTD, true},
	} {
		t.Run(tc.compression, func(t *testing.T) {
			r := newFaultRelay(t, srv(t).TCPAddr())
			cfg := srv(t).ClickHouseConfig(config.ProtocolTCP)
			cfg.Port, cfg.Compression, cfg.MaxResultBytes = r.port(), tc.compression, 2<<20
			c := newTestClient(t, cfg)
			res, err := c.Query(context.Background(), anyone, "SELECT number, repeat('x', 1000) FROM numbers(1000)", QueryOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.RowCount != rowsWanted || res.Truncated {
				t.Fatalf("rows = %d, truncated = %v; want %d whole", res.RowCount, res.Truncated, rowsWanted)
			}
			served := r.served()
			if tc.compressed && served > 200_000 || !tc.compressed && served < 1_000_000 {
				t.Fatalf("ClickHouse sent %d bytes for 1 MB of rows with compression %q", served, tc.compression)
			}
			t.Logf("compression %s: %d bytes from ClickHouse", tc.compression, served)
		})
	}
}
