package indexer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/store/sqlite"
)

var ctx = context.Background()

func open(t *testing.T, dir string) (*store.DB, *index.Index) {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(dir, "ix.bleve"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return db, ix
}

// putNote stores (or rewrites) note id of user u1 with body and queues it
// for indexing, as the engine does in one transaction.
func putNote(tx *store.Tx, id, body string) error {
	if err := tx.ExecRaw(ctx, `INSERT OR IGNORE INTO users (id, email, created_at, updated_at) VALUES ('u1', 'u1@example.com', 0, 0)`); err != nil {
		return err
	}
	if err := tx.ExecRaw(ctx, `INSERT INTO notes (id, user_id, content, created_at, updated_at) VALUES (?, 'u1', ?, 0, 0)
		ON CONFLICT (id) DO UPDATE SET content = excluded.content`, id, body); err != nil {
		return err
	}
	return tx.OutboxIndex(ctx, conversation.TypeNote, id)
}

// dropNote deletes note id and queues its removal.
func dropNote(tx *store.Tx, id string) error {
	if err := tx.ExecRaw(ctx, `DELETE FROM notes WHERE id = ?`, id); err != nil {
		return err
	}
	return tx.OutboxDelete(ctx, id)
}

// started opens the store and index in dir, closed when the test ends, and
// an indexer on them that applies the outbox only when told to Drain.
func started(t *testing.T, dir string) (*store.DB, *index.Index, *Indexer) {
	t.Helper()
	db, ix := open(t, dir)
	t.Cleanup(func() { ix.Close(); db.Close() })
	return db, ix, New(db, ix, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour, 0)
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
		if err := putNote(tx, "d1", "photosynthesis in plants"); err != nil {
			return err
		}
		return putNote(tx, "d2", "the water cycle")
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

	db, ix, x := started(t, dir)
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
		if err := dropNote(tx, "d1"); err != nil {
			return err
		}
		if err := putNote(tx, "d2", "clouds and rain"); err != nil {
			return err
		}
		return dropNote(tx, "d2")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(context.Background()); n != 0 {
		t.Errorf("index holds %d docs after deletes", n)
	}
}

// The outbox holds references, so the indexer indexes each row as it is
// when the batch is applied: a change queued twice is indexed once in its
// last state, and a row deleted meanwhile is removed from the index even if
// its own delete were missing.
func TestIndexesTheRowAsCommittedAtApply(t *testing.T) {
	db, ix, x := started(t, t.TempDir())
	if err := ix.Apply(context.Background(), []index.Op{{Doc: &index.Doc{ID: "gone", Type: "note", OwnerID: "u1", Body: "volcano"}}}); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []func(*store.Tx) error{
		func(tx *store.Tx) error { return putNote(tx, "d1", "tectonic plates") },
		func(tx *store.Tx) error { return putNote(tx, "d1", "ocean currents") },
		func(tx *store.Tx) error { return tx.OutboxIndex(ctx, conversation.TypeNote, "gone") },
		func(tx *store.Tx) error { return tx.OutboxIndex(ctx, "no-such-type", "d9") },
	} {
		if err := db.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"tectonic": 0, "ocean": 1, "volcano": 0} {
		if got := search(t, ix, "u1", q); len(got) != want {
			t.Errorf("search %q: %v, want %d hit(s)", q, got, want)
		}
	}
	if pending, _, _ := db.OutboxStats(ctx); pending != 0 {
		t.Errorf("outbox still holds %d rows", pending)
	}
}

func TestGoroutineWakesOnCommit(t *testing.T) {
	db, ix, x := started(t, t.TempDir())
	db.SetOutboxHook(x.Notify)
	x.Start()
	defer x.Stop()
	err := db.Write(ctx, func(tx *store.Tx) error {
		return putNote(tx, "d1", "mitochondria")
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
	_, ix, x := started(t, t.TempDir())
	if err := ix.Apply(context.Background(), []index.Op{{Doc: &index.Doc{ID: "stale", Type: "note", OwnerID: "u1", Body: "stale entry"}}}); err != nil {
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
	if n, _ := ix.Count(context.Background()); n != 3 {
		t.Errorf("count after rebuild = %d, want 3", n)
	}
	if got := search(t, ix, "u1", "stale"); len(got) != 0 {
		t.Errorf("stale doc survived rebuild: %v", got)
	}
	if len(seen) == 0 || seen[len(seen)-1] != 3 {
		t.Errorf("progress = %v", seen)
	}
}

// A backlog of several steps is applied in order: a delete queued after a
// full step removes what that step indexed, and a change queued after it
// wins.
func TestDrainsStepsInOrder(t *testing.T) {
	db, ix, x := started(t, t.TempDir())
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i := range 2*BatchSize + 10 {
			if err := putNote(tx, fmt.Sprintf("n%d", i), fmt.Sprintf("note %d", i)); err != nil {
				return err
			}
		}
		if err := dropNote(tx, "n1"); err != nil {
			return err
		}
		return putNote(tx, "n2", "rewritten")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(context.Background()); n != 2*BatchSize+10-1 {
		t.Errorf("index holds %d docs, want %d", n, 2*BatchSize+10-1)
	}
	for q, want := range map[string]int{"0": 1, "1": 0, "2": 0, "rewritten": 1, fmt.Sprint(2*BatchSize + 9): 1} {
		if got := search(t, ix, "u1", q); len(got) != want {
			t.Errorf("search %q: %v, want %d hit(s)", q, got, want)
		}
	}
	if pending, _, _ := db.OutboxStats(ctx); pending != 0 {
		t.Errorf("outbox still holds %d rows", pending)
	}
}
