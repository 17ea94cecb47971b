package xentree

import (
	"context"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/indexer"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/xtime"
)

var errIndexDisabled = xerr.New(xerr.Unavailable, "search is not available in this process (the index is disabled)")

// Search finds user's own conversations, messages, notes, Live transcripts
// and knowledge chunks (of their own documents, not an organization's). The
// query is plain text (words, or a "quoted phrase"), never query syntax.
// Every hit is confirmed against the store, so deleted content never shows.
func (e *Engine) Search(ctx context.Context, user User, req conversation.SearchRequest) (conversation.SearchResponse, error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return conversation.SearchResponse{}, err
	}
	if err := req.Validate(10, 50); err != nil {
		return conversation.SearchResponse{}, err
	}
	if e.ix == nil {
		return conversation.SearchResponse{}, errIndexDisabled
	}
	q, phrase := req.Query, false
	if len(q) >= 2 && strings.HasPrefix(q, `"`) && strings.HasSuffix(q, `"`) {
		q, phrase = strings.TrimSpace(strings.Trim(q, `"`)), true
		if q == "" {
			return conversation.SearchResponse{}, xerr.InvalidField("q", "is required")
		}
	}
	// A small semaphore keeps a burst of searches from starving writes.
	if err := acquire(ctx, e.searchSem, "search cancelled"); err != nil {
		return conversation.SearchResponse{}, err
	}
	defer func() { <-e.searchSem }()
	types, err := allowedSearchTypes(user, req.Types)
	if err != nil {
		return conversation.SearchResponse{}, err
	}
	res, err := e.ix.Search(ctx, index.SearchOptions{
		Query: q, Phrase: phrase, Types: types, OwnerID: user.ID,
		Size: req.Limit, From: req.Offset, Highlight: true, Paged: true,
	})
	if err != nil {
		return conversation.SearchResponse{}, err
	}
	byType := map[string][]string{}
	for _, h := range res.Hits {
		byType[h.Type] = append(byType[h.Type], h.ID)
	}
	visible := map[string]store.Visible{}
	docOf := map[string]string{} // chunk id -> its document's id
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		for typ, hitIDs := range byType {
			var m map[string]store.Visible
			var err error
			switch typ {
			case conversation.TypeMessage:
				m, err = tx.VisibleMessages(ctx, user.ID, hitIDs)
			case conversation.TypeConversation:
				m, err = tx.VisibleConversations(ctx, user.ID, hitIDs)
			case conversation.TypeNote:
				m, err = tx.VisibleNotes(ctx, user.ID, hitIDs)
			case conversation.TypeTranscript:
				m, err = tx.VisibleTranscripts(ctx, user.ID, hitIDs)
			case knowledge.TypeChunk:
				var cs map[string]store.VisibleChunk
				cs, err = tx.VisibleChunks(ctx, user.ID, "", hitIDs)
				m = make(map[string]store.Visible, len(cs))
				for id, c := range cs {
					m[id] = store.Visible{Title: knowledge.ChunkTitle(c.Title, c.Heading), CreatedAt: c.CreatedAt}
					docOf[id] = c.DocumentID
				}
			}
			if err != nil {
				return err
			}
			for id, v := range m {
				visible[id] = v
			}
		}
		return nil
	})
	if err != nil {
		return conversation.SearchResponse{}, err
	}
	out := conversation.SearchResponse{Query: req.Query, Total: res.Total, Hits: make([]conversation.SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		v, ok := visible[h.ID]
		if !ok {
			// Deleted but not yet removed from the index.
			if out.Total > 0 {
				out.Total--
			}
			continue
		}
		hit := conversation.SearchHit{Type: h.Type, ID: h.ID, ConversationID: v.ConversationID, Title: v.Title,
			Snippet: h.Snippet, Score: h.Score, CreatedAt: xtime.FromMillis(v.CreatedAt)}
		if doc := docOf[h.ID]; doc != "" {
			hit.ID, hit.DocumentID, hit.ChunkID = doc, doc, h.ID
		}
		if hit.Snippet == "" {
			hit.Snippet = html.EscapeString(v.Title) // snippets are HTML, like the highlighted ones
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// reindexState tracks a running or finished rebuild.
type reindexState struct {
	mu    sync.Mutex
	st    *conversation.ReindexStatus
	done  chan struct{}      // closed when the current run ends
	watch func(n, total int) // AwaitReindex's progress, if one waits
}

// wait blocks until a running reindex ends.
func (r *reindexState) wait(ctx context.Context) error {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return xerr.Wrap(xerr.Unavailable, ctx.Err(), "cancelled while waiting for the reindex")
	}
}

// SearchStatus reports the index's size, backlog and health (admins only).
func (e *Engine) SearchStatus(ctx context.Context, user User) (conversation.SearchStatus, error) {
	if err := user.Allow(auth.ScopeAPIAdmin); err != nil {
		return conversation.SearchStatus{}, err
	}
	if !user.IsAdmin() {
		return conversation.SearchStatus{}, xerr.New(xerr.Forbidden, "administrators only")
	}
	pending, oldest, err := e.db.OutboxStats(ctx)
	if err != nil {
		return conversation.SearchStatus{}, err
	}
	st := conversation.SearchStatus{Pending: pending}
	if oldest != 0 {
		st.LagSeconds = max(0, e.cfg.Clock.Now().Sub(time.UnixMilli(oldest)).Seconds())
	}
	if e.ix == nil {
		return st, nil
	}
	if st.Documents, err = e.ix.Count(ctx); err == nil {
		st.Healthy = st.LagSeconds < 60
	}
	if t := e.indexer.LastIndexedAt(); !t.IsZero() {
		x := xtime.Of(t)
		st.LastIndexedAt = &x
	}
	e.reindex.mu.Lock()
	if e.reindex.st != nil {
		r := *e.reindex.st
		st.Reindex = &r
	}
	e.reindex.mu.Unlock()
	return st, nil
}

// Reindex rebuilds the search index from the store in the background
// (admins only); SearchStatus reports its progress. A second call while one
// runs is a Conflict.
func (e *Engine) Reindex(ctx context.Context, user User) error {
	if err := user.Allow(auth.ScopeAPIAdmin); err != nil {
		return err
	}
	if !user.IsAdmin() {
		return xerr.New(xerr.Forbidden, "administrators only")
	}
	if e.ix == nil {
		return errIndexDisabled
	}
	return e.startReindex()
}

// AwaitReindex waits for a rebuild of the index running in the background
// (Open starts one for a new or stale index), reporting its progress, and
// reports whether there was one: a command that would rebuild the index
// itself right after Open waits for that one instead of building it twice.
func (e *Engine) AwaitReindex(ctx context.Context, progress func(done, total int)) (bool, error) {
	e.reindex.mu.Lock()
	started := e.reindex.st != nil // running, or already done
	if started {
		e.reindex.watch = progress
	}
	e.reindex.mu.Unlock()
	if !started {
		return false, nil
	}
	if err := e.reindex.wait(ctx); err != nil {
		return true, err
	}
	e.reindex.mu.Lock()
	defer e.reindex.mu.Unlock()
	e.reindex.watch = nil
	if e.reindex.st.Error != "" {
		return true, xerr.New(xerr.Unavailable, "the search index rebuild failed; see the log")
	}
	if progress != nil { // the last figures, should the run have ended before the wait
		progress(e.reindex.st.Indexed, e.reindex.st.Total)
	}
	return true, nil
}

// RebuildIndexOnce rebuilds the index, or, when Open already began to
// (a new or stale index), waits for that rebuild instead of doing it twice.
func (e *Engine) RebuildIndexOnce(ctx context.Context, progress func(done, total int)) error {
	ran, err := e.AwaitReindex(ctx, progress)
	if err != nil || ran {
		return err
	}
	return e.RebuildIndex(ctx, progress)
}

// startReindex starts the background rebuild; a Conflict if one runs.
func (e *Engine) startReindex() error {
	e.reindex.mu.Lock()
	defer e.reindex.mu.Unlock()
	if e.reindex.st != nil && e.reindex.st.Running {
		return &xerr.Error{Kind: xerr.Conflict, Code: "reindex_running", Message: "a reindex is already running"}
	}
	e.reindex.st = &conversation.ReindexStatus{Running: true, StartedAt: xtime.Of(e.cfg.Clock.Now())}
	done := make(chan struct{})
	e.reindex.done = done
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		defer close(done)
		// Detached from the request, bounded by the engine's life.
		rctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-e.stop:
				cancel()
			case <-rctx.Done():
			}
		}()
		err := e.RebuildIndex(rctx, func(n, total int) {
			e.reindex.mu.Lock()
			e.reindex.st.Indexed, e.reindex.st.Total = n, total
			watch := e.reindex.watch
			e.reindex.mu.Unlock()
			if watch != nil {
				watch(n, total)
			}
		})
		e.reindex.mu.Lock()
		defer e.reindex.mu.Unlock()
		e.reindex.st.Running = false
		now := xtime.Of(e.cfg.Clock.Now())
		e.reindex.st.FinishedAt = &now
		if err != nil {
			e.reindex.st.Error = "reindex failed; see the server log"
			e.log.Error("reindex failed", "err", err)
		}
	}()
	return nil
}

