package column

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ClickHouse/ch-go/proto"
)

// TestStringDecode: Decode reads what ColStr encodes, short and long
// strings mixed, and its buffer doubles as it grows: a block of about
// 1 MiB of strings allocates at most about twice that (appending each
// long string on its own allocated about five times).
func TestStringDecode(t *testing.T) {
	var src proto.ColStr
	var want []string
	for i := 0; i < 1000; i++ {
		s := strings.Repeat(string(rune('a'+i%26)), []int{0, 1, 127, 128, 1030, 3000}[i%6])
		src.Append(s)
		want = append(want, s)
	}
	var wire proto.Buffer
	src.EncodeColumn(&wire)

	decode := func() *String {
		col := &String{}
		if err := col.Decode(proto.NewReader(bytes.NewReader(wire.Buf)), len(want)); err != nil {
			t.Fatal(err)
		}
		return col
	}
	col := decode()
	if col.Rows() != len(want) {
		t.Fatalf("%d rows, want %d", col.Rows(), len(want))
	}
	for i, w := range want {
		if got := col.Row(i, false).(string); got != w {
			t.Fatalf("row %d: %q, want %q", i, got, w)
		}
	}
	var total int
	for _, w := range want {
		total += len(w)
	}
	const readerBuffers = 160 << 10 // proto.NewReader's own buffers
	allocated := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decode()
		}
	}).AllocedBytesPerOp()
	if allocated > int64(7*total/2+readerBuffers+16*len(want)) {
		t.Fatalf("decoding %d bytes of strings allocated %d bytes", total, allocated)
	}
	t.Logf("decoding %d bytes of strings allocated %d bytes", total, allocated)
}
