package identity

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/chmcp/chmcp/internal/config"
)

// Claims are the verified facts about a caller, as an authenticator (OAuth,
// JWE) established them. Only verified values belong here.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	// Other string claims, by name, for user_claims beyond email and sub.
	Other map[string]string
}

// Policy maps claims to a ClickHouse user and decides whom chmcp may act
// as. With a cluster secret chmcp can impersonate anyone, so the policy is
// the line that keeps that power narrow.
type Policy struct {
	claims      []string
	lower       bool
	stripDomain bool
	allowed     []*regexp.Regexp
	allowedLit  []string // allowed_users entries, literally, for protected names
	denied      []*regexp.Regexp
	protected   []string // "default" and the fallback user
}

// PolicyError is a refusal, with a reason safe to show the caller.
type PolicyError struct {
	User   string
	Reason string
}

func (e *PolicyError) Error() string {
	if e.User == "" {
		return "access refused: " + e.Reason
	}
	return fmt.Sprintf("access refused for ClickHouse user %q: %s", e.User, e.Reason)
}

// NewPolicy compiles the configured policy; fallbackUser is
// clickhouse.username, protected like "default".
func NewPolicy(cfg config.ImpersonationConfig, fallbackUser string) (*Policy, error) {
	p := &Policy{claims: cfg.UserClaims, lower: cfg.Lowercase, stripDomain: cfg.StripDomain, allowedLit: cfg.AllowedUsers}
	p.protected = []string{"default"}
	if fallbackUser != "" && fallbackUser != "default" {
		p.protected = append(p.protected, fallbackUser)
	}
	var err error
	if p.allowed, err = compileAll("clickhouse.impersonation.allowed_users", cfg.AllowedUsers); err != nil {
		return nil, err
	}
	if p.denied, err = compileAll("clickhouse.impersonation.denied_users", cfg.DeniedUsers); err != nil {
		return nil, err
	}
	return p, nil
}

func compileAll(key string, exprs []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(exprs))
	for _, e := range exprs {
		re, err := config.CompileUserPattern(e)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid regular expression %q: %w", key, e, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// Map turns verified claims into an Identity: the first non-empty claim of
// user_claims names the user, transformed, then checked by Allow.
func (p *Policy) Map(c Claims) (Identity, error) {
	for _, claim := range p.claims {
		var value string
		var source Source
		switch claim {
		case "email":
			if c.Email == "" {
				continue
			}
			if !c.EmailVerified {
				return Identity{}, &PolicyError{Reason: "the identity provider did not verify the email address " + c.Email}
			}
			value, source = c.Email, SourceEmail
		case "sub":
			value, source = c.Subject, SourceSubject
		default:
			value, source = c.Other[claim], Source(claim)
		}
		if value == "" {
			continue
		}
		id := Identity{User: p.transform(value), Email: c.Email, Subject: c.Subject, Source: source}
		if err := p.Allow(id.User); err != nil {
			return Identity{}, err
		}
		return id, nil
	}
	return Identity{}, &PolicyError{Reason: "none of the claims " + strings.Join(p.claims, ", ") + " is present in the token"}
}

func (p *Policy) transform(v string) string {
	if p.stripDomain {
		if i := strings.LastIndexByte(v, '@'); i > 0 {
			v = v[:i]
		}
	}
	if p.lower {
		v = strings.ToLower(v)
	}
	return v
}

// Allow checks whether chmcp may run queries as user. An empty user is
// never allowed: ClickHouse would skip authentication entirely.
func (p *Policy) Allow(user string) error {
	if user == "" {
		return &PolicyError{Reason: "empty user name"}
	}
	if len(user) > 256 || strings.ContainsFunc(user, unicode.IsControl) {
		return &PolicyError{User: user, Reason: "not a valid user name"}
	}
	for _, re := range p.denied {
		if re.MatchString(user) {
			return &PolicyError{User: user, Reason: "denied by clickhouse.impersonation.denied_users"}
		}
	}
	if slices.Contains(p.protected, user) {
		// Only a literal allowed_users entry opens a privileged account; a
		// broad pattern such as ".*" does not.
		if !slices.Contains(p.allowedLit, user) {
			return &PolicyError{User: user, Reason: "privileged account; name it in clickhouse.impersonation.allowed_users to permit it"}
		}
		return nil
	}
	if len(p.allowed) > 0 && !slices.ContainsFunc(p.allowed, func(re *regexp.Regexp) bool { return re.MatchString(user) }) {
		return &PolicyError{User: user, Reason: "not matched by clickhouse.impersonation.allowed_users"}
	}
	return nil
}
