package xentree

import (
	"cmp"
	"context"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/extract"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/vector"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
)

var errDocumentNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "document not found"}

// ragSystem frames a knowledge question; ai.SystemPrompt adds the passages
// and the instruction to answer only from them.
const ragSystem = "You are Xentree, a learning assistant answering from the user's knowledge base."

// nothingFound is the answer when retrieval finds nothing relevant: said
// plainly rather than left to a model that might invent one.
const nothingFound = "I could not find anything about that in the knowledge base, so I cannot answer it from there."

// CreateDocument adds a document to the caller's knowledge base, or to an
// organization's when OrganizationID is set (any member may add). The text
// is extracted (text, Markdown, HTML, PDF), cut into chunks, stored and
// indexed in one transaction: a refused or failed upload leaves nothing.
func (e *Engine) CreateDocument(ctx context.Context, user User, req knowledge.CreateRequest) (knowledge.Document, error) {
	if err := user.Allow(auth.ScopeRAGWrite); err != nil {
		return knowledge.Document{}, err
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return knowledge.Document{}, err
	}
	data, declared := req.File, req.ContentType
	if data == nil {
		data = []byte(req.Content)
		if declared == "" {
			declared = knowledge.TypeText
		}
	}
	if int64(len(data)) > e.cfg.Limits.MaxUploadBytes {
		return knowledge.Document{}, &xerr.Error{Kind: xerr.TooLarge, Field: "file",
			Message: "a document may be at most " + humanBytes(e.cfg.Limits.MaxUploadBytes)}
	}
	if req.OrganizationID != "" && !ids.Valid(req.OrganizationID) {
		return knowledge.Document{}, errOrgNotFound
	}
	if err := acquire(ctx, e.extractSem, "upload cancelled while waiting for its turn"); err != nil {
		return knowledge.Document{}, err
	}
	ctype, blocks, err := func() (string, []knowledge.Block, error) {
		defer func() { <-e.extractSem }() // a panicking parser too
		return extract.Extract(ctx, req.FileName, data, declared)
	}()
	if err != nil {
		return knowledge.Document{}, err
	}
	chunks := knowledge.Split(blocks, knowledge.Chunking{Size: e.cfg.Knowledge.ChunkSize, Overlap: e.cfg.Knowledge.ChunkOverlap})
	if len(chunks) == 0 {
		return knowledge.Document{}, &xerr.Error{Kind: xerr.Invalid, Code: "empty_document", Field: "file", Message: "the document has no text"}
	}
	title := req.Title
	if title == "" {
		title = knowledge.DefaultTitle(req.FileName)
	}
	d := store.DocumentRow{UserID: user.ID, Document: knowledge.Document{ID: ids.New(), Title: title, ContentType: ctype,
		SizeBytes: int64(len(data)), ChunkCount: len(chunks), OrganizationID: req.OrganizationID}}
	chunkIDs := make([]string, len(chunks))
	for i := range chunkIDs {
		chunkIDs[i] = ids.New()
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if d.OrganizationID != "" {
			if _, err := membership(ctx, tx, user, d.OrganizationID); err != nil {
				return err
			}
		}
		if err := tx.DocumentInsert(ctx, &d, chunkIDs, chunks); err != nil {
			return err
		}
		return tx.OutboxIndexChunks(ctx, d.ID)
	})
	return d.Document, err
}

func humanBytes(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// ListDocuments returns documents newest first: the caller's own, or with
// orgID, that organization's (members only).
func (e *Engine) ListDocuments(ctx context.Context, user User, orgID string, p Page) (List[knowledge.Document], error) {
	if err := user.Allow(auth.ScopeRAGRead); err != nil {
		return List[knowledge.Document]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[knowledge.Document]{}, err
	}
	var rows []store.DocumentRow
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		if orgID != "" {
			if _, err := membership(ctx, tx, user, orgID); err != nil {
				return err
			}
		}
		rows, err = tx.DocumentList(ctx, user.ID, orgID, after, limit+1)
		return err
	})
	docs := make([]knowledge.Document, len(rows))
	for i, r := range rows {
		docs[i] = r.Document
	}
	return makeList(docs, limit, func(d knowledge.Document) cursor.Position {
		return cursor.Position{Key: d.CreatedAt.Millis(), ID: d.ID}
	}), err
}

