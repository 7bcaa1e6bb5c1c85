// Package jsonstr writes Go strings as JSON strings byte for byte as
// encoding/json does (HTML characters, U+2028 and U+2029 escaped, invalid
// UTF-8 as U+FFFD), without allocating, whole or in pieces (Cut): string
// cells are most of a query result, and a result's text copy is one
// string of up to max_result_bytes, written out piece by piece.
package jsonstr

import (
	"encoding/binary"
	"unicode/utf8"
)

// Append appends s as a quoted JSON string.
func Append(buf []byte, s string) []byte {
	return append(AppendContent(append(buf, '"'), s), '"')
}

// AppendContent appends s as the inside of a JSON string, without quotes.
func AppendContent(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0 // s[start:i] is still to be copied as is
	for i := 0; i < len(s); {
		// Most text needs no escaping: skip it eight bytes at a time.
		for i+8 <= len(s) && plain8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(append(buf, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(append(buf, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(buf, s[start:]...)
}

// Cut returns where to cut s to take at most n bytes of it (n >= 4)
// without splitting a valid rune, so that escaping the pieces one by one
// writes what escaping s whole writes (invalid bytes are replaced one by
// one either way).
func Cut(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	// A rune that spans the cut starts at most 3 bytes before it, at the
	// nearest byte that is not a continuation byte.
	for p := n; p >= 0 && p > n-utf8.UTFMax; p-- {
		if utf8.RuneStart(s[p]) {
			if _, size := utf8.DecodeRuneInString(s[p:]); p < n && p+size > n {
				return p
			}
			break
		}
	}
	return n
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether none of the eight bytes of x needs escaping or
// decoding: each is ASCII, at least ' ', and none of " \ < > &.
func plain8(x uint64) bool {
	return (x|(x-ones*' ')|zeroByte(x^(ones*'"'))|zeroByte(x^(ones*'\\'))|
		zeroByte(x^(ones*'<'))|zeroByte(x^(ones*'>'))|zeroByte(x^(ones*'&')))&highs == 0
}

// zeroByte has the high bit of each byte of x that is zero set (and maybe
// others above a zero byte: callers only test for any).
func zeroByte(x uint64) uint64 { return (x - ones) &^ x }
