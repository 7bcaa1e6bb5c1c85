//go:build packaging

// Package image tests the container image `make image` builds: its OCI
// config and files (from the archive), then the image itself, run once with
// podman against a real ClickHouse. Run it with `make image-test`.
package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/chmcp/chmcp/internal/chtest"
)

var chs *chtest.Server

func TestMain(m *testing.M) {
	os.Exit(chtest.RunMain(m, chtest.Options{}, &chs))
}

// want is what `make image` stamped; the Makefile passes it in.
type want struct{ archive, ref, version, commit, date, arch string }

func wanted(t *testing.T) want {
	t.Helper()
	w := want{os.Getenv("CHMCP_IMAGE_ARCHIVE"), os.Getenv("CHMCP_IMAGE_REF"), os.Getenv("CHMCP_VERSION"),
		os.Getenv("CHMCP_COMMIT"), os.Getenv("CHMCP_DATE"), os.Getenv("CHMCP_IMAGE_ARCH")}
	if w.archive == "" || w.ref == "" || w.version == "" || w.commit == "" || w.date == "" || w.arch == "" {
		t.Fatalf("CHMCP_IMAGE_ARCHIVE, CHMCP_IMAGE_REF, CHMCP_VERSION, CHMCP_COMMIT, CHMCP_DATE and CHMCP_IMAGE_ARCH must be set: run `make image-test`")
	}
	return w
}

