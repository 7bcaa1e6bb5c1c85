package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const testPassword = "hunter2-do-not-print"

func secretConfig() Config {
	c := Defaults()
	c.ClickHouse.Password = testPassword
	return c
}

// TestSecretNeverPrinted renders the config, its ClickHouse section and the
// secret itself every way a caller might, and checks the value never shows.
func TestSecretNeverPrinted(t *testing.T) {
	c := secretConfig()
	values := map[string]any{
		"Config":           c,
		"*Config":          &c,
		"ClickHouseConfig": c.ClickHouse,
		"Secret":           c.ClickHouse.Password,
		"*Secret":          &c.ClickHouse.Password,
	}
	renderers := map[string]func(v any) (string, error){
		"json": func(v any) (string, error) { b, err := json.Marshal(v); return string(b), err },
		"yaml": func(v any) (string, error) { b, err := yaml.Marshal(v); return string(b), err },
		"slog-text": func(v any) (string, error) {
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
			return buf.String(), nil
		},
		"slog-json": func(v any) (string, error) {
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
			return buf.String(), nil
		},
		"NewLogger-text": func(v any) (string, error) {
			var buf bytes.Buffer
			LoggingConfig{Level: "info", Format: "text"}.NewLogger(&buf).Info("m", slog.Any("v", v))
			return buf.String(), nil
		},
		"NewLogger-json": func(v any) (string, error) {
			var buf bytes.Buffer
			LoggingConfig{Level: "info", Format: "json"}.NewLogger(&buf).Info("m", slog.Any("v", v))
			return buf.String(), nil
		},
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%20s", "%-8v"} {
		renderers["fmt "+verb] = func(v any) (string, error) { return fmt.Sprintf(verb, v), nil }
	}
	for vname, v := range values {
		for rname, render := range renderers {
			out, err := render(v)
			if err != nil {
				t.Errorf("%s of %s: %v", rname, vname, err)
				continue
			}
			if strings.Contains(out, testPassword) || strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", testPassword)) {
				t.Errorf("%s of %s leaks the password: %s", rname, vname, out)
			}
		}
	}
	if got := c.ClickHouse.Password.Reveal(); got != testPassword {
		t.Errorf("Reveal() = %q, want the value", got)
	}
}

func TestSecretRedactedMarker(t *testing.T) {
	s := Secret(testPassword)
	for _, got := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%#v", s), s.LogValue().String()} {
		if got != "[REDACTED]" {
			t.Errorf("got %q, want [REDACTED]", got)
		}
	}
	if got := fmt.Sprintf("%q", s); got != `"[REDACTED]"` {
		t.Errorf("%%q = %s", got)
	}
	if got := Secret("").String(); got != "" {
		t.Errorf("empty secret prints %q, want empty (nothing to hide)", got)
	}
}

func TestDumpRedacts(t *testing.T) {
	c := secretConfig()
	for _, format := range []string{"yaml", "json"} {
		out, err := c.Dump(format)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte(testPassword)) || !bytes.Contains(out, []byte("[REDACTED]")) {
			t.Errorf("%s dump does not redact the password:\n%s", format, out)
		}
	}
}
