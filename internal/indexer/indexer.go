// Package indexer moves search changes from the store's outbox into the
// search index: Bleve beside a SQLite store, the search_docs table of a
// PostgreSQL one. One goroutine wakes on every commit that queued changes,
// takes what is pending (so batches grow under load), reads the rows it
// refers to, applies them in batches and only then deletes each batch's outbox
// rows: a crash at any point leaves the rows to be applied again at the next
// start, and applying twice is harmless because indexing by id is idempotent.
package indexer

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
)

// BatchSize bounds one drain step, which is one Bleve batch. Larger steps
// built as several segments at once (one a core) were tried: under a create
// load that left the indexer behind they took a server's peak RSS from 180
// to 410 MiB, and a 20 MiB upload was no faster end to end
// (docs/performance.md).
const BatchSize = 1000

// Index is where the indexer writes: the Bleve index (store/index) of a
// SQLite store, or the search table of a PostgreSQL one (store/postgres).
type Index interface {
	Apply(ctx context.Context, ops []index.Op) error
	Rebuild(ctx context.Context, each func(yield func(index.Doc) error) error, progress func(n int)) error
}

// Indexer is the outbox consumer.
type Indexer struct {
	db     *store.DB
	ix     Index
	log    *slog.Logger
	now    func() time.Time
	poll   time.Duration
	delay  time.Duration
	wake   chan struct{}
	mu     sync.Mutex // one drain at a time; Rebuild holds it throughout
	lastAt atomic.Int64
	done   chan struct{}
	stop   context.CancelFunc

	indexed func(typ string, ids []string) // see OnIndexed
}

// New returns an Indexer; Start runs it. poll is how often it looks for
// work nobody announced; delay is how long it lets work accumulate after a
// wake-up, so a burst of writes becomes one Bleve batch instead of many
// (each batch is a segment that Bleve must later merge).
func New(db *store.DB, ix Index, log *slog.Logger, now func() time.Time, poll, delay time.Duration) *Indexer {
	return &Indexer{db: db, ix: ix, log: log, now: now, poll: poll, delay: delay, wake: make(chan struct{}, 1)}
}

// OnIndexed sets a function called after each applied batch with the ids
// of the documents of each type it indexed (not those it removed). It must
// not block: the Engine queues chunks for their vectors with it. Set it
// before Start.
func (x *Indexer) OnIndexed(fn func(typ string, ids []string)) { x.indexed = fn }

// Notify wakes the indexer; it never blocks.
func (x *Indexer) Notify() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Start launches the goroutine. It also polls every poll interval, so changes
// committed by another process (a CLI command) are picked up too.
func (x *Indexer) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	x.stop = cancel
	x.done = make(chan struct{})
	go func() {
		defer close(x.done)
		t := time.NewTicker(x.poll)
		defer t.Stop()
		var lastEnd time.Time // of the last drain, on the real clock time.After uses
		var retry <-chan time.Time
		busyWait := busyRetry
		for {
			select {
			case <-ctx.Done():
				return
			case <-retry:
			case <-x.wake:
				// The delay only batches a burst: after a quiet spell the
				// first change is applied at once (a lone write or a large
				// document becomes searchable without waiting), and only
				// wake-ups that follow a drain closely wait and accumulate.
				if x.delay > 0 && time.Since(lastEnd) < x.delay {
					select {
					case <-ctx.Done():
						return
					case <-time.After(x.delay):
					}
				}
			case <-t.C:
			}
			retry = nil
			ran, err := x.tryDrain(ctx)
			if err != nil && ctx.Err() == nil {
				x.log.Error("indexer: drain failed; will retry", "err", err)
			}
			if !ran && err == nil {
				// Another node is draining. It drains to the end, but a
				// change this node committed after its last read would
				// wait for the poll: look again soon, then less and less
				// often while the lock stays taken (a rebuild holds it
				// for minutes).
				retry = time.After(max(x.delay, busyWait))
				busyWait = min(2*busyWait, x.poll)
				continue
			}
			busyWait = busyRetry
			lastEnd = time.Now()
		}
	}()
}

// Stop ends the goroutine after its current batch.
func (x *Indexer) Stop() {
	if x.stop != nil {
		x.stop()
		<-x.done
	}
}

// busyRetry is how soon the indexer looks again when another node held
// the outbox.
const busyRetry = 20 * time.Millisecond

// tryDrain is Drain unless another node is draining: the background loop
// does not keep a connection waiting for that node's lock (two nodes'
// requests then queued for the pool behind it: p99 went from 10 ms to
// 0.3-1.6 s on a list load while the index caught up).
func (x *Indexer) tryDrain(ctx context.Context) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.db.TryExclusive(ctx, "indexer", func() error { return x.drain(ctx) })
}

