package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestClientLinksNoEngine keeps a REST-only program small: package client
// must not depend on the engine (the root package, store, the index), on
// SQLite, Bleve or the AI providers' SDKs. It asks the go command for the
// package's dependencies, as `go list -deps ./client` prints them.
func TestClientLinksNoEngine(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/xentree/xentree/client").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages: %s", len(deps), out)
	}
	// Packages of this module the client must not import, and modules it
	// must not link at all.
	packages := []string{
		"github.com/xentree/xentree", // the root package: the Engine
		"github.com/xentree/xentree/store",
		"github.com/xentree/xentree/store/index",
		"github.com/xentree/xentree/ai/openai",
		"github.com/xentree/xentree/ai/anthropic",
		"github.com/xentree/xentree/httpapi",
	}
	modules := []string{
		"github.com/blevesearch",
		"modernc.org/sqlite",
		"modernc.org/libc",
		"github.com/openai/openai-go",
		"github.com/anthropics/anthropic-sdk-go",
	}
	for _, d := range deps {
		for _, p := range packages {
			if d == p {
				t.Errorf("package client depends on %s", d)
			}
		}
		for _, m := range modules {
			if d == m || strings.HasPrefix(d, m+"/") {
				t.Errorf("package client depends on %s (module %s)", d, m)
			}
		}
	}
}
