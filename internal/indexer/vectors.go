package indexer

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/vector"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// vectorBatch is how many chunks one step reads and embeds (the embedder
// splits them further into requests of its own size).
const vectorBatch = 256

// Vectors computes the embedding vectors of knowledge chunks and stores
// them in the database (chunk_vectors), outside any request: the Indexer queues
// the chunks it has just indexed, and one goroutine embeds them. The work
// is derived from the database, so nothing is lost: at Start, and after a
// failure, a full pass embeds every chunk that has no vector of the
// embedder's model (chunks stored while the process was down or the
// provider failing, and all of them when the model changes). A chunk
// deleted meanwhile loses its vector with it (ON DELETE CASCADE).
type Vectors struct {
	db    *store.DB
	emb   ai.Embedder
	log   *slog.Logger
	retry time.Duration
	wake  chan struct{}
	mu    sync.Mutex // one fill at a time

	qmu     sync.Mutex
	pending map[string]bool // chunk ids to embed
	full    bool            // a full pass is due

	done chan struct{}
	stop context.CancelFunc
}

// NewVectors returns a Vectors that embeds with emb; Start runs it. After a
// failed fill it tries again after retry.
func NewVectors(db *store.DB, emb ai.Embedder, log *slog.Logger, retry time.Duration) *Vectors {
	return &Vectors{db: db, emb: emb, log: log, retry: retry, wake: make(chan struct{}, 1), pending: map[string]bool{}, full: true}
}

// Model is the embedder's model: the vectors a search may compare.
func (v *Vectors) Model() string { return v.emb.Model() }

// Queue asks for the vectors of chunks ids; it never blocks.
func (v *Vectors) Queue(ids []string) {
	if len(ids) == 0 {
		return
	}
	v.qmu.Lock()
	for _, id := range ids {
		v.pending[id] = true
	}
	v.qmu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Start launches the goroutine; it begins with a full pass.
func (v *Vectors) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	v.stop = cancel
	v.done = make(chan struct{})
	// The first pass is full (v.full) and starts at once; a chunk queued
	// before Start (the engine's start-up drain) may already have filled
	// wake, so the send must not block.
	select {
	case v.wake <- struct{}{}:
	default:
	}
	go func() {
		defer close(v.done)
		var retry <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-v.wake:
			case <-retry:
			}
			retry = nil
			if err := v.Fill(ctx); err != nil && ctx.Err() == nil {
				v.log.Warn("embeddings: computing chunk vectors failed; will retry", "err", err, "in", v.retry)
				retry = time.After(v.retry)
			}
		}
	}()
}

// Stop ends the goroutine after its current request; what is still queued
// is found by the next start's full pass.
func (v *Vectors) Stop() {
	if v.stop != nil {
		v.stop()
		<-v.done
	}
}

// Fill embeds every queued chunk, and with a full pass due, every chunk
// without a vector of the model. On failure what was not stored stays due.
func (v *Vectors) Fill(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.qmu.Lock()
	ids := make([]string, 0, len(v.pending))
	for id := range v.pending {
		ids = append(ids, id)
	}
	full := v.full
	v.pending, v.full = map[string]bool{}, false
	v.qmu.Unlock()
	slices.Sort(ids)

	err := v.fill(ctx, ids, full)
	if err != nil {
		// Requeue all: a full pass finds any the ids missed, and what was
		// stored is skipped by both.
		v.qmu.Lock()
		for _, id := range ids {
			v.pending[id] = true
		}
		v.full = v.full || full
		v.qmu.Unlock()
	}
	return err
}

func (v *Vectors) fill(ctx context.Context, ids []string, full bool) error {
	model := v.emb.Model()
	for from := 0; from < len(ids); from += vectorBatch {
		var todo []store.ChunkToEmbed
		err := v.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			todo, err = tx.ChunksToEmbedByID(ctx, model, ids[from:min(from+vectorBatch, len(ids))])
			return err
		})
		if err == nil {
			err = v.embed(ctx, model, todo)
		}
		if err != nil {
			return err
		}
	}
	for after := ""; full; {
		var todo []store.ChunkToEmbed
		err := v.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			todo, err = tx.ChunksToEmbed(ctx, model, after, vectorBatch)
			return err
		})
		if err == nil {
			err = v.embed(ctx, model, todo)
		}
		if err != nil {
			return err
		}
		if len(todo) < vectorBatch {
			break
		}
		after = todo[len(todo)-1].ID
	}
	return nil
}

// embed computes the vectors of cs (the provider call, outside any
// transaction), then stores them in one write.
func (v *Vectors) embed(ctx context.Context, model string, cs []store.ChunkToEmbed) error {
	if len(cs) == 0 {
		return nil
	}
	texts := make([]string, len(cs))
	for i, c := range cs {
		texts[i] = c.Text
	}
	vecs, err := v.emb.Embed(ctx, texts)
	if err != nil {
		return err
	}
	if len(vecs) != len(cs) {
		return xerr.Newf(xerr.Unavailable, "embeddings: %d vectors for %d texts", len(vecs), len(cs))
	}
	enc := make([][]byte, len(vecs))
	for i, vec := range vecs {
		enc[i] = vector.Encode(vec)
	}
	return v.db.Write(ctx, func(tx *store.Tx) error {
		for i, c := range cs {
			if err := tx.ChunkVectorPut(ctx, c.ID, model, enc[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
