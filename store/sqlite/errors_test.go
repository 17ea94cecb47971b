package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/xentree/xentree/internal/xerr"
)

// A write to a read-only database is Unavailable ("storage is read-only"),
// which an operator can act on; it was an internal error.
func TestReadOnlyIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Exec(`INSERT INTO users (id, email, created_at, updated_at) VALUES ('u', 'a@x', 0, 0)`)
	if err == nil {
		t.Fatal("a read-only database took a write")
	}
	if e := xerr.As(mapErr(err)); e == nil || e.Kind != xerr.Unavailable || e.Message != "storage is read-only" {
		t.Fatalf("mapErr(%v) = %#v", err, e)
	}
}
