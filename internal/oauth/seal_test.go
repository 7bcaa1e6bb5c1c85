package oauth

import (
	"testing"
	"time"
)

func testSealer(t testing.TB, purpose string) *sealer {
	s, err := newSealer([]byte(testKey), purpose)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type sample struct {
	A string `json:"a"`
	E int64  `json:"e"`
}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t, purposeCode)
	in := sample{A: "hello", E: 42}
	tok, err := s.seal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out sample
	if err := s.open(tok, &out); err != nil || out != in {
		t.Fatalf("open: %v %+v", err, out)
	}
	again, _ := s.seal(in)
	if again == tok {
		t.Error("sealing twice gave the same value (nonce reuse)")
	}
}

// TestSealTamperAnyByte: changing any single character of a sealed value
// makes it fail to open.
func TestSealTamperAnyByte(t *testing.T) {
	s := testSealer(t, purposeState)
	tok, _ := s.seal(sample{A: "tamper me", E: 1})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(tok) {
		for _, c := range []byte{alphabet[(indexOf(alphabet, tok[i])+1)%64], alphabet[(indexOf(alphabet, tok[i])+32)%64], '=', '.'} {
			b := []byte(tok)
			b[i] = c
			var out sample
			if err := s.open(string(b), &out); err == nil {
				t.Fatalf("tampered byte %d (%q -> %q) still opens", i, tok[i], c)
			}
		}
	}
	for _, bad := range []string{"", tok[:len(tok)-1], tok + "A", tok[1:], "AAAA"} {
		var out sample
		if err := s.open(bad, &out); err == nil {
			t.Errorf("truncated/extended value %q opens", bad)
		}
	}
}

func indexOf(s string, c byte) int {
	for i := range len(s) {
		if s[i] == c {
			return i
		}
	}
	return 0
}

// TestSealPurposeSeparation: a value sealed for one purpose never opens as
// another, and another key opens nothing.
func TestSealPurposeSeparation(t *testing.T) {
	purposes := []string{purposeClient, purposeConsent, purposeState, purposeCode, purposeRefresh}
	for _, p := range purposes {
		tok, _ := testSealer(t, p).seal(sample{A: p})
		for _, q := range purposes {
			var out sample
			err := testSealer(t, q).open(tok, &out)
			if (err == nil) != (p == q) {
				t.Errorf("sealed as %s, opened as %s: %v", p, q, err)
			}
		}
		other, _ := newSealer([]byte(testKey+"x"), p)
		var out sample
		if other.open(tok, &out) == nil {
			t.Errorf("%s: another key opened it", p)
		}
	}
	ak, _ := deriveKey([]byte(testKey), purposeAccessToken)
	ck, _ := deriveKey([]byte(testKey), purposeCode)
	if string(ak) == string(ck) {
		t.Error("access-token key equals a sealing key")
	}
}

func TestExpired(t *testing.T) {
	now := time.Unix(1000, 0)
	if !expired(0, now) || !expired(1000, now) || expired(1001, now) {
		t.Error("expired() boundaries are wrong")
	}
}

// FuzzSealOpen: arbitrary input never opens (and never panics); a genuine
// value with any byte changed never opens.
func FuzzSealOpen(f *testing.F) {
	s := testSealer(f, purposeRefresh)
	tok, _ := s.seal(sample{A: "fuzz", E: 7})
	f.Add(tok, 0, byte('A'))
	f.Add("", 3, byte('x'))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 5, byte('-'))
	f.Fuzz(func(t *testing.T, in string, pos int, c byte) {
		// Only genuine seals (this process's or a seed from another
		// process, same key) open, and to exactly what was sealed.
		var out sample
		if s.open(in, &out) == nil && out != (sample{A: "fuzz", E: 7}) {
			t.Fatalf("forged value %q opened as %+v", in, out)
		}
		if pos < 0 || len(tok) == 0 {
			return
		}
		b := []byte(tok)
		i := pos % len(b)
		if b[i] == c {
			return
		}
		b[i] = c
		if s.open(string(b), &out) == nil {
			t.Fatalf("changing byte %d to %q still opens", i, c)
		}
	})
}
