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
	types := []string{"String", "Nullable(String)", "Nullable(String)", "DateTime('UTC')", "Float64", "Float64", "UInt64",
		"Array(Int32)", "Map(String, UInt8)", "Bool", "Int128", "Nullable(Int128)"}
	got := string(newRowEncoder(types, 0).appendRow(nil, dest))
	want := `["a\"b\n",null,"x","2026-01-02 03:04:05","nan","-inf","18446744073709551615",[1,2],{"k":1},true,"-170141183460469231731687303715884105728",null]`
	if got != want {
		t.Fatalf("appendRow =\n %s\nwant\n %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Fatal("not valid JSON")
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzAppendString: appendString writes exactly what encoding/json writes.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"ü ß 日本", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe2\x80", "tail\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got[len("prefix"):], want)
		}
	})
}

func BenchmarkAppendRow(b *testing.B) {
	name, note := "alice@example.com", `a "quoted" <note> with ü`
	n, f, ts := uint64(12345), 3.25, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	nullable := &name
	dest := []any{&name, &note, &n, &f, &ts, &nullable}
	enc := newRowEncoder([]string{"String", "String", "UInt64", "Float64", "DateTime64(6, 'UTC')", "Nullable(String)"}, 4096)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = enc.appendRow(buf[:0], dest)
	}
}

func TestAppendFractionAndClock(t *testing.T) {
	for _, tc := range []struct {
		nanos, digits int
		want          string
	}{{0, 0, ""}, {0, 3, ".000"}, {780_000_000, 3, ".780"}, {5, 9, ".000000005"}, {0, -1, ""}, {120_000_000, -1, ".12"}, {123_456_789, -1, ".123456789"}} {
		if got := string(appendFraction(nil, tc.nanos, tc.digits)); got != tc.want {
			t.Errorf("appendFraction(%d, %d) = %q, want %q", tc.nanos, tc.digits, got, tc.want)
		}
	}
	for _, tc := range []struct {
		d      time.Duration
		digits int
		want   string
	}{{0, 0, `"00:00:00"`}, {-(time.Hour + 2*time.Minute + 3500*time.Millisecond), 3, `"-01:02:03.500"`}, {999*time.Hour + 59*time.Minute + 59*time.Second, 0, `"999:59:59"`}} {
		if got := string(appendClock(nil, tc.d, tc.digits)); got != tc.want {
			t.Errorf("appendClock(%v, %d) = %s, want %s", tc.d, tc.digits, got, tc.want)
		}
	}
}
