package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cgroupDir lays out files (path relative to the root: content) in a
// temp dir standing for /sys/fs/cgroup.
func cgroupDir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestChoose(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name     string
		files    map[string]string
		explicit int64
		set      bool
		want     Choice
	}{
		{"v2 limit", map[string]string{"memory.max": "268435456\n"}, 0, false, Choice{256 * mib / 100 * 90, "memory.max"}},
		{"v2 no limit", map[string]string{"memory.max": "max\n"}, 0, false, Choice{Default, "default"}},
		{"v1 limit", map[string]string{"memory/memory.limit_in_bytes": "536870912\n"}, 0, false, Choice{512 * mib / 100 * 90, "memory/memory.limit_in_bytes"}},
		{"v1 no limit", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, false, Choice{Default, "default"}},
		{"no cgroup", nil, 0, false, Choice{Default, "default"}},
		{"GOMEMLIMIT wins", map[string]string{"memory.max": "268435456"}, 100 * mib, true, Choice{100 * mib, "GOMEMLIMIT"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := cgroupDir(t, c.files)
			got, err := Choose(c.explicit, c.set, root)
			if err != nil {
				t.Fatal(err)
			}
			if c.want.Source != "default" && c.want.Source != "GOMEMLIMIT" {
				c.want.Source = filepath.Join(root, c.want.Source)
			}
			if got != c.want {
				t.Fatalf("Choose = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestChooseRefusesAnUnreadableLimit(t *testing.T) {
	for _, content := range []string{"lots", "-1", "0", ""} {
		root := cgroupDir(t, map[string]string{"memory.max": content})
		if _, err := Choose(0, false, root); err == nil || !strings.Contains(err.Error(), "memory.max") {
			t.Errorf("memory.max %q: err = %v, want one naming the file", content, err)
		}
	}
}

func TestResultBudget(t *testing.T) {
	if got := ResultBudget(Default); got != 64<<20 {
		t.Fatalf("ResultBudget(512 MiB) = %d, want 64 MiB", got)
	}
}
