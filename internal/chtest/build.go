package chtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// buildLauncher compiles launcher.c with $CC (else gcc, else cc) into dst.
func buildLauncher(ctx context.Context, dst string, logf func(string, ...any)) error {
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 {
		for _, name := range []string{"gcc", "cc"} {
			if p, err := exec.LookPath(name); err == nil {
				cc = []string{p}
				break
			}
		}
	}
	if len(cc) == 0 {
		return fmt.Errorf("no C compiler (gcc or cc; or set CC): %w; install one, e.g. `apt-get install gcc`", errNotFound)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "launcher.c")
	if err := os.WriteFile(src, launcherSource, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "launcher")
	args := append(append([]string{}, cc[1:]...), "-O2", "-o", bin, src, "-ldl", "-lpthread")
	logf("chtest: compiling the launcher: %s %s", cc[0], strings.Join(args, " "))
	out, err := exec.CommandContext(ctx, cc[0], args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s failed: %w\n%s", strings.Join(cc, " "), err, tail(string(out), 20))
	}
	// Same filesystem (tmp is a sibling of dst), so this rename is atomic.
	return os.Rename(bin, dst)
}
