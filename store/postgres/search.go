package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store/index"
)

// Index is the search index of a PostgreSQL store: the search_docs table,
// with the same methods as the Bleve index (store/index) so that the
// indexer and the Engine use either. Every node reads and writes the one
// table, so a search on any node sees what any node indexed.
//
// Terms are the Bleve index's own (index.Analyzer: the same tokenizer, stop
// words and Porter stems), so both stores match the same documents, and
// ranking is BM25 computed in SQL on Bleve's scale: for each query term
// (counted as often as the query repeats it) idf² · tf·k1 / (tf + k1·(1 − b
// + b·dl/avgdl)), idf = ln(1 + (N − df + 0.5)/(df + 0.5)), the sum
// normalised by the query's weight, 1/√Σidf², and multiplied by the share
// of query terms the document matched (Bleve's coordination factor). N, df
// and avgdl are those of the caller's scope, which is what a search may see.
//
// k1 is 5, b 0.75. Bleve's avgdl is not the mean length but the field's
// vocabulary over its document count (ceil(FieldCardinality / DocCount)),
// on CISI about a seventeenth of the mean, which weakens tf's saturation
// and strengthens length normalisation; reproducing it exactly needs the
// scope's vocabulary at every search (0.424 nDCG@10 on CISI, but a p50 of
// 150 ms). The mean length with k1 1.2 ranked worse (0.394); k1 5 to 20
// with the mean length match Bleve and better (0.416-0.418, against
// Bleve's 0.414; docs/evaluation.md has the table).
type Index struct {
	d       *Driver
	an      *index.Analyzer
	created bool
	stale   atomic.Bool // read by the search status while Rebuild runs
	now     func() time.Time
}

