// Package index is Xentree's full-text search index on Bleve. It is derived
// data: SQLite is the truth, changes reach the index through the store's
// outbox, and Rebuild can always recreate it from SQLite.
//
// Every search is scoped inside the Bleve query to what the caller may see
// (owner and organizations), so totals and pages never count other users'
// content, and user text is only ever used in match queries, never parsed as
// query-string syntax.
package index

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/xentree/xentree/internal/xerr"
)

// Doc is one searchable item.
type Doc struct {
	ID        string    `json:"id"`                  // unique across types, e.g. the row's UUID
	Type      string    `json:"type"`                // message, conversation, note, transcript, document, ...
	OwnerID   string    `json:"owner_id,omitempty"`  // the user who may see it
	OrgID     string    `json:"org_id,omitempty"`    // or the organization whose members may
	ParentID  string    `json:"parent_id,omitempty"` // e.g. the conversation of a message
	Title     string    `json:"title,omitempty"`
	Body      string    `json:"body,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Op is one change: Doc to index, or DeleteID to remove.
type Op struct {
	Doc      *Doc
	DeleteID string
}

// SearchOptions describe one scoped search.
type SearchOptions struct {
	Query     string
	Phrase    bool     // match Query as a phrase
	Types     []string // empty: all types
	OwnerID   string   // the caller; at least one of OwnerID and OrgIDs is required
	OrgIDs    []string
	Size      int
	From      int
	Highlight bool
}

// Hit is one result.
type Hit struct {
	ID        string
	Type      string
	ParentID  string
	Title     string
	Snippet   string
	Score     float64
	CreatedAt time.Time
}

// Result is a page of hits and the scoped total.
type Result struct {
	Total uint64
	Hits  []Hit
}

// ErrUnscoped is returned for a search without an owner or organization.
var ErrUnscoped = errors.New("index: search without scope")

// Index is safe for concurrent use.
type Index struct {
	path string
	mu   sync.RWMutex // write-locked only to swap the index in Rebuild
	b    bleve.Index
}

// Open opens the index at path, creating it if missing. lockTimeout bounds the
// wait for another process holding the index.
func Open(path string, lockTimeout time.Duration) (*Index, error) {
	b, err := openOrCreate(path, lockTimeout)
	if err != nil {
		return nil, err
	}
	return &Index{path: path, b: b}, nil
}

func openOrCreate(path string, lockTimeout time.Duration) (bleve.Index, error) {
	cfg := map[string]any{"bolt_timeout": lockTimeout.String()}
	b, err := bleve.OpenUsing(path, cfg)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		b, err = bleve.NewUsing(path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	}
	if err != nil {
		return nil, xerr.Wrap(xerr.Unavailable, err, "search index unavailable")
	}
	return b, nil
}

func newMapping() mapping.IndexMapping {
	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.IncludeInAll = false
	stored := bleve.NewKeywordFieldMapping()
	stored.Store = true
	stored.IncludeInAll = false
	text := bleve.NewTextFieldMapping()
	text.Analyzer = en.AnalyzerName
	text.Store = true
	text.IncludeTermVectors = true // for highlighting
	date := bleve.NewDateTimeFieldMapping()
	date.IncludeInAll = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("type", stored)
	dm.AddFieldMappingsAt("owner_id", kw)
	dm.AddFieldMappingsAt("org_id", kw)
	dm.AddFieldMappingsAt("parent_id", stored)
	dm.AddFieldMappingsAt("title", text)
	dm.AddFieldMappingsAt("body", text)
	dm.AddFieldMappingsAt("created_at", date)

	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = en.AnalyzerName
	im.StoreDynamic = false
	im.IndexDynamic = false
	return im
}

// Close closes the index.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.b.Close()
}

// Apply applies ops in order as one batch: a later op on the same id wins.
func (ix *Index) Apply(ops []Op) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	batch := ix.b.NewBatch()
	for _, op := range ops {
		if op.Doc != nil {
			if err := batch.Index(op.Doc.ID, op.Doc); err != nil {
				return xerr.Internalf(err, "index: batch %s", op.Doc.ID)
			}
		} else {
			batch.Delete(op.DeleteID)
		}
	}
	if err := ix.b.Batch(batch); err != nil {
		return xerr.Wrap(xerr.Unavailable, err, "search index write failed")
	}
	return nil
}

// Count returns how many documents the index holds.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.b.DocCount()
}

// Search runs a scoped search.
func (ix *Index) Search(ctx context.Context, o SearchOptions) (Result, error) {
	if o.OwnerID == "" && len(o.OrgIDs) == 0 {
		return Result{}, ErrUnscoped
	}
	q := buildQuery(o)
	if o.Size <= 0 {
		o.Size = 10
	}
	req := bleve.NewSearchRequestOptions(q, o.Size, o.From, false)
	req.Fields = []string{"type", "parent_id", "title", "created_at"}
	if o.Highlight {
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = []string{"body", "title"}
	}
	ix.mu.RLock()
	res, err := ix.b.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil {
		return Result{}, xerr.Wrap(xerr.Unavailable, err, "search failed")
	}
	out := Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		hit := Hit{ID: h.ID, Score: h.Score}
		hit.Type, _ = h.Fields["type"].(string)
		hit.ParentID, _ = h.Fields["parent_id"].(string)
		hit.Title, _ = h.Fields["title"].(string)
		if s, ok := h.Fields["created_at"].(string); ok {
			hit.CreatedAt, _ = time.Parse(time.RFC3339Nano, s)
		}
		// Body fragments first; a doc without a body has one empty fragment.
		for _, field := range [...]string{"body", "title"} {
			if f := h.Fragments[field]; len(f) > 0 && f[0] != "" {
				hit.Snippet = f[0]
				break
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

func buildQuery(o SearchOptions) query.Query {
	scope := []query.Query{}
	if o.OwnerID != "" {
		scope = append(scope, term("owner_id", o.OwnerID))
	}
	for _, org := range o.OrgIDs {
		scope = append(scope, term("org_id", org))
	}
	must := []query.Query{bleve.NewDisjunctionQuery(scope...)}
	if len(o.Types) > 0 {
		types := make([]query.Query, 0, len(o.Types))
		for _, t := range o.Types {
			types = append(types, term("type", t))
		}
		must = append(must, bleve.NewDisjunctionQuery(types...))
	}
	text := strings.TrimSpace(o.Query)
	if text != "" {
		var title, body query.Query
		if o.Phrase {
			t := bleve.NewMatchPhraseQuery(text)
			t.SetField("title")
			t.SetBoost(2)
			b := bleve.NewMatchPhraseQuery(text)
			b.SetField("body")
			title, body = t, b
		} else {
			t := bleve.NewMatchQuery(text)
			t.SetField("title")
			t.SetBoost(2)
			b := bleve.NewMatchQuery(text)
			b.SetField("body")
			title, body = t, b
		}
		must = append(must, bleve.NewDisjunctionQuery(title, body))
	}
	return bleve.NewConjunctionQuery(must...)
}

func term(field, v string) query.Query {
	q := bleve.NewTermQuery(v)
	q.SetField(field)
	return q
}

// Rebuild replaces the index with the documents produced by each, built in a
// fresh folder beside the live one and swapped in when complete, so searches
// keep working meanwhile. progress, if not nil, is called with the count so far.
func (ix *Index) Rebuild(ctx context.Context, each func(yield func(Doc) error) error, progress func(n int)) error {
	tmp := ix.path + ".rebuild"
	_ = os.RemoveAll(tmp)
	nb, err := bleve.NewUsing(tmp, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		return xerr.Internalf(err, "index: create rebuild")
	}
	batch := nb.NewBatch()
	n := 0
	flush := func() error {
		if batch.Size() == 0 {
			return nil
		}
		if err := nb.Batch(batch); err != nil {
			return err
		}
		batch.Reset()
		if progress != nil {
			progress(n)
		}
		return nil
	}
	err = each(func(d Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := batch.Index(d.ID, d); err != nil {
			return err
		}
		n++
		if batch.Size() >= 1000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if cerr := nb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return xerr.Internalf(err, "index: rebuild")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.b.Close(); err != nil {
		return xerr.Internalf(err, "index: close for swap")
	}
	old := ix.path + ".old"
	_ = os.RemoveAll(old)
	if err := os.Rename(ix.path, old); err != nil {
		return xerr.Internalf(err, "index: swap")
	}
	if err := os.Rename(tmp, ix.path); err != nil {
		return xerr.Internalf(err, "index: swap")
	}
	_ = os.RemoveAll(old)
	b, err := bleve.Open(ix.path)
	if err != nil {
		return xerr.Wrap(xerr.Unavailable, err, "search index unavailable after rebuild")
	}
	ix.b = b
	return nil
}
