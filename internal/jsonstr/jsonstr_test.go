package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

var seeds = []string{"", "plain", "a\"b\\c", "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f",
	"ü ß 日本", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe2\x80", "tail\xc3", "€\x80\x80\x80\x80😀", "\xf0\x9f\x98"}

// FuzzAppend: Append writes exactly what encoding/json writes.
func FuzzAppend(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := Append([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Fatalf("Append(%q) = %s, want %s", s, got[len("prefix"):], want)
		}
	})
}

// FuzzCut: escaping s in pieces cut by Cut, of any size from 4 bytes up,
// writes exactly what encoding/json writes for s whole.
func FuzzCut(f *testing.F) {
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s string, size uint8) {
		piece := 4 + int(size%16)
		want, _ := json.Marshal(s)
		got := []byte{'"'}
		for rest := s; len(rest) > 0; {
			n := Cut(rest, piece)
			if n == 0 || n > piece {
				t.Fatalf("Cut(%q, %d) = %d", rest, piece, n)
			}
			got = AppendContent(got, rest[:n])
			rest = rest[n:]
		}
		if got = append(got, '"'); string(got) != string(want) {
			t.Fatalf("%q in pieces of %d = %s, want %s", s, piece, got, want)
		}
	})
}

// BenchmarkAppend: a result's text copy, mostly plain with some escapes.
func BenchmarkAppend(b *testing.B) {
	s := string(bytes.Repeat([]byte(`[123,"user-123@example.com","a <b> & c é"],`), 20000))
	buf := make([]byte, 0, 2*len(s))
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
}
