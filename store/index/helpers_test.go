package index

import (
	"path/filepath"
	"testing"
	"time"
)

// testIndex opens an index in a temporary folder, closed when the test ends.
func testIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}
