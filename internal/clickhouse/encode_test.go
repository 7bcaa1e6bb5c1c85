package clickhouse

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
	"time"
)

func TestAppendRow(t *testing.T) {
	s := "a\"b\n"
	var nilStr *string
	str := "x"
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	nan := math.NaN()
	inf := math.Inf(-1)
	u64 := uint64(math.MaxUint64)
	arr := []int32{1, 2}
	m := map[string]uint8{"k": 1}
	ok := true
	big128, _ := new(big.Int).SetString("-170141183460469231731687303715884105728", 10) // Int128 min
	bigNull := (*big.Int)(nil)
	dest := []any{&s, &nilStr, ptr(&str), &ts, &nan, &inf, &u64, &arr, &m, &ok, &big128, &bigNull}
	got := string(appendRow(nil, dest))
	want := `["a\"b\n",null,"x","2026-01-02T03:04:05Z","nan","-inf",18446744073709551615,[1,2],{"k":1},true,-170141183460469231731687303715884105728,null]`
	if got != want {
		t.Fatalf("appendRow =\n %s\nwant\n %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Fatal("not valid JSON")
	}
}

func ptr[T any](v T) *T { return &v }

func BenchmarkAppendRow(b *testing.B) {
	name, note := "alice@example.com", `a "quoted" <note> with ü`
	n, f, ts := uint64(12345), 3.25, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	nullable := &name
	dest := []any{&name, &note, &n, &f, &ts, &nullable}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRow(buf[:0], dest)
	}
}
