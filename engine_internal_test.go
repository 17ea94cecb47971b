package xentree

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xentree/xentree/internal/indexer"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
)

// Changes committed by a process that died before indexing them are applied
// by the next Open, before it returns.
func TestOpenDrainsOutboxLeftByACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, dbFile), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		return tx.OutboxIndex(ctx, "n1", indexer.Encode(index.Doc{ID: "n1", Type: "note", OwnerID: "u1", Body: "glaciers carve valleys"}))
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
