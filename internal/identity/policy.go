package identity

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

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
	protected   []string     // default, the fallback user and protected_users
	domains     []domainRule // every rule must accept an email-shaped name
}

// domainRule is one configured list of email domains, with its key for
// the refusal message.
type domainRule struct {
	key     string
	domains []string
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
	return fmt.Sprintf("access refused for ClickHouse user %+q: %s", e.User, e.Reason)
}

// userNameRule is how refusals describe PlainUserName.
const userNameRule = "not a plain user name (ASCII letters, digits, _ - . and at most one @)"

// NewPolicy compiles the configured policy; fallbackUser is
// clickhouse.username, protected like "default".
func NewPolicy(cfg config.ImpersonationConfig, fallbackUser string) (*Policy, error) {
	p := &Policy{claims: cfg.UserClaims, lower: cfg.Lowercase, stripDomain: cfg.StripDomain, allowedLit: cfg.AllowedUsers}
	p.protected = []string{"default"}
	if fallbackUser != "" && fallbackUser != "default" {
		p.protected = append(p.protected, fallbackUser)
	}
	for _, u := range cfg.ProtectedUsers {
		if !PlainUserName(u) {
			// Such a name is refused anyway; listing it would suggest otherwise.
			return nil, fmt.Errorf("clickhouse.impersonation.protected_users: %+q is %s, so chmcp never acts as it anyway; remove it", u, userNameRule)
		}
		if !slices.Contains(p.protected, u) {
			p.protected = append(p.protected, u)
		}
	}
	p = p.WithEmailDomains("clickhouse.impersonation.allowed_domains", cfg.AllowedDomains)
	var err error
	if p.allowed, err = compileAll("clickhouse.impersonation.allowed_users", cfg.AllowedUsers); err != nil {
		return nil, err
	}
	if p.denied, err = compileAll("clickhouse.impersonation.denied_users", cfg.DeniedUsers); err != nil {
		return nil, err
	}
	return p, nil
}

// WithEmailDomains returns a copy of p that also requires email-shaped
// names (claim values and user names with an @) to be in one of domains;
// key names the setting in refusals. An empty list adds no rule. The OAuth
// server adds server.oauth.allowed_email_domains this way.
func (p *Policy) WithEmailDomains(key string, domains []string) *Policy {
	if len(domains) == 0 {
		return p
	}
	q := *p
	q.domains = append(slices.Clip(p.domains), domainRule{key: key, domains: domains})
	return &q
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
// user_claims names the user. The claim value must be a plain user name in
// an allowed domain before the transforms, and the result passes Allow
// after them.
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
				return Identity{}, &PolicyError{Reason: fmt.Sprintf("the identity provider did not verify the email address %+q", clip(c.Email))}
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
		user, err := p.mapValue(claim, value)
		if err != nil {
			return Identity{}, err
		}
		return Identity{User: user, Email: c.Email, Subject: c.Subject, Source: source}, nil
	}
	return Identity{}, &PolicyError{Reason: "none of the claims " + strings.Join(p.claims, ", ") + " is present in the token"}
}

// mapValue checks one claim value, transforms it and checks the result.
func (p *Policy) mapValue(claim, value string) (string, error) {
	if !PlainUserName(value) {
		return "", &PolicyError{Reason: fmt.Sprintf("claim %s: %+q is %s", claim, clip(value), userNameRule)}
	}
	if p.stripDomain && emailDomain(value) != "" && len(p.domains) == 0 {
		// Config validation refuses this setup; fail closed regardless.
		return "", &PolicyError{Reason: "clickhouse.impersonation.strip_domain needs clickhouse.impersonation.allowed_domains"}
	}
	if err := p.checkDomain(value); err != nil {
		return "", err
	}
	user := p.transform(value)
	return user, p.Allow(user)
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

// checkDomain applies every domain rule to an email-shaped name.
func (p *Policy) checkDomain(name string) error {
	domain := emailDomain(name)
	if domain == "" {
		return nil
	}
	for _, r := range p.domains {
		if !DomainIn(domain, r.domains) {
			return &PolicyError{Reason: fmt.Sprintf("email domain %+q is not in %s", clip(domain), r.key)}
		}
	}
	return nil
}

// Allow checks whether chmcp may run queries as user: a plain user name,
// in an allowed email domain, not denied, not protected (unless allowed by
// name), and allowed. An empty user is never allowed: ClickHouse would skip
// authentication entirely.
func (p *Policy) Allow(user string) error {
	if user == "" {
		return &PolicyError{Reason: "empty user name"}
	}
	if !PlainUserName(user) {
		return &PolicyError{User: clip(user), Reason: userNameRule}
	}
	if err := p.checkDomain(user); err != nil {
		return err
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
			return &PolicyError{User: user, Reason: "privileged account (clickhouse.impersonation.protected_users); name it in clickhouse.impersonation.allowed_users to permit it"}
		}
		return nil
	}
	if len(p.allowed) > 0 && !slices.ContainsFunc(p.allowed, func(re *regexp.Regexp) bool { return re.MatchString(user) }) {
		return &PolicyError{User: user, Reason: "not matched by clickhouse.impersonation.allowed_users"}
	}
	return nil
}

// clip bounds a caller-supplied value quoted in a refusal or a log line.
func clip(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