// GetDocument returns a document the caller may read: their own, or an
// organization's they belong to.
func (e *Engine) GetDocument(ctx context.Context, user User, id string) (knowledge.Document, error) {
	if err := user.Allow(auth.ScopeRAGRead); err != nil {
		return knowledge.Document{}, err
	}
	var d store.DocumentRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		d, err = e.document(ctx, tx, user, id)
		return err
	})
	return d.Document, err
}

func (e *Engine) document(ctx context.Context, tx *store.Tx, user User, id string) (store.DocumentRow, error) {
	if !ids.Valid(id) {
		return store.DocumentRow{}, errDocumentNotFound
	}
	d, err := tx.DocumentGet(ctx, user.ID, user.OrgID, id)
	return d, notFoundAs(err, errDocumentNotFound)
}

// DeleteDocument deletes a document, its chunks and their index entries; it
// is gone from search at once. Its uploader may delete it, and for an
// organization's document, the organization's admins and owners.
func (e *Engine) DeleteDocument(ctx context.Context, user User, id string) error {
	if err := user.Allow(auth.ScopeRAGWrite); err != nil {
		return err
	}
	return e.db.Write(ctx, func(tx *store.Tx) error {
		d, err := e.document(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if d.UserID != user.ID {
			m, err := membership(ctx, tx, user, d.OrganizationID)
			if err != nil {
				return err
			}
			if err := org.CheckAdmin(m); err != nil {
				return err
			}
		}
		chunkIDs, err := tx.DocumentDelete(ctx, id)
		if err != nil {
			return err
		}
		for _, c := range chunkIDs {
			if err := tx.OutboxDelete(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// knowledgeScope is what a knowledge search may look in: the caller's own
// documents and every organization they belong to, or only orgID's when
// set. An API key sees its own organization's only.
func (e *Engine) knowledgeScope(ctx context.Context, user User, orgID string) (owner string, orgs []string, err error) {
	if orgID != "" {
		err = e.db.Read(ctx, func(tx *store.Tx) error {
			_, err := membership(ctx, tx, user, orgID)
			return err
		})
		return "", []string{orgID}, err
	}
	if user.OrgID != "" {
		return user.ID, []string{user.OrgID}, nil
	}
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		orgs, err = tx.OrgIDsForUser(ctx, user.ID)
		return err
	})
	return user.ID, orgs, err
}

// SearchKnowledge retrieves the chunks that best match the query among the
// documents the caller may see: BM25 over each chunk's title, headings and
// text as one text, with English stemming, and with embeddings configured
// (Config.AI.Embeddings) fused with the chunks nearest to the query's
// vector. Every hit is confirmed against the store before it is returned.
func (e *Engine) SearchKnowledge(ctx context.Context, user User, req knowledge.SearchRequest) (knowledge.SearchResponse, error) {
	if err := user.Allow(auth.ScopeRAGRead); err != nil {
		return knowledge.SearchResponse{}, err
	}
	if err := req.Validate(); err != nil {
		return knowledge.SearchResponse{}, err
	}
	for _, id := range req.DocumentIDs {
		if !ids.Valid(id) {
			return knowledge.SearchResponse{}, xerr.InvalidField("document_ids", "must be document ids")
		}
	}
	results, err := e.retrieve(ctx, user, req.Query, req.OrganizationID, req.DocumentIDs, req.Limit)
	return knowledge.SearchResponse{Query: req.Query, Results: results}, err
}

func (e *Engine) retrieve(ctx context.Context, user User, q, orgID string, docIDs []string, limit int) ([]knowledge.SearchResult, error) {
	if e.ix == nil {
		return nil, errIndexDisabled
	}
	owner, orgs, err := e.knowledgeScope(ctx, user, orgID)
	if err != nil {
		return nil, err
	}
	// The query's vector comes first, outside the search semaphore: it is
	// a network call.
	var qvec []float32
	if e.vectors != nil {
		qvec = e.embedQuery(ctx, q)
	}
	if err := acquire(ctx, e.searchSem, "search cancelled"); err != nil {
		return nil, err
	}
	defer func() { <-e.searchSem }()
	depth := limit
	if qvec != nil {
		depth = max(limit, hybridDepth)
	}
	res, err := e.ix.Search(ctx, index.SearchOptions{Query: q, Types: []string{knowledge.TypeChunk}, OwnerID: owner,
		OrgIDs: orgs, ParentIDs: docIDs, Size: depth, Highlight: true})
	if err != nil {
		return nil, err
	}
	hits := make(map[string]index.Hit, len(res.Hits))
	ranked := make([]knowledge.Fused, len(res.Hits))
	for i, h := range res.Hits {
		hits[h.ID] = h
		ranked[i] = knowledge.Fused{ID: h.ID, Score: h.Score}
	}
	if qvec != nil {
		near, err := e.nearestChunks(ctx, qvec, store.VectorScope{OwnerID: owner, OrgIDs: orgs, DocumentIDs: docIDs}, depth)
		if err != nil {
			return nil, err
		}
		lexical := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			lexical[i] = h.ID
		}
		ranked = knowledge.FuseRRF(knowledge.RRFK, lexical, near)
		ranked = ranked[:min(len(ranked), limit)]
	}
	hitIDs := make([]string, len(ranked))
	for i, h := range ranked {
		hitIDs[i] = h.ID
	}
	var visible map[string]store.VisibleChunk
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		visible, err = tx.VisibleChunks(ctx, user.ID, cmp.Or(orgID, user.OrgID), hitIDs)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]knowledge.SearchResult, 0, len(ranked))
	for _, h := range ranked {
		v, ok := visible[h.ID]
		if !ok {
			continue // deleted, or no longer visible, while the index lags
		}
		r := knowledge.SearchResult{DocumentID: v.DocumentID, ChunkID: h.ID, Title: knowledge.ChunkTitle(v.Title, v.Heading),
			Snippet: hits[h.ID].Snippet, Text: v.Text, Score: h.Score}
		if r.Snippet == "" {
			r.Snippet = html.EscapeString(r.Title)
		}
		out = append(out, r)
	}
	return out, nil
}

// hybridDepth is how many chunks each ranking brings to the fusion of a
// hybrid search.
const hybridDepth = knowledge.MaxLimit

// queryEmbedTimeout bounds the embeddings call of a search.
const queryEmbedTimeout = 5 * time.Second

// embedQuery returns the query's unit vector, or nil when the embeddings
// call fails: the search then ranks by words alone rather than failing.
func (e *Engine) embedQuery(ctx context.Context, q string) []float32 {
	ectx, cancel := context.WithTimeout(ctx, queryEmbedTimeout)
	defer cancel()
	vs, err := e.embedder.Embed(ectx, []string{q})
	if err != nil || len(vs) != 1 {
		if ctx.Err() == nil {
			e.log.Warn("embeddings: the query's embedding failed; searching by words alone", "err", err)
		}
		return nil
	}
	return vector.Normalize(vs[0])
}

// nearestChunks returns the ids of the k chunks in scope whose vectors are
// nearest to qvec (cosine similarity, at least Knowledge.MinSimilarity),
// nearest first. It compares qvec with every vector in scope: the cost
// grows with the caller's chunks.
func (e *Engine) nearestChunks(ctx context.Context, qvec []float32, scope store.VectorScope, k int) ([]string, error) {
	scope.Model = e.vectors.Model()
	least := e.cfg.Knowledge.MinSimilarity
	if least < 0 {
		least = math.Inf(-1)
	}
	top := vector.NewTop(k)
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		return tx.ChunkVectors(ctx, scope, func(id string, enc []byte) error {
			if sim, ok := vector.Dot(qvec, enc); ok && float64(sim) >= least {
				top.Add(id, sim)
			}
			return nil
		})
	})
	best := top.Best()
	ids := make([]string, len(best))
	for i, s := range best {
		ids[i] = s.ID
	}
	return ids, err
}