// ociImage is the part of an OCI image config (image-spec config.md) we check.
type ociImage struct {
	Created      string `json:"created"`
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Config       struct {
		User         string              `json:"User"`
		Entrypoint   []string            `json:"Entrypoint"`
		Cmd          []string            `json:"Cmd"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
		Labels       map[string]string   `json:"Labels"`
	} `json:"config"`
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Annotations map[string]string `json:"annotations"`
}

// readArchive returns the blobs of an OCI archive by path ("index.json",
// "blobs/sha256/...").
func readArchive(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("the image archive: %v (run `make image`)", err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		} else if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[path.Clean(h.Name)] = b
		}
	}
}

func blob(t *testing.T, files map[string][]byte, digest string) []byte {
	t.Helper()
	b, ok := files["blobs/"+strings.Replace(digest, ":", "/", 1)]
	if !ok {
		t.Fatalf("blob %s missing from the archive", digest)
	}
	return b
}

// TestImageConfig: non-root, the binary as entrypoint serving HTTP on 8080,
// stamped with version, commit and the commit date; the only files are the
// static binary and the CA bundle (no shell).
func TestImageConfig(t *testing.T) {
	w := wanted(t)
	files := readArchive(t, w.archive)
	var index struct{ Manifests []descriptor }
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, files["index.json"])
	}
	if got := index.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; got != w.ref {
		t.Errorf("image name %q, want %q", got, w.ref)
	}
	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	if err := json.Unmarshal(blob(t, files, index.Manifests[0].Digest), &manifest); err != nil {
		t.Fatal(err)
	}
	var img ociImage
	if err := json.Unmarshal(blob(t, files, manifest.Config.Digest), &img); err != nil {
		t.Fatal(err)
	}
	c := img.Config
	if c.User != "65532:65532" {
		t.Errorf("User %q: want the numeric non-root 65532:65532 (runAsNonRoot can check a number)", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/chmcp"}) || !slices.Equal(c.Cmd, []string{"--transport", "http", "--address", "0.0.0.0", "--port", "8080"}) {
		t.Errorf("Entrypoint %q, Cmd %q", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts %v", c.ExposedPorts)
	}
	if img.OS != "linux" || img.Architecture != w.arch || img.Created != w.date {
		t.Errorf("os %q, architecture %q, created %q: want linux, %s, the commit date %s", img.OS, img.Architecture, img.Created, w.arch, w.date)
	}
	for k, v := range map[string]string{
		"org.opencontainers.image.version":  w.version,
		"org.opencontainers.image.revision": w.commit,
		"org.opencontainers.image.created":  w.date,
		"org.opencontainers.image.source":   "https://github.com/chmcp/chmcp",
		"org.opencontainers.image.title":    "chmcp",
	} {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}

	// The files: exactly the binary and the CA bundle.
	got := map[string]*tar.Header{}
	var binary []byte
	for _, l := range manifest.Layers {
		zr, err := gzip.NewReader(bytes.NewReader(blob(t, files, l.Digest)))
		if err != nil {
			t.Fatalf("layer %s (%s): %v", l.Digest, l.MediaType, err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			name := path.Clean("/" + h.Name)
			got[name] = h
			if name == "/chmcp" {
				if binary, err = io.ReadAll(tr); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var regular []string
	for name, h := range got {
		if h.Typeflag != tar.TypeDir {
			regular = append(regular, name)
		}
	}
	slices.Sort(regular)
	if !slices.Equal(regular, []string{"/chmcp", "/etc/ssl/certs/ca-certificates.crt"}) {
		t.Errorf("files in the image: %q; want only /chmcp and the CA bundle (no shell)", regular)
	}
	if h := got["/chmcp"]; h == nil || h.Mode&0o005 != 0o005 {
		t.Fatalf("/chmcp must be readable and executable by the non-root user: %+v", h)
	}
	assertStatic(t, binary, w.arch)
}

// assertStatic: an ELF for the image's architecture with no interpreter and
// no shared libraries (CGO off).
func assertStatic(t *testing.T, binary []byte, arch string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("/chmcp is not an ELF binary: %v", err)
	}
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != machine {
		t.Errorf("/chmcp is for %v, want %s", f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("/chmcp is dynamically linked (program header %v)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("/chmcp needs shared libraries %q", libs)
	}
}

// podmanFlags are the run flags this CI machine needs: its cgroups are
// hybrid (v1 + v2), which crun refuses, so runc runs the container; and
// the sandbox lacks CAP_SYS_RESOURCE, so podman's default rlimits
// (nofile 1048576, nproc 4194304), which it would raise to, are lowered.
var podmanFlags = []string{"--runtime", "runc"}
var runFlags = []string{"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=1024:1024"}

// TestImageRuns runs the image the way the Helm chart does (read-only root,
// no capabilities, no privilege escalation), against a real ClickHouse:
// /livez, /health and one MCP tool call; and `chmcp version` says the stamp.
func TestImageRuns(t *testing.T) {
	w := wanted(t)
	if w.arch != hostArch(t) {
		t.Fatalf("the image is linux/%s; this machine cannot run it (build it with IMAGE_ARCH=%s)", w.arch, hostArch(t))
	}
	if _, err := exec.LookPath("podman"); err != nil {
		t.Fatalf("podman is needed to run the image: %v (apt-get install podman runc)", err)
	}
	store := t.TempDir() // a private image store, removed with the test
	podman := func(args ...string) *exec.Cmd {
		full := append([]string{"--root", store + "/root", "--runroot", store + "/run", "--storage-driver", "vfs", "--tmpdir", store + "/tmp"}, podmanFlags...)
		return exec.Command("podman", append(full, args...)...)
	}
	out, err := podman("load", "--quiet", "--input", w.archive).CombinedOutput()
	if err != nil {
		t.Fatalf("podman load: %v\n%s", err, out)
	}
	image := "localhost/" + w.ref

	run := func(args ...string) *exec.Cmd {
		base := append([]string{"run", "--rm", "--network", "host", "--read-only", "--cap-drop", "all",
			"--security-opt", "no-new-privileges", "--pull", "never"}, runFlags...)
		return podman(append(base, args...)...)
	}
	out, err = run(image, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("podman run %s version: %v\n%s", image, err, out)
	}
	if prefix := fmt.Sprintf("chmcp %s (commit %s, date %s, ", w.version, w.commit, w.date); !strings.HasPrefix(string(out), prefix) {
		t.Fatalf("chmcp version in the image: %q, want %q...", out, prefix)
	}

	port := freePort(t)
	name := "chmcp-image-test-" + strconv.Itoa(port)
	server := run("--name", name, "-e", "CLICKHOUSE_HOST="+chs.Host, "-e", "CLICKHOUSE_PORT="+strconv.Itoa(chs.TCPPort),
		image, "--transport", "http", "--address", "127.0.0.1", "--port", strconv.Itoa(port))
	var logs bytes.Buffer
	server.Stdout, server.Stderr = &logs, &logs
	if err := server.Start(); err != nil {
		t.Fatalf("podman run: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	t.Cleanup(func() {
		if out, err := podman("stop", "--time", "5", name).CombinedOutput(); err != nil {
			t.Logf("podman stop: %v\n%s", err, out)
		}
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Errorf("the container did not stop")
			server.Process.Kill()
		}
	})

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if code, _ := get(base + "/livez"); code == http.StatusOK {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the container exited: %v\n%s", err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("/livez did not answer in 60s\n%s", logs.String())
		}
	}
	if code, body := get(base + "/health"); code != http.StatusOK {
		t.Fatalf("/health: %d %s\n%s", code, body, logs.String())
	}
	assertUser(t, podman, name)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := sdk.NewClient(&sdk.Implementation{Name: "image-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: base + "/"}, nil)
	if err != nil {
		t.Fatalf("MCP connect: %v\n%s", err, logs.String())
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "execute_query", Arguments: map[string]any{"query": "SELECT 40 + 2 AS answer"}})
	if err != nil {
		t.Fatal(err)
	}
	if text := res.Content[0].(*sdk.TextContent).Text; res.IsError || !strings.Contains(text, "[[42]]") {
		t.Fatalf("execute_query in the container: %s", text)
	}
}

// assertUser: the server in the container runs as 65532, seen from the host.
func assertUser(t *testing.T, podman func(...string) *exec.Cmd, name string) {
	t.Helper()
	out, err := podman("inspect", "--format", "{{.State.Pid}}", name).Output()
	if err != nil {
		t.Fatalf("podman inspect: %v", err)
	}
	status, err := os.ReadFile("/proc/" + strings.TrimSpace(string(out)) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "Uid:" {
			if f[1] != "65532" || f[2] != "65532" {
				t.Fatalf("the server runs as uid %s (effective %s), want 65532", f[1], f[2])
			}
			return
		}
	}
	t.Fatalf("no Uid line in /proc/.../status")
}

func hostArch(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func get(url string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