// searchTypes lists the store's searchable row types, in rebuild order.
var searchTypes = []string{conversation.TypeConversation, conversation.TypeMessage, conversation.TypeNote, conversation.TypeTranscript, knowledge.TypeChunk}

// RebuildIndex rebuilds the search index from the store synchronously,
// calling progress (if not nil) with the number of documents indexed so far
// and the number the store held when the rebuild began.
func (e *Engine) RebuildIndex(ctx context.Context, progress func(done, total int)) error {
	if e.ix == nil {
		return errIndexDisabled
	}
	var total int
	if err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		total, err = tx.SearchableCount(ctx)
		return err
	}); err != nil {
		return err
	}
	var counted func(int)
	if progress != nil {
		progress(0, total)
		counted = func(n int) { progress(n, total) }
	}
	return e.indexer.Rebuild(ctx, func(yield func(index.Doc) error) error {
		for _, typ := range searchTypes {
			after := ""
			for {
				var rows []store.SearchSource
				err := e.db.Read(ctx, func(tx *store.Tx) error {
					var err error
					rows, err = tx.SearchSources(ctx, typ, after, 1000)
					return err
				})
				if err != nil {
					return err
				}
				for _, r := range rows {
					if err := yield(indexer.DocOf(r)); err != nil {
						return err
					}
				}
				if len(rows) < 1000 {
					break
				}
				after = rows[len(rows)-1].ID
			}
		}
		return nil
	}, counted)
}

// typeScopes are the scopes, beyond conversations:read, that an API key
// needs to search a type: transcripts are Live's and passages the
// knowledge base's, whose own routes need these.
var typeScopes = map[string]string{
	conversation.TypeTranscript: auth.ScopeLiveRead,
	knowledge.TypeChunk:         auth.ScopeRAGRead,
}

// allowedSearchTypes are the types a search looks in: those asked for, each
// allowed to the caller (else 403), or by default every type the caller
// may search.
func allowedSearchTypes(user User, asked []string) ([]string, error) {
	if len(asked) > 0 {
		for _, t := range asked {
			if sc, ok := typeScopes[t]; ok {
				if err := user.Allow(sc); err != nil {
					return nil, err
				}
			}
		}
		return asked, nil
	}
	var types []string
	for _, t := range conversation.SearchTypes {
		if sc, ok := typeScopes[t]; !ok || user.Allow(sc) == nil {
			types = append(types, t)
		}
	}
	return types, nil
}