// Drain applies everything pending at the time of the call, a step of up
// to BatchSize operations at a time, in order, waiting for another node's
// drain to end first.
func (x *Indexer) Drain(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	// On PostgreSQL every node's indexer drains the one outbox: one at a
	// time, or a node could apply a row it read before another node
	// applied a newer version of it.
	return x.db.Exclusive(ctx, "indexer", func() error { return x.drain(ctx) })
}

func (x *Indexer) drain(ctx context.Context) error {
	for {
		pending, ops, err := x.read(ctx)
		if err != nil || len(pending) == 0 {
			return err
		}
		if err := x.apply(ctx, pending, ops); err != nil {
			return err
		}
		if len(pending) < BatchSize {
			return nil
		}
	}
}

// read reads the oldest pending operations and the rows they refer to, in
// one snapshot, and returns them with their index operations.
func (x *Indexer) read(ctx context.Context) ([]store.OutboxOp, []index.Op, error) {
	var pending []store.OutboxOp
	var docs map[string]*index.Doc
	// An empty outbox is one statement, a pending one more: the list
	// and its rows must come from one snapshot every time.
	err := x.db.ReadSnapshot(ctx, func(tx *store.Tx) error {
		var err error
		if pending, err = tx.OutboxPending(ctx, BatchSize); err != nil {
			return err
		}
		docs, err = load(ctx, tx, pending)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	ops := make([]index.Op, 0, len(pending))
	for _, p := range pending {
		if d, ok := docs[p.DocID]; ok && !p.Delete {
			ops = append(ops, index.Op{Doc: d})
			continue
		}
		// A delete, or a row that is gone by now (its own delete is queued
		// behind it): either way the index must not hold it.
		ops = append(ops, index.Op{DeleteID: p.DocID})
	}
	return pending, ops, nil
}

// apply applies a step's operations to the index as one batch and only
// then deletes their outbox rows. ops[i] is pending[i]'s.
func (x *Indexer) apply(ctx context.Context, pending []store.OutboxOp, ops []index.Op) error {
	if err := x.ix.Apply(ctx, ops); err != nil {
		return err
	}
	if err := x.db.OutboxAck(ctx, pending); err != nil {
		return err
	}
	x.lastAt.Store(x.now().UnixMilli())
	if x.indexed != nil {
		byType := map[string][]string{}
		for _, op := range ops {
			if op.Doc != nil {
				byType[op.Doc.Type] = append(byType[op.Doc.Type], op.Doc.ID)
			}
		}
		for typ, ids := range byType {
			x.indexed(typ, ids)
		}
	}
	return nil
}

// load reads the rows that pending's index operations refer to, in the
// snapshot that listed them, as the documents to index.
func load(ctx context.Context, tx *store.Tx, pending []store.OutboxOp) (map[string]*index.Doc, error) {
	byType := map[string][]string{}
	for _, p := range pending {
		if !p.Delete {
			byType[p.Type] = append(byType[p.Type], p.DocID)
		}
	}
	docs := make(map[string]*index.Doc, len(pending))
	for typ, ids := range byType {
		rows, err := tx.SearchSourcesByID(ctx, typ, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			d := DocOf(r)
			docs[d.ID] = &d
		}
	}
	return docs, nil
}

// LastIndexedAt is when a batch was last applied (zero if never, this run).
func (x *Indexer) LastIndexedAt() time.Time {
	ms := x.lastAt.Load()
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Rebuild recreates the index from the documents each yields, holding the
// drain lock so no outbox change is applied to the index being replaced;
// changes queued meanwhile are applied to the new one right after.
func (x *Indexer) Rebuild(ctx context.Context, each func(yield func(index.Doc) error) error, progress func(int)) error {
	x.mu.Lock()
	err := x.db.Exclusive(ctx, "indexer", func() error { return x.ix.Rebuild(ctx, each, progress) })
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if err := x.Drain(ctx); err != nil {
		return xerr.Internalf(err, "indexer: drain after rebuild")
	}
	return nil
}

// DocOf is the search document of a stored row: the row's id is the doc id
// (UUIDs are unique across tables), and the owner is inside the document so
// every query can be scoped by it. The outbox and a rebuild both use it, so
// a change is indexed exactly as a rebuild would index it.
func DocOf(r store.SearchSource) index.Doc {
	return index.Doc{ID: r.ID, Type: r.Type, OwnerID: r.UserID, OrgID: r.OrgID, ParentID: r.ParentID, Title: r.Title, Body: r.Body,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), Position: r.Position}
}
