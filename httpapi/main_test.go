package httpapi

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"
)

// TestMain runs the package's tests while watching every answer a route
// gives: a 4xx that the OpenAPI document does not list for that operation
// fails the run, so the document's error responses stay the real ones. The
// API tests here drive every route through its refusals (bad bodies, bad
// paths, scopes, roles, limits), which is what makes the watch worth it.
func TestMain(m *testing.M) {
	var mu sync.Mutex
	undocumented := map[string]bool{}
	observeStatus = func(rt route, status int) {
		if status/100 != 4 || slices.Contains(errorStatuses(rt), status) {
			return
		}
		mu.Lock()
		undocumented[fmt.Sprintf("%s %s answered %d", rt.Method, rt.Path, status)] = true
		mu.Unlock()
	}
	code := m.Run()
	if len(undocumented) > 0 {
		lines := make([]string, 0, len(undocumented))
		for l := range undocumented {
			lines = append(lines, l)
		}
		sort.Strings(lines)
		fmt.Fprintln(os.Stderr, "FAIL: answers the OpenAPI document does not list (add them to engineErrors in openapi.go, or fix the rule in errorStatuses):")
		for _, l := range lines {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		code = 1
	}
	os.Exit(code)
}
