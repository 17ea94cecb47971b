// Package index is Xentree's full-text search index on Bleve. It is derived
// data: SQLite is the truth, changes reach the index through the store's
// outbox, and Rebuild can always recreate it from SQLite.
//
// Every search is scoped inside the Bleve query to what the caller may see
// (owner and organizations), so totals and pages never count other users'
// content, and user text is only ever analysed into terms, never parsed as
// query-string syntax.
//
// Scoping is built into the terms themselves: besides the stored title and
// body, each document indexes its analysed words prefixed with its scope
// and type ("u:<owner>|message|glacier"). A search is then a disjunction of
// such terms, whose postings hold only that scope's documents. Scoring needs
// term frequencies, and Bleve advances a scoring postings list linearly, so
// intersecting a common word with an owner filter would cost time in
// proportion to the whole index; prefixed terms cost in proportion to the
// caller's own content.
package index

import (
	"cmp"
	"context"
	"errors"
	"html"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bolterrors "go.etcd.io/bbolt/errors"

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
	Position  int       `json:"position,omitempty"` // e.g. a chunk's place in its document
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
	ParentIDs []string // if set, only documents with one of these parents
	Size      int
	From      int
	Highlight bool
	// Paged: the caller pages through the hits with From, so the page's
	// edges must be exact when equal scores cross them (see page).
	Paged bool
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
	Position  int
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
	stale   bool // built with an older mapping: Rebuild it
	created bool // did not exist before Open
	path    string
	en      analysis.Analyzer // English: snippets
	words   *englishTerms     // English: index and query terms
	mu      sync.RWMutex      // write-locked only to swap the index in Rebuild
	b       bleve.Index
}

// Open opens the index at path, creating it if missing. lockTimeout bounds the
// wait for another process holding the index.
func Open(path string, lockTimeout time.Duration) (*Index, error) {
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	b, err := openOrCreate(path, lockTimeout)
	if err != nil {
		return nil, err
	}
	en := b.Mapping().AnalyzerNamed(textAnalyzer)
	ix := &Index{path: path, b: b, en: en, words: newEnglishTerms(en)}
	ix.created = created
	ix.stale = !created && !current(b.Mapping())
	if v, err := b.GetInternal(analysisKey); err != nil || string(v) != analysisVersion {
		ix.stale = !created
	}
	return ix, nil
}

// current reports whether an index was built with this version's mapping:
// BM25 scoring, and the fields added since the first version (stext, which
// holds title and body as one text, replaced stitle and sbody).
func current(m mapping.IndexMapping) bool {
	im, ok := m.(*mapping.IndexMappingImpl)
	if !ok || im.ScoringModel != scoringModel || im.DefaultMapping == nil {
		return false
	}
	for _, f := range []string{"position", "parent_id", scopedText} {
		p := im.DefaultMapping.Properties[f]
		if p == nil || len(p.Fields) == 0 || (f == "parent_id" && !p.Fields[0].Index) {
			return false
		}
	}
	return true
}

// Created reports whether Open created the index: beside a database that
// already holds content (a lost index folder), it must be rebuilt.
func (ix *Index) Created() bool { return ix.created }

// Stale reports whether the index was built by an older Xentree with
// another mapping. It still answers, but until Rebuild runs, its ranking
// (and newer filters) may differ.
func (ix *Index) Stale() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.stale
}

func openOrCreate(path string, lockTimeout time.Duration) (bleve.Index, error) {
	cfg := map[string]any{"bolt_timeout": lockTimeout.String()}
	b, err := bleve.OpenUsing(path, cfg)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		b, err = newIndex(path, cfg)
	}
	if errors.Is(err, bolterrors.ErrTimeout) { // its lock: another process has it open
		return nil, xerr.Newf(xerr.Unavailable, "the search index %s is in use by another xentree process (is a server running on this folder? "+
			"a running server reindexes with POST /api/core/search/reindex)", path)
	}
	if err != nil {
		return nil, xerr.Wrap(xerr.Unavailable, err, "search index unavailable")
	}
	return b, nil
}