// QueryKnowledge answers a question from the knowledge base: it retrieves
// the best passages and has the provider answer only from them, citing
// them. With nothing relevant retrieved it says so without asking a model.
// The offline provider answers extractively: the best sentences, each cited.
func (e *Engine) QueryKnowledge(ctx context.Context, user User, req knowledge.RAGRequest) (knowledge.RAGResponse, error) {
	if err := user.Allow(auth.ScopeRAGRead); err != nil {
		return knowledge.RAGResponse{}, err
	}
	if err := req.Validate(); err != nil {
		return knowledge.RAGResponse{}, err
	}
	p, err := e.ai.Resolve(req.Provider)
	if err != nil {
		return knowledge.RAGResponse{}, err
	}
	hits, err := e.retrieve(ctx, user, req.Query, req.OrganizationID, nil, req.TopK)
	if err != nil {
		return knowledge.RAGResponse{}, err
	}
	out := knowledge.RAGResponse{Provider: p.ID(), Model: p.DefaultModel(), Citations: []conversation.Citation{}}
	if len(hits) == 0 {
		out.Answer = nothingFound
		return out, nil
	}
	passages, cites := passagesOf(hits)
	resp, err := p.Generate(ctx, ai.Request{System: ragSystem, Passages: passages,
		Messages: []ai.Message{{Role: ai.RoleUser, Content: req.Query}}})
	e.pstats.add(p.ID(), err, resp.Usage)
	if err != nil {
		return knowledge.RAGResponse{}, providerError(err)
	}
	out.Answer, out.Model = resp.Content, modelOr(resp.Model, out.Model)
	out.Citations = citedOnly(resp.Content, cites)
	return out, nil
}

