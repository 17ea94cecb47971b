package xentree

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/store/sqlite"
)

// Changes committed by a process that died before indexing them are applied
// by the next Open, before it returns.
func TestOpenDrainsOutboxLeftByACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.ExecRaw(ctx, `INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'u1@example.com', 0, 0)`); err != nil {
			return err
		}
		n := conversation.Note{ID: "n1", Content: "glaciers carve valleys"}
		if err := tx.NoteInsert(ctx, "u1", &n); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeNote, n.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	e, err := Open(ctx, Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.ix.Search(ctx, index.SearchOptions{Query: "glacier", OwnerID: "u1", Types: []string{"note"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 {
		t.Errorf("hits after Open = %d, want 1", res.Total)
	}
}