// newIndex creates an index at path with this version's mapping, marked as
// analysed by this version's analysis.
func newIndex(path string, cfg map[string]any) (bleve.Index, error) {
	b, err := bleve.NewUsing(path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return nil, err
	}
	if err := b.SetInternal(analysisKey, []byte(analysisVersion)); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// analysisVersion names the way text becomes terms (englishTerms), kept in
// the index under analysisKey: an index whose terms were made another way
// is Stale, since its documents no longer match the queries' terms. 2: a
// full stop or colon between letters separates words (splitJoined).
var analysisKey = []byte("xentree.analysis")

const analysisVersion = "2"

// AnalysisVersion names the analysis that makes this version's terms, for
// a search index kept elsewhere (the PostgreSQL store records it beside its
// terms and rebuilds them when it differs).
const AnalysisVersion = analysisVersion

// scoringModel is BM25: its saturating term frequency and length
// normalisation rank passages better than TF-IDF (see the knowledge
// evaluation test). An index built with another model is Stale.
const scoringModel = "bm25"

// Field and analyzer names.
const (
	scopedAnalyzer = "xentree_scoped" // splits the pre-analysed, prefixed terms on spaces
	textAnalyzer   = en.AnalyzerName  // English: lower-case, stop words, Porter stemming
	// scopedText holds a document's title and body terms as one text of two
	// parts (array elements, so a phrase never spans them), scored as one
	// field. Title and body used to be separate fields with titles
	// weighing double; one field ranks better, because BM25 scored a
	// title's few words against other titles only and over-rewarded them:
	// on the CISI collection nDCG@10 0.351 → 0.414, and on the project's own
	// set MRR 0.803 → 0.856 (docs/evaluation.md, "Retrieval").
	scopedText = "stext"
)

func newMapping() mapping.IndexMapping {
	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.IncludeInAll = false
	kw.DocValues = false
	stored := bleve.NewKeywordFieldMapping()
	stored.Store = true
	stored.Index = false
	stored.IncludeInAll = false
	stored.DocValues = false
	date := bleve.NewDateTimeFieldMapping()
	date.IncludeInAll = false
	date.Index = false
	date.DocValues = false
	scoped := bleve.NewTextFieldMapping()
	scoped.Analyzer = scopedAnalyzer
	scoped.Store = false
	scoped.IncludeInAll = false
	scoped.DocValues = false // nothing sorts or facets on it; positions stay for phrases

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("type", stored)
	dm.AddFieldMappingsAt("owner_id", kw)
	dm.AddFieldMappingsAt("org_id", kw)
	parent := bleve.NewKeywordFieldMapping() // stored, and indexed for the ParentIDs filter
	parent.Analyzer = keyword.Name
	parent.Store = true
	parent.IncludeInAll = false
	parent.DocValues = false
	dm.AddFieldMappingsAt("parent_id", parent)
	dm.AddFieldMappingsAt("title", stored)
	dm.AddFieldMappingsAt("body", stored)
	dm.AddFieldMappingsAt("created_at", date)
	pos := bleve.NewNumericFieldMapping()
	pos.Index = false
	pos.IncludeInAll = false
	pos.DocValues = false
	dm.AddFieldMappingsAt("position", pos)
	dm.AddFieldMappingsAt(scopedText, scoped)

	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(scopedAnalyzer, map[string]any{"type": custom.Name, "tokenizer": whitespace.Name}); err != nil {
		panic(err) // static configuration: fails only if Bleve's names change
	}
	im.DefaultMapping = dm
	im.DefaultAnalyzer = scopedAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.ScoringModel = scoringModel
	return im
}

// scopeKeys are the term prefixes a document is visible under, or a search
// may look in.
func scopeKeys(ownerID string, orgIDs ...string) []string {
	var keys []string
	if ownerID != "" {
		keys = append(keys, "u:"+ownerID)
	}
	for _, o := range orgIDs {
		if o != "" {
			keys = append(keys, "o:"+o)
		}
	}
	return keys
}

// terms analyses text as English into its index terms, in order.
func (ix *Index) terms(text string) []string { return ix.words.appendTerms(nil, text) }

// bleveDoc is what Bleve stores and indexes for d: its fields as the
// mapping maps them, but for scopedText, which the mapping maps from "" and
// which is then replaced with the scoped terms of title and body
// (scopedField; m's field options stay).
func (ix *Index) bleveDoc(m mapping.IndexMapping, d *Doc) (*document.Document, error) {
	doc := document.NewDocument(d.ID)
	err := m.MapDocument(doc, map[string]any{
		"type": d.Type, "owner_id": d.OwnerID, "org_id": d.OrgID, "parent_id": d.ParentID,
		"title": d.Title, "body": d.Body, "created_at": d.CreatedAt, "position": d.Position,
		scopedText: "",
	})
	if err != nil {
		return nil, err
	}
	var prefixes []string
	for _, sc := range scopeKeys(d.OwnerID, d.OrgID) {
		prefixes = append(prefixes, sc+"|"+d.Type+"|")
	}
	for i, f := range doc.Fields {
		if f.Name() == scopedText {
			doc.Fields[i] = &scopedField{words: ix.words, opts: f.Options(), prefixes: prefixes, parts: [2]string{d.Title, d.Body}}
		}
	}
	return doc, nil
}

// Close closes the index.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.b.Close()
}