// Index returns the search index in d's database. now stamps written rows
// (see Rebuild); nil means time.Now.
func (d *Driver) Index(ctx context.Context, now func() time.Time) (*Index, error) {
	if now == nil {
		now = time.Now
	}
	an, err := index.NewAnalyzer()
	if err != nil {
		return nil, err
	}
	ix := &Index{d: d, an: an, now: now}
	var empty bool
	var version string
	err = d.pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM search_docs),
		COALESCE((SELECT MAX(version) FROM search_analysis), '')`).Scan(&empty, &version)
	if err != nil {
		return nil, mapErr(err)
	}
	ix.created = empty
	switch {
	case version == index.AnalysisVersion:
	case empty:
		// Nothing to redo: every row from now on is this analysis's.
		if err := ix.markAnalysis(ctx); err != nil {
			return nil, err
		}
	default:
		ix.stale.Store(true) // terms of another analysis: Open rebuilds them
	}
	return ix, nil
}

// markAnalysis records that search_docs' terms are this version's.
func (ix *Index) markAnalysis(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, ix.d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM search_analysis"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO search_analysis (version) VALUES ($1)", index.AnalysisVersion)
		return err
	})
	return mapErr(err)
}

// Created reports whether the index was empty when opened: beside content,
// that calls for a rebuild (a database copied in from SQLite, say).
func (ix *Index) Created() bool { return ix.created }

// Stale reports whether the table's terms were made by another analysis
// (search_analysis) when the index was opened; Rebuild makes them current.
func (ix *Index) Stale() bool { return ix.stale.Load() }

// Close does nothing: the driver owns the connections.
func (ix *Index) Close() error { return nil }

// Count is how many documents the index holds.
func (ix *Index) Count(ctx context.Context) (uint64, error) {
	var n int64
	err := ix.d.pool.QueryRow(ctx, "SELECT COUNT(*) FROM search_docs").Scan(&n)
	return uint64(n), mapErr(err)
}

const upsertDoc = `INSERT INTO search_docs (id, type, owner_id, org_id, parent_id, title, body, created_at, position, tsv, dl, gen)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::tsvector, $11, $12)
	ON CONFLICT (id) DO UPDATE SET type = excluded.type, owner_id = excluded.owner_id, org_id = excluded.org_id,
		parent_id = excluded.parent_id, title = excluded.title, body = excluded.body, created_at = excluded.created_at,
		position = excluded.position, tsv = excluded.tsv, dl = excluded.dl, gen = excluded.gen`

// Apply applies ops in order in one transaction: a later op on the same id wins.
func (ix *Index) Apply(ctx context.Context, ops []index.Op) error {
	return ix.write(ctx, ops, ix.now().UnixNano())
}

func (ix *Index) write(ctx context.Context, ops []index.Op, gen int64) error {
	if len(ops) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, op := range ops {
		if op.Doc == nil {
			b.Queue("DELETE FROM search_docs WHERE id = $1", op.DeleteID)
			continue
		}
		d := op.Doc
		tsv, dl := ix.vector(d.Title, d.Body)
		b.Queue(upsertDoc, d.ID, d.Type, d.OwnerID, d.OrgID, d.ParentID, d.Title, d.Body,
			d.CreatedAt.UnixMilli(), int64(d.Position), tsv, dl, gen)
	}
	err := pgx.BeginFunc(ctx, ix.d.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	return mapErr(err)
}

// rebuildBatch is how many documents a rebuild writes per transaction.
const rebuildBatch = 500

// Rebuild writes every document each yields, then deletes the rows it did
// not write: searches keep answering throughout, from the old rows and then
// the new. The indexer holds its lock throughout (Exclusive), so no node
// applies changes meanwhile; they are applied right after.
func (ix *Index) Rebuild(ctx context.Context, each func(yield func(index.Doc) error) error, progress func(n int)) error {
	gen := ix.now().UnixNano()
	var ops []index.Op
	n := 0
	flush := func() error {
		if err := ix.write(ctx, ops, gen); err != nil {
			return err
		}
		n += len(ops)
		ops = ops[:0]
		if progress != nil {
			progress(n)
		}
		return nil
	}
	err := each(func(d index.Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ops = append(ops, index.Op{Doc: &d})
		if len(ops) == rebuildBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	// Every row written since the rebuild began is the rebuild's: it holds
	// the indexer's lock, so no node applies changes meanwhile.
	if _, err = ix.d.pool.Exec(ctx, "DELETE FROM search_docs WHERE gen <> $1", gen); err != nil {
		return mapErr(err)
	}
	// Last: a rebuild cut short leaves the old mark, and the next open
	// starts it again.
	if err := ix.markAnalysis(ctx); err != nil {
		return err
	}
	ix.stale.Store(false)
	return nil
}

// Search runs one scoped search. The query text is analysed into terms as
// the documents were (as often as it repeats them), never parsed as query
// syntax.
func (ix *Index) Search(ctx context.Context, o index.SearchOptions) (index.Result, error) {
	if o.OwnerID == "" && len(o.OrgIDs) == 0 {
		return index.Result{}, index.ErrUnscoped
	}
	if len(o.Types) == 0 {
		return index.Result{}, errors.New("index: search without types")
	}
	if o.Size <= 0 {
		o.Size = 10
	}
	terms := indexable(ix.an.Terms(o.Query))
	if len(terms) == 0 {
		return index.Result{Hits: []index.Hit{}}, nil // only stop words or punctuation
	}
	orgs := []string{}
	for _, id := range o.OrgIDs {
		if id != "" {
			orgs = append(orgs, id)
		}
	}
	parents := append([]string{}, o.ParentIDs...)
	phrase := ""
	if o.Phrase && len(terms) > 1 {
		phrase = tsquery(terms, " <-> ")
	}
	// The scope, written out twice: once for its statistics (an index-only
	// scan) and once for the documents that match. An organization's rows
	// have no owner: an empty OwnerID must not match them.
	const scope = `(($2 <> '' AND owner_id = $2) OR org_id = ANY($3::text[])) AND type = ANY($4::text[])
		AND (cardinality($5::text[]) = 0 OR parent_id = ANY($5::text[]))`
	// A term's document frequency is over the documents with any query
	// term; a phrase narrows the candidates, not the frequencies.
	df := `df AS (SELECT lexeme, COUNT(*)::float8 AS df FROM tf GROUP BY lexeme),`
	if phrase != "" {
		df = `df AS (SELECT u.lexeme, COUNT(*)::float8 AS df FROM search_docs s CROSS JOIN LATERAL unnest(s.tsv) AS u
		WHERE ` + scope + ` AND s.tsv @@ $6::tsquery AND u.lexeme IN (SELECT t FROM qt) GROUP BY u.lexeme),`
	}
	q := `WITH qt AS (SELECT t, COUNT(*)::float8 AS reps FROM unnest($1::text[]) AS t GROUP BY t),
	nq AS (SELECT SUM(reps) AS n FROM qt),
	stats AS (SELECT COUNT(*)::float8 AS n, GREATEST(AVG(dl), 1)::float8 AS avgdl FROM search_docs WHERE ` + scope + `),
	cand AS (SELECT id, tsv, dl FROM search_docs WHERE ` + scope + ` AND tsv @@ $6::tsquery
		AND ($7 = '' OR tsv @@ CAST(NULLIF($7, '') AS tsquery))),
	tf AS (SELECT c.id, c.dl::float8 AS dl, u.lexeme, cardinality(u.positions)::float8 AS tf
		FROM cand c CROSS JOIN LATERAL unnest(c.tsv) AS u WHERE u.lexeme IN (SELECT t FROM qt)),
	` + df + `
	idf AS (SELECT qt.t, qt.reps, ln(1 + (s.n - COALESCE(df.df, 0) + 0.5) / (COALESCE(df.df, 0) + 0.5)) AS idf
		FROM qt CROSS JOIN stats s LEFT JOIN df ON df.lexeme = qt.t),
	qn AS (SELECT 1 / sqrt(GREATEST(SUM(reps * idf * idf), 1e-12)) AS qnorm FROM idf),
	scored AS (SELECT tf.id,
		SUM(i.reps * i.idf * i.idf * tf.tf * 5.0 / (tf.tf + 5.0 * (0.25 + 0.75 * tf.dl / s.avgdl)))
		* (SELECT qnorm FROM qn) * SUM(i.reps) / (SELECT n FROM nq) AS score
		FROM tf JOIN idf i ON i.t = tf.lexeme CROSS JOIN stats s GROUP BY tf.id),
	page AS (SELECT id, score, COUNT(*) OVER () AS total FROM scored ORDER BY score DESC, id LIMIT $8 OFFSET $9)
	SELECT p.id, p.score, p.total, d.type, d.parent_id, d.title, d.created_at, d.position,
		CASE WHEN $10 THEN d.body ELSE '' END
	FROM page p JOIN search_docs d ON d.id = p.id ORDER BY p.score DESC, p.id`
	rows, err := ix.d.pool.Query(ctx, q, terms, o.OwnerID, orgs, o.Types, parents, tsquery(terms, " | "), phrase,
		o.Size, o.From, o.Highlight)
	if err != nil {
		return index.Result{}, xerr.Wrap(xerr.Unavailable, mapErr(err), "search failed")
	}
	defer rows.Close()
	out := index.Result{Hits: []index.Hit{}}
	for rows.Next() {
		var h index.Hit
		var total, created, pos int64
		var body string
		if err := rows.Scan(&h.ID, &h.Score, &total, &h.Type, &h.ParentID, &h.Title, &created, &pos, &body); err != nil {
			return index.Result{}, xerr.Wrap(xerr.Unavailable, mapErr(err), "search failed")
		}
		h.CreatedAt, h.Position = time.UnixMilli(created).UTC(), int(pos)
		if o.Highlight {
			if h.Snippet = ix.an.Snippet(body, terms); h.Snippet == "" {
				h.Snippet = ix.an.Snippet(h.Title, terms)
			}
		}
		out.Total = uint64(total)
		out.Hits = append(out.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return index.Result{}, xerr.Wrap(xerr.Unavailable, mapErr(err), "search failed")
	}
	if len(out.Hits) == 0 && o.From > 0 {
		// A page past the end: the total still counts the matches.
		first := o
		first.From, first.Size, first.Highlight = 0, 1, false
		r, err := ix.Search(ctx, first)
		out.Total = r.Total
		return out, err
	}
	return out, nil
}

// tsquery joins the distinct terms (all terms, for a phrase) with op,
// each a quoted lexeme.
func tsquery(terms []string, op string) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, t := range terms {
		if op != " <-> " {
			if seen[t] {
				continue
			}
			seen[t] = true
		}
		if b.Len() > 0 {
			b.WriteString(op)
		}
		quoteLexeme(&b, t)
	}
	return b.String()
}

// quoteLexeme writes t as a quoted tsvector/tsquery lexeme.
func quoteLexeme(b *strings.Builder, t string) {
	b.WriteByte('\'')
	for _, r := range t {
		if r == '\'' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
}

// PostgreSQL's limits: the largest position a tsvector records (later
// words are recorded there), the longest lexeme it takes, and its size (we
// stop short of 1 MiB). A word past the length limit is not indexed, as
// PostgreSQL's own to_tsvector does; one stored would fail the whole batch.
const (
	maxPosition = 16383
	maxLexeme   = 2046
	maxVector   = 900 << 10
)

// indexable drops the terms longer than a lexeme may be.
func indexable(terms []string) []string {
	out := terms[:0:0]
	for _, t := range terms {
		if len(t) <= maxLexeme {
			out = append(out, t)
		}
	}
	return out
}

// vector is the tsvector of a document's title and body as the analyzer
// sees them: each term with its positions, the body's starting two past the
// title's end so that no phrase spans the two; and the number of terms,
// BM25's document length.
func (ix *Index) vector(title, body string) (string, int64) {
	terms := indexable(ix.an.Terms(title))
	nTitle := len(terms)
	terms = append(terms, indexable(ix.an.Terms(body))...)
	positions := make(map[string][]int, len(terms))
	order := make([]string, 0, len(terms))
	for i, t := range terms {
		p := i + 1
		if i >= nTitle {
			p += 2
		}
		p = min(p, maxPosition)
		if _, ok := positions[t]; !ok {
			order = append(order, t)
		}
		if ps := positions[t]; len(ps) == 0 || ps[len(ps)-1] != p {
			positions[t] = append(ps, p)
		}
	}
	var b strings.Builder
	for _, t := range order {
		if b.Len() > maxVector {
			break // the rest of a huge text goes unindexed rather than fail the batch
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		quoteLexeme(&b, t)
		for i, p := range positions[t] {
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String(), int64(len(terms))
}
