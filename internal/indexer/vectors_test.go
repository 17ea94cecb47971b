package indexer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/sqlite"
)

// stubEmbedder embeds a text as its length; it fails while failing is set.
type stubEmbedder struct {
	mu      sync.Mutex
	model   string
	failing bool
	seen    []string
}

func (s *stubEmbedder) Model() string { return s.model }

func (s *stubEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return nil, errors.New("provider down")
	}
	s.seen = append(s.seen, texts...)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t)), 1}
	}
	return out, nil
}

// putChunks stores a document of user u1 with n chunks c0..c(n-1).
func putChunks(t *testing.T, db *store.DB, doc string, n int) {
	t.Helper()
	err := db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.ExecRaw(ctx, `INSERT OR IGNORE INTO users (id, email, created_at, updated_at) VALUES ('u1', 'u1@example.com', 0, 0)`); err != nil {
			return err
		}
		if err := tx.ExecRaw(ctx, `INSERT INTO documents (id, user_id, title, content_type, size_bytes, chunk_count, created_at)
			VALUES (?, 'u1', 'Doc', 'text/plain', 1, ?, 0)`, doc, n); err != nil {
			return err
		}
		for i := range n {
			if err := tx.ExecRaw(ctx, `INSERT INTO chunks (id, document_id, position, heading, text) VALUES (?, ?, ?, '', ?)`,
				fmt.Sprintf("%s-c%d", doc, i), doc, i, fmt.Sprint("text ", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// vectorIDs lists the chunks that have a vector of model, by the store's
// own scan.
func vectorIDs(t *testing.T, db *store.DB, model string) []string {
	t.Helper()
	var ids []string
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.ChunkVectors(ctx, store.VectorScope{Model: model, OwnerID: "u1"}, func(id string, vec []byte) error {
			if len(vec) != 8 {
				return fmt.Errorf("vector of %d bytes", len(vec))
			}
			ids = append(ids, id)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

func TestVectors(t *testing.T) {
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb := &stubEmbedder{model: "m1"}
	putChunks(t, db, "d1", 300) // more than one page of the full pass

	// The first Fill is a full pass: every chunk without a vector.
	v := NewVectors(db, emb, log, time.Hour)
	if err := v.Fill(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(vectorIDs(t, db, "m1")); got != 300 {
		t.Fatalf("vectors after the full pass = %d, want 300", got)
	}
	if got := emb.seen[0]; got != "Doc\ntext 0" {
		t.Errorf("embedded %q, want the title and the text", got)
	}

	// Queued chunks: only those; a failure keeps them due.
	putChunks(t, db, "d2", 2)
	emb.failing, emb.seen = true, nil
	v.Queue([]string{"d2-c0", "d2-c1", "d1-c0", "no-such-chunk"})
	if err := v.Fill(ctx); err == nil {
		t.Fatal("Fill with the provider down succeeded")
	}
	emb.failing = false
	if err := v.Fill(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(emb.seen, []string{"Doc\ntext 0", "Doc\ntext 1"}) {
		t.Errorf("embedded after the failure %q, want d2's two chunks (d1-c0 has its vector, the unknown id is skipped)", emb.seen)
	}
	if got := len(vectorIDs(t, db, "m1")); got != 302 {
		t.Errorf("vectors = %d, want 302", got)
	}

	// A chunk's vector goes with it.
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, `DELETE FROM documents WHERE id = 'd2'`) }); err != nil {
		t.Fatal(err)
	}
	if got := len(vectorIDs(t, db, "m1")); got != 300 {
		t.Errorf("vectors after deleting d2 = %d, want 300", got)
	}

	// Another model: a new start's full pass embeds everything again, and
	// searches compare only the new model's vectors.
	emb2 := &stubEmbedder{model: "m2"}
	v2 := NewVectors(db, emb2, log, time.Hour)
	v2.Start()
	v2.Queue([]string{"d1-c5"})
	if err := v2.Fill(ctx); err != nil { // waits for the goroutine's pass, then finds nothing left
		t.Fatal(err)
	}
	v2.Stop()
	if got, old := len(vectorIDs(t, db, "m2")), len(vectorIDs(t, db, "m1")); got != 300 || old != 0 {
		t.Errorf("vectors of m2 = %d, of m1 = %d, want 300 and 0", got, old)
	}
}