// Apply applies ops in order as one batch: a later op on the same id wins.
func (ix *Index) Apply(_ context.Context, ops []Op) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	batch := ix.b.NewBatch()
	m := ix.b.Mapping()
	for _, op := range ops {
		if op.Doc != nil {
			doc, err := ix.bleveDoc(m, op.Doc)
			if err == nil {
				err = batch.IndexAdvanced(doc)
			}
			if err != nil {
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
func (ix *Index) Count(context.Context) (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.b.DocCount()
}

// Search runs a scoped search. Types must name the types to search (the
// caller knows its domain's types; the index does not).
func (ix *Index) Search(ctx context.Context, o SearchOptions) (Result, error) {
	scopes := scopeKeys(o.OwnerID, o.OrgIDs...)
	if len(scopes) == 0 {
		return Result{}, ErrUnscoped
	}
	if len(o.Types) == 0 {
		return Result{}, errors.New("index: search without types")
	}
	if o.Size <= 0 {
		o.Size = 10
	}
	terms := ix.terms(o.Query)
	if len(terms) == 0 {
		return Result{Hits: []Hit{}}, nil // only stop words or punctuation
	}
	q := buildQuery(scopes, o.Types, terms, o.Phrase)
	if len(o.ParentIDs) > 0 {
		var ps []query.Query
		for _, id := range o.ParentIDs {
			t := bleve.NewTermQuery(id)
			t.SetField("parent_id")
			ps = append(ps, t)
		}
		filter := bleve.NewDisjunctionQuery(ps...)
		q = bleve.NewConjunctionQuery(q, filter)
	}
	res, hits, err := ix.page(ctx, q, o.From, o.Size, o.Paged)
	if err != nil {
		return Result{}, xerr.Wrap(xerr.Unavailable, err, "search failed")
	}
	want := map[string]bool{}
	for _, t := range terms {
		want[t] = true
	}
	out := Result{Total: res.Total, Hits: make([]Hit, 0, len(hits))}
	for _, h := range hits {
		hit := Hit{ID: h.ID, Score: h.Score}
		hit.Type, _ = h.Fields["type"].(string)
		hit.ParentID, _ = h.Fields["parent_id"].(string)
		hit.Title, _ = h.Fields["title"].(string)
		if p, ok := h.Fields["position"].(float64); ok {
			hit.Position = int(p)
		}
		if s, ok := h.Fields["created_at"].(string); ok {
			hit.CreatedAt, _ = time.Parse(time.RFC3339Nano, s)
		}
		if o.Highlight {
			body, _ := h.Fields["body"].(string)
			if hit.Snippet = ix.snippet(body, want); hit.Snippet == "" {
				hit.Snippet = ix.snippet(hit.Title, want)
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

var hitFields = []string{"type", "parent_id", "title", "created_at", "body", "position"}

// page returns the hits from..from+size in the order score descending, then
// id. Bleve orders equal scores by segment layout, which a merge between two
// page requests changes, so paging could skip or repeat a hit; the PostgreSQL
// search orders the same way. Sorting on _id in Bleve loads every matching
// document's id (4x slower on a 10k-chunk knowledge base), so the page is
// fetched with one neighbour on each side and that sort is paid only when a
// tie crosses the page's edge of a paged search; ties inside the page are
// ordered here. An unpaged search (one page, no offset: the knowledge
// search) keeps whichever of the tied hits Bleve found first.
func (ix *Index) page(ctx context.Context, q query.Query, from, size int, paged bool) (*bleve.SearchResult, search.DocumentMatchCollection, error) {
	lo := min(from, 1)
	req := bleve.NewSearchRequestOptions(q, size+lo+1, from-lo, false)
	req.Fields = hitFields
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res, err := ix.b.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	hits := res.Hits
	tied := paged && ((lo == 1 && len(hits) > 1 && hits[0].Score == hits[1].Score) ||
		(len(hits) > lo+size && hits[lo+size-1].Score == hits[lo+size].Score))
	if tied {
		req = bleve.NewSearchRequestOptions(q, size, from, false)
		req.Fields = hitFields
		req.SortBy([]string{"-_score", "_id"})
		if res, err = ix.b.SearchInContext(ctx, req); err != nil {
			return nil, nil, err
		}
		return res, res.Hits, nil
	}
	hits = hits[min(lo, len(hits)):min(lo+size, len(hits))]
	slices.SortStableFunc(hits, func(a, b *search.DocumentMatch) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return res, hits, nil
}

// buildQuery matches any of the terms (or the phrase) in the given scopes
// and types, in title and body alike. A word the query repeats counts as
// often as it occurs (long, descriptive queries rank better for it).
func buildQuery(scopes, types, terms []string, phrase bool) query.Query {
	var qs []query.Query
	for _, sc := range scopes {
		for _, typ := range types {
			prefix := sc + "|" + typ + "|"
			if phrase && len(terms) > 1 {
				pt := make([]string, len(terms))
				for i, t := range terms {
					pt[i] = prefix + t
				}
				qs = append(qs, bleve.NewPhraseQuery(pt, scopedText))
				continue
			}
			for _, t := range terms {
				q := bleve.NewTermQuery(prefix + t)
				q.SetField(scopedText)
				qs = append(qs, q)
			}
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Snippet limits: about this many bytes of context around the first match.
const (
	snippetBefore = 60
	snippetAfter  = 140
)

// snippet returns an HTML fragment of text around its first word whose term
// is wanted, with every matching word in <mark>, or "" if none matches.
func (ix *Index) snippet(text string, want map[string]bool) string { return snippet(ix.en, text, want) }

func snippet(en analysis.Analyzer, text string, want map[string]bool) string {
	if text == "" {
		return ""
	}
	var marks [][2]int
	for _, t := range en.Analyze([]byte(splitJoined(text))) {
		if want[string(t.Term)] {
			marks = append(marks, [2]int{t.Start, t.End})
		}
	}
	if len(marks) == 0 {
		return ""
	}
	from := wordStart(text, max(0, marks[0][0]-snippetBefore))
	to := wordEnd(text, min(len(text), marks[0][1]+snippetAfter))
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, m := range marks {
		if m[0] < pos || m[1] > to {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:m[0]]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m[0]:m[1]]))
		b.WriteString("</mark>")
		pos = m[1]
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// wordStart moves i back to the start of a word (and a rune).
func wordStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	for j := i; j > 0 && j > i-20; j-- {
		if s[j-1] == ' ' || s[j-1] == '\n' {
			return j
		}
	}
	return i
}

// wordEnd moves i forward to the end of a word (and a rune).
func wordEnd(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	for j := i; j < len(s) && j < i+20; j++ {
		if s[j] == ' ' || s[j] == '\n' {
			return j
		}
	}
	return i
}

// Rebuild replaces the index with the documents produced by each, built in a
// fresh folder beside the live one and swapped in when complete, so searches
// keep working meanwhile. progress, if not nil, is called with the count so far.
func (ix *Index) Rebuild(ctx context.Context, each func(yield func(Doc) error) error, progress func(n int)) error {
	tmp := ix.path + ".rebuild"
	_ = os.RemoveAll(tmp)
	nb, err := newIndex(tmp, nil)
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
		doc, err := ix.bleveDoc(nb.Mapping(), &d)
		if err == nil {
			err = batch.IndexAdvanced(doc)
		}
		if err != nil {
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
	ix.stale = false
	return nil
}
