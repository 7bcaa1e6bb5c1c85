package mcphttp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verifiedSDK is the go-sdk version the package doc's contract was checked
// against.
const (
	goSDK         = "github.com/modelcontextprotocol/go-sdk"
	verifiedSDK   = "v1.8.0"
	parityTests   = "TestFastToolCallsAnswerAsTheSDK, TestFastToolCallsLeaveTheRestToTheSDK, TestFastToolCallsLeaveParamHeadersToTheSDK, TestFastPathAgreesWithSDKOnChmcp, TestFastPathAgreesWithSDKOnGeneratedTools, TestFastPathDeclinesWhenMiddlewareWouldBeBypassed, FuzzFastPathAgreesWithSDK (make fuzz), and internal/httpapi's TestFastPathSwitch, TestFastPathAnswersAsTheSDKThroughTheRoutes and session tests"
	contractCheck = "re-check each point of the contract in internal/mcphttp/doc.go against the new go-sdk source"
)

// TestGoSDKVersionVerified fails when go.mod moves the go-sdk away from the
// version this package's contract was verified against: the fast path
// copies behaviour of the go-sdk that is not API, and the new version may
// answer differently.
func TestGoSDKVersionVerified(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for line := range strings.Lines(string(gomod)) {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "require" {
			f = f[1:]
		}
		if len(f) >= 2 && f[0] == goSDK {
			got = f[1]
		}
		if len(f) > 0 && f[0] == "replace" && strings.Contains(line, goSDK) {
			t.Fatalf("go.mod replaces %s: internal/mcphttp was verified against %s %s; %s", goSDK, goSDK, verifiedSDK, contractCheck)
		}
	}
	if got != verifiedSDK {
		t.Fatalf("go.mod requires %s %q; internal/mcphttp was verified against %s. Before moving: %s; run %s "+
			"(go test -race -count=1 ./internal/mcphttp ./internal/httpapi; make fuzz); then update verifiedSDK here and the version in doc.go",
			goSDK, got, verifiedSDK, contractCheck, parityTests)
	}
}

// TestReceivingMiddlewareOnlyThroughTheService: the fast path knows of a
// go-sdk server's receiving middleware only from mcp.Service.DirectCall,
// so chmcp's code installs it in one place (internal/mcp's newServer,
// from the service's own list and the identity servers' middleware whose
// tools/call part Call does). A call anywhere else would be bypassed by
// the fast path without anyone noticing.
func TestReceivingMiddlewareOnlyThroughTheService(t *testing.T) {
	allowed := map[string]int{filepath.Join("..", "..", "internal", "mcp", "service.go"): 2}
	found := map[string]int{}
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "third_party" || d.Name() == "tmp" || strings.HasPrefix(d.Name(), ".")) && path != filepath.Join("..", "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "AddReceivingMiddleware" || sel.Sel.Name == "AddSendingMiddleware") {
				found[filepath.Clean(path)]++
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, n := range found {
		if n != allowed[path] {
			t.Errorf("%s installs go-sdk middleware %d times (%d allowed): add it with mcp.WithReceivingMiddleware, or teach mcp.Service.DirectCall about it", path, n, allowed[path])
		}
	}
	for path, n := range allowed {
		if found[path] != n {
			t.Errorf("%s installs go-sdk middleware %d times, %d expected: update this test and mcp.Service.DirectCall together", path, found[path], n)
		}
	}
}
