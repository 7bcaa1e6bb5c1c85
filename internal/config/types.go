package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Secret is a string that never prints itself. Use Reveal to get the value.
//
// It redacts itself in fmt (%v, %+v, %#v, %s, %q, %x), encoding/json,
// YAML and log/slog output; it unmarshals from a plain string.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret value. Call it only where the value is sent to
// its intended recipient.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// Format redacts under every fmt verb and flag (%v, %+v, %#v, %s, %q, %x,
// %d, %t, widths...): without it, verbs that do not call String would print
// the raw value in fmt's %!verb(...) diagnostics.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	fmt.Fprint(f, s.String())
}

// LogValue keeps log/slog from printing the value, whatever the handler.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON redacts: config dumps never carry secrets.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML redacts too.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalJSON reads a plain JSON string. null leaves the value unchanged.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New("expected a string")
	}
	*s = Secret(v)
	return nil
}

// UnmarshalYAML reads a plain YAML scalar (a password like 0123 stays "0123").
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("expected a string")
	}
	if n.Tag == "!!null" {
		return nil
	}
	*s = Secret(n.Value)
	return nil
}

// Duration is a time.Duration that reads "30s" / "1m" strings or a number of
// seconds (altinity-mcp configs use plain seconds).
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// plainSeconds is the only number syntax ParseDuration accepts besides Go
// duration syntax: optional sign, decimal digits, optional fraction.
var plainSeconds = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)

// ParseDuration accepts Go duration syntax ("1m30s", "250ms") or a plain
// decimal number of seconds ("30", "1.5"), and nothing else: no surrounding
// spaces, no exponents, hex or underscores.
func ParseDuration(s string) (Duration, error) {
	if v, err := time.ParseDuration(s); err == nil {
		return Duration(v), nil
	}
	if plainSeconds.MatchString(s) {
		secs, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return secondsToDuration(secs)
		}
	}
	return 0, fmt.Errorf("invalid duration %q (use e.g. 30s, 5m, 1h30m, or a number of seconds)", s)
}

// secondsToDuration converts a number of seconds, refusing NaN, infinities
// and values that overflow time.Duration.
func secondsToDuration(secs float64) (Duration, error) {
	ns := secs * float64(time.Second)
	if math.IsNaN(ns) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
		return 0, fmt.Errorf("duration %v seconds is out of range", secs)
	}
	return Duration(time.Duration(math.Round(ns))), nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
func (d Duration) MarshalYAML() (any, error)    { return d.String(), nil }

// UnmarshalJSON reads a string ("30s", "30") or a number of seconds (30, 1.5).
// null leaves the value unchanged.
func (d *Duration) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("invalid duration %s (use a string like \"30s\" or a number of seconds)", b)
	}
	v, err := secondsToDuration(secs)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads a string ("30s", "30") or a number of seconds (30, 1.5).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch n.Tag {
		case "!!null":
			return nil
		case "!!int", "!!float":
			var secs float64
			if err := n.Decode(&secs); err == nil {
				v, err := secondsToDuration(secs)
				if err != nil {
					return err
				}
				*d = v
				return nil
			}
		case "!!str":
			v, err := ParseDuration(n.Value)
			if err != nil {
				return err
			}
			*d = v
			return nil
		}
	}
	if n.Kind != yaml.ScalarNode {
		return errors.New("expected a duration (e.g. 30s) or a number of seconds")
	}
	return fmt.Errorf("invalid duration %q (use e.g. 30s, 5m, or a number of seconds)", n.Value)
}