// passagesOf turns retrieved chunks into numbered passages and the
// citations that name them, in the same order.
func passagesOf(hits []knowledge.SearchResult) ([]ai.Passage, []conversation.Citation) {
	ps := make([]ai.Passage, len(hits))
	cs := make([]conversation.Citation, len(hits))
	for i, h := range hits {
		ps[i] = ai.Passage{DocumentID: h.DocumentID, ChunkID: h.ChunkID, Title: h.Title, Text: h.Text}
		cs[i] = conversation.Citation{DocumentID: h.DocumentID, ChunkID: h.ChunkID, Title: h.Title, Snippet: h.Snippet}
	}
	return ps, cs
}

// citedOnly keeps the citations whose number the answer cites ([2], and
// the groups models write: [1, 3], [2-4]); an answer that cites nothing
// keeps them all, since it was still grounded in them.
func citedOnly(answer string, cites []conversation.Citation) []conversation.Citation {
	cited := citedNumbers(answer, len(cites))
	var used []conversation.Citation
	for i, c := range cites {
		if cited[i+1] {
			used = append(used, c)
		}
	}
	if len(used) == 0 {
		return slices.Clone(cites)
	}
	return used
}

// citedNumbers are the passage numbers 1..n that answer's bracketed markers
// name: "[2]", "[1, 3]", "[1;2]", "[2-4]" or "[2–4]". Brackets holding
// anything else ("[sic]", "[1a]") name none.
func citedNumbers(answer string, n int) map[int]bool {
	cited := map[int]bool{}
	for rest := answer; ; {
		open := strings.IndexByte(rest, '[')
		if open < 0 {
			return cited
		}
		rest = rest[open+1:]
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return cited
		}
		inner := rest[:end]
		var nums []int
		ok := inner != ""
		for _, part := range strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ';' }) {
			lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := a, error(nil)
			if isRange {
				b, err2 = strconv.Atoi(strings.TrimSpace(hi))
			}
			if err1 != nil || err2 != nil || b < a {
				ok = false
				break
			}
			for k := max(a, 1); k <= min(b, n); k++ { // a number past the passages names none
				nums = append(nums, k)
			}
		}
		if ok {
			for _, k := range nums {
				cited[k] = true
			}
			rest = rest[end+1:]
		}
	}
}

// groundChat retrieves passages for a chat with use_knowledge, bounded so a
// slow index cannot hold the chat for long.
func (e *Engine) groundChat(ctx context.Context, user User, question string) ([]ai.Passage, []conversation.Citation, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	hits, err := e.retrieve(rctx, user, question, "", nil, knowledge.DefaultTopK)
	if err != nil {
		return nil, nil, err
	}
	ps, cs := passagesOf(hits)
	return ps, cs, nil
}
