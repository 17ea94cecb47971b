package indexer

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
)

var ctx = context.Background()

func open(t *testing.T, dir string) (*store.DB, *index.Index) {
	t.Helper()
	db, err := store.Open(ctx, filepath.Join(dir, "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(dir, "ix.bleve"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return db, ix
}

func search(t *testing.T, ix *index.Index, owner, q string) []string {
	t.Helper()
	res, err := ix.Search(ctx, index.SearchOptions{Query: q, OwnerID: owner, Size: 10, Types: []string{"note"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// A crash after the commit and before indexing loses nothing: the outbox rows
// survive, and the next start applies them.
func TestCrashBetweenCommitAndIndexing(t *testing.T) {
	dir := t.TempDir()
	db, ix := open(t, dir)
	err := db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.OutboxIndex(ctx, "d1", Encode(index.Doc{ID: "d1", Type: "note", OwnerID: "u1", Body: "photosynthesis in plants"})); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, "d2", Encode(index.Doc{ID: "d2", Type: "note", OwnerID: "u1", Body: "the water cycle"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	// "Crash": nothing drained; close both as a killed process's files would be left.
	if got := search(t, ix, "u1", "photosynthesis"); len(got) != 0 {
		t.Fatalf("indexed without a drain: %v", got)
	}
	ix.Close()
	db.Close()

	db, ix = open(t, dir)
	defer db.Close()
	defer ix.Close()
	x := New(db, ix, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour, 0)
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := search(t, ix, "u1", "photosynthesis"); len(got) != 1 || got[0] != "d1" {
		t.Errorf("after restart: %v, want [d1]", got)
	}
	if pending, _, _ := db.OutboxStats(ctx); pending != 0 {
		t.Errorf("outbox still holds %d rows", pending)
	}
	// Deletes travel the same way; a later op on the same id wins.
	err = db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.OutboxDelete(ctx, "d1"); err != nil {
			return err
		}
		if err := tx.OutboxIndex(ctx, "d2", Encode(index.Doc{ID: "d2", Type: "note", OwnerID: "u1", Body: "clouds and rain"})); err != nil {
			return err
		}
		return tx.OutboxDelete(ctx, "d2")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("index holds %d docs after deletes", n)
	}
}

func TestGoroutineWakesOnCommit(t *testing.T) {
	db, ix := open(t, t.TempDir())
	defer db.Close()
	defer ix.Close()
	x := New(db, ix, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour, 0)
	db.SetOutboxHook(x.Notify)
	x.Start()
	defer x.Stop()
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.OutboxIndex(ctx, "d1", Encode(index.Doc{ID: "d1", Type: "note", OwnerID: "u1", Body: "mitochondria"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Drain waits for the goroutine's batch (same lock), then finds nothing left.
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := search(t, ix, "u1", "mitochondria"); len(got) != 1 {
		t.Errorf("hits = %v", got)
	}
	if x.LastIndexedAt().IsZero() {
		t.Error("LastIndexedAt not set")
	}
}

func TestRebuild(t *testing.T) {
	db, ix := open(t, t.TempDir())
	defer db.Close()
	defer ix.Close()
	x := New(db, ix, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour, 0)
	if err := ix.Apply([]index.Op{{Doc: &index.Doc{ID: "stale", Type: "note", OwnerID: "u1", Body: "stale entry"}}}); err != nil {
		t.Fatal(err)
	}
	var seen []int
	err := x.Rebuild(ctx, func(yield func(index.Doc) error) error {
		for _, id := range []string{"a", "b", "c"} {
			if err := yield(index.Doc{ID: id, Type: "note", OwnerID: "u1", Body: "fresh entry " + id}); err != nil {
				return err
			}
		}
		return nil
	}, func(n int) { seen = append(seen, n) })
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 3 {
		t.Errorf("count after rebuild = %d, want 3", n)
	}
	if got := search(t, ix, "u1", "stale"); len(got) != 0 {
		t.Errorf("stale doc survived rebuild: %v", got)
	}
	if len(seen) == 0 || seen[len(seen)-1] != 3 {
		t.Errorf("progress = %v", seen)
	}
}
