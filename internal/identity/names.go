package identity

import "strings"

// maxUserName bounds a user name; real ones are far shorter.
const maxUserName = 256

// PlainUserName reports whether s fits the user-name rule chmcp applies to
// every name it acts as: ASCII letters, digits, '_', '-' and '.', with at
// most one '@' between a non-empty local part and domain (an email
// address). Nothing outside ASCII passes, so Unicode case folding (the
// Kelvin sign U+212A lowering to k, U+0130 to i) can never turn one name into another,
// and no look-alike, invisible or control character reaches ClickHouse.
func PlainUserName(s string) bool {
	if s == "" || len(s) > maxUserName {
		return false
	}
	local, domain, isEmail := strings.Cut(s, "@")
	if isEmail && (local == "" || domain == "") {
		return false
	}
	return plainPart(local) && plainPart(domain)
}

func plainPart(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// emailDomain is the part after the '@' of a plain user name, or "".
func emailDomain(s string) string {
	if _, domain, ok := strings.Cut(s, "@"); ok {
		return domain
	}
	return ""
}

// DomainIn reports whether domain is one of domains, ignoring ASCII case
// only: strings.EqualFold would also equate the Kelvin sign with k.
func DomainIn(domain string, domains []string) bool {
	for _, d := range domains {
		if asciiEqualFold(strings.TrimSpace(d), domain) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
