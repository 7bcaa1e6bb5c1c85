package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "30", want: 30 * time.Second},
		{in: "1.5", want: 1500 * time.Millisecond},
		{in: ".5", want: 500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "1m30s", want: 90 * time.Second},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "-5", want: -5 * time.Second},
		{in: "+2", want: 2 * time.Second},
		{in: "abc", wantErr: true},
		{in: "", wantErr: true},
		{in: " 30", wantErr: true},
		{in: "30 ", wantErr: true},
		{in: "30 s", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "0x10", wantErr: true},
		{in: "1_000", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "Inf", wantErr: true},
		{in: "30x", wantErr: true},
		{in: "99999999999999999", wantErr: true}, // overflows time.Duration
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDuration(%q): %v", tt.in, err)
			}
			if got.D() != tt.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	_, err := ParseDuration("abc")
	if err == nil || !strings.Contains(err.Error(), `invalid duration "abc"`) {
		t.Errorf("error = %v, want it to quote the input", err)
	}
}

func TestDurationUnmarshal(t *testing.T) {
	const keep = Duration(7 * time.Second)
	tests := []struct {
		name    string
		json    string
		yaml    string
		want    time.Duration
		wantErr bool
	}{
		{name: "go syntax", json: `"30s"`, yaml: `30s`, want: 30 * time.Second},
		{name: "string seconds", json: `"30"`, yaml: `"30"`, want: 30 * time.Second},
		{name: "int seconds", json: `30`, yaml: `30`, want: 30 * time.Second},
		{name: "float seconds", json: `1.5`, yaml: `1.5`, want: 1500 * time.Millisecond},
		{name: "null keeps value", json: `null`, yaml: `null`, want: keep.D()},
		{name: "garbage", json: `"abc"`, yaml: `abc`, wantErr: true},
		{name: "bool", json: `true`, yaml: `true`, wantErr: true},
		{name: "list", json: `[1]`, yaml: `[1]`, wantErr: true},
		{name: "too big", json: `1e300`, yaml: `1e300`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/json", func(t *testing.T) {
			d := keep
			err := json.Unmarshal([]byte(tt.json), &d)
			checkDuration(t, tt.json, d, err, tt.want, tt.wantErr)
		})
		t.Run(tt.name+"/yaml", func(t *testing.T) {
			d := keep
			err := yaml.Unmarshal([]byte(tt.yaml), &d)
			checkDuration(t, tt.yaml, d, err, tt.want, tt.wantErr)
		})
	}
}

func checkDuration(t *testing.T, in string, got Duration, err error, want time.Duration, wantErr bool) {
	t.Helper()
	if wantErr {
		if err == nil {
			t.Fatalf("unmarshal %s = %v, want error", in, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("unmarshal %s: %v", in, err)
	}
	if got.D() != want {
		t.Errorf("unmarshal %s = %v, want %v", in, got, want)
	}
}

func TestDurationMarshalRoundTrip(t *testing.T) {
	in := Duration(90 * time.Second)
	for name, marshal := range map[string]func(any) ([]byte, error){"json": json.Marshal, "yaml": yaml.Marshal} {
		b, err := marshal(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out Duration
		if name == "json" {
			err = json.Unmarshal(b, &out)
		} else {
			err = yaml.Unmarshal(b, &out)
		}
		if err != nil || out != in {
			t.Errorf("%s round trip: %s -> %v, %v", name, b, out, err)
		}
	}
}

func TestSecretUnmarshal(t *testing.T) {
	tests := []struct {
		name, json, yaml, want string
		wantErr                bool
	}{
		{name: "string", json: `"s3cret"`, yaml: `s3cret`, want: "s3cret"},
		{name: "numeric-looking", json: `"0123"`, yaml: `0123`, want: "0123"},
		{name: "empty", json: `""`, yaml: `""`, want: ""},
		{name: "null keeps", json: `null`, yaml: `null`, want: "old"},
		{name: "list", json: `["a"]`, yaml: `[a]`, wantErr: true},
		{name: "number in json", json: `123`, yaml: `{a: 1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"json", "yaml"} {
				s := Secret("old")
				var err error
				if format == "json" {
					err = json.Unmarshal([]byte(tt.json), &s)
				} else {
					err = yaml.Unmarshal([]byte(tt.yaml), &s)
				}
				if tt.wantErr {
					if err == nil {
						t.Errorf("%s: want error, got %q", format, s.Reveal())
					}
					continue
				}
				if err != nil || s.Reveal() != tt.want {
					t.Errorf("%s: got %q, %v; want %q", format, s.Reveal(), err, tt.want)
				}
			}
		})
	}
}
