package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/knowledge"
)

// cisiDoc is one document of CISI.ALL.
type cisiDoc struct {
	ID       int
	Title    string // .T
	Authors  string // .A, one a line in the file, here joined by "; "
	Abstract string // .W
}

// cisiQuery is one query of CISI.QRY with its judgments.
type cisiQuery struct {
	ID       int
	Text     string       // .T and .W, as sent to the systems
	Relevant map[int]bool // ids of the documents judged relevant (CISI.REL)
}

// cisi is the collection: documents, and the queries that have judgments.
type cisi struct {
	Docs      []cisiDoc
	Queries   []cisiQuery
	AllQuery  int // queries in CISI.QRY, with or without judgments
	Judgments int // distinct (query, document) pairs in CISI.REL
}

// loadCISI reads CISI.ALL, CISI.QRY and CISI.REL from dir. Queries without
// judgments are left out (76 of 112 have some). A query's text is its .T and
// .W fields; its .A and .B (authors, source) are not used.
func loadCISI(dir string) (cisi, error) {
	var c cisi
	docs, err := readSMART(filepath.Join(dir, "CISI.ALL"))
	if err != nil {
		return c, err
	}
	for _, r := range docs {
		c.Docs = append(c.Docs, cisiDoc{ID: r.id, Title: oneLine(r.fields[".T"]),
			Authors: strings.Join(nonEmpty(r.fields[".A"]), "; "), Abstract: oneLine(r.fields[".W"])})
	}
	qs, err := readSMART(filepath.Join(dir, "CISI.QRY"))
	if err != nil {
		return c, err
	}
	rel, err := readRel(filepath.Join(dir, "CISI.REL"))
	if err != nil {
		return c, err
	}
	c.AllQuery = len(qs)
	for _, r := range qs {
		if len(rel[r.id]) == 0 {
			continue
		}
		text := strings.TrimSpace(oneLine(r.fields[".T"]) + " " + oneLine(r.fields[".W"]))
		c.Queries = append(c.Queries, cisiQuery{ID: r.id, Text: text, Relevant: rel[r.id]})
		c.Judgments += len(rel[r.id])
	}
	if len(c.Docs) == 0 || len(c.Queries) == 0 {
		return c, fmt.Errorf("%s: no documents or no judged queries", dir)
	}
	return c, nil
}

// smartRecord is a record of the SMART format: ".I id", then fields that
// each start with a line ".X" (X a letter) and run to the next such line.
type smartRecord struct {
	id     int
	fields map[string][]string // field marker → its lines
}

func readSMART(path string) ([]smartRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []smartRecord
	field := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if rest, ok := strings.CutPrefix(line, ".I "); ok {
			id, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad id %q", path, n, rest)
			}
			out = append(out, smartRecord{id: id, fields: map[string][]string{}})
			field = ""
			continue
		}
		if len(line) == 2 && line[0] == '.' && unicode.IsUpper(rune(line[1])) {
			field = line
			continue
		}
		if len(out) == 0 || field == "" {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return nil, fmt.Errorf("%s:%d: text outside a field", path, n)
		}
		r := out[len(out)-1]
		r.fields[field] = append(r.fields[field], line)
	}
	return out, sc.Err()
}

// readRel reads the judgments: query id, document id, two unused columns.
func readRel(path string) (map[int]map[int]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rel := map[int]map[int]bool{}
	for n, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want query and document ids", path, n+1)
		}
		q, err1 := strconv.Atoi(f[0])
		d, err2 := strconv.Atoi(f[1])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n+1, err)
		}
		if rel[q] == nil {
			rel[q] = map[int]bool{}
		}
		rel[q][d] = true
	}
	return rel, nil
}

func oneLine(lines []string) string {
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
}

func nonEmpty(lines []string) []string {
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cutRunes shortens s to at most n runes, at a word boundary when it can.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > 0 {
		return string(r)[:i]
	}
	return string(r)
}

// queryText is what both systems are asked: the query, cut to the longest
// query knowledge search accepts (17 of CISI's 112 queries are longer).
func (q cisiQuery) queryText() string { return cutRunes(q.Text, knowledge.MaxQuery) }

// Ranking depths: measures look at the first 10 documents, MAP at the
// first mapDepth, which is as many as one knowledge search returns.
const (
	cutoff   = 10
	mapDepth = knowledge.MaxLimit
)

// figures are the standard measures, each the mean over the queries, and
// nDCG@10 of each query.
type figures struct {
	NDCG10, Recall10, MAP float64
	PerQuery              []float64 // nDCG@10, in query order
}

// measure scores one ranking per query (document ids, best first) against
// the judgments: nDCG@10 with binary gains, recall@10, and average
// precision over the first mapDepth documents (relevant documents not
// retrieved by then count as precision 0).
func measure(qs []cisiQuery, ranked [][]int) figures {
	f := figures{PerQuery: make([]float64, len(qs))}
	for i, q := range qs {
		var dcg, idcg, ap float64
		hits, hits10 := 0, 0
		for k, d := range ranked[i] {
			if k >= mapDepth {
				break
			}
			if !q.Relevant[d] {
				continue
			}
			hits++
			ap += float64(hits) / float64(k+1)
			if k < cutoff {
				hits10++
				dcg += 1 / math.Log2(float64(k+2))
			}
		}
		for k := range min(len(q.Relevant), cutoff) {
			idcg += 1 / math.Log2(float64(k+2))
		}
		f.PerQuery[i] = dcg / idcg
		f.NDCG10 += dcg / idcg
		f.Recall10 += float64(hits10) / float64(len(q.Relevant))
		f.MAP += ap / float64(len(q.Relevant))
	}
	n := float64(len(qs))
	f.NDCG10, f.Recall10, f.MAP = f.NDCG10/n, f.Recall10/n, f.MAP/n
	return f
}

// pairedDiff compares two systems' per-query figures: how many queries
// each is better on, and a 95% interval for the mean difference b - a by
// the paired bootstrap (10,000 resamples of the queries, fixed seed).
func pairedDiff(a, b []float64) (better, worse int, lo, hi float64) {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = b[i] - a[i]
		switch {
		case d[i] > 1e-12:
			better++
		case d[i] < -1e-12:
			worse++
		}
	}
	r := rand.New(rand.NewPCG(22, 1))
	means := make([]float64, 10_000)
	for k := range means {
		var sum float64
		for range d {
			sum += d[r.IntN(len(d))]
		}
		means[k] = sum / float64(len(d))
	}
	slices.Sort(means)
	return better, worse, means[len(means)*25/1000], means[len(means)*975/1000]
}

// bm25 is the plain baseline: textbook Okapi BM25 (k1 = 1.2, b = 0.75,
// idf = ln(1 + (N - df + 0.5)/(df + 0.5)), each query word counted as often
// as it occurs) over title and body as one field, lower-cased and split on
// anything but letters and digits: no stemming, no stop words, no phrases.
type bm25 struct {
	k1, b    float64
	avgLen   float64
	lens     []float64
	postings map[string][]posting
	ids      []int
}

type posting struct {
	doc int // index into ids
	tf  float64
}

// plainTerms lower-cases text and splits it on anything but letters and digits.
func plainTerms(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func newBM25(ids []int, texts []string) *bm25 {
	m := &bm25{k1: 1.2, b: 0.75, postings: map[string][]posting{}, ids: ids, lens: make([]float64, len(texts))}
	total := 0.0
	for i, t := range texts {
		tf := map[string]float64{}
		terms := plainTerms(t)
		for _, w := range terms {
			tf[w]++
		}
		for w, n := range tf {
			m.postings[w] = append(m.postings[w], posting{i, n})
		}
		m.lens[i] = float64(len(terms))
		total += m.lens[i]
	}
	m.avgLen = total / float64(len(texts))
	return m
}

// search returns the ids of the best depth documents, ties in id order.
func (m *bm25) search(q string, depth int) []int {
	score := map[int]float64{}
	n := float64(len(m.ids))
	for _, w := range plainTerms(q) {
		ps := m.postings[w]
		idf := math.Log(1 + (n-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
		for _, p := range ps {
			norm := m.k1 * (1 - m.b + m.b*m.lens[p.doc]/m.avgLen)
			score[p.doc] += idf * p.tf * (m.k1 + 1) / (p.tf + norm)
		}
	}
	docs := make([]int, 0, len(score))
	for d := range score {
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool {
		if score[docs[i]] != score[docs[j]] {
			return score[docs[i]] > score[docs[j]]
		}
		return m.ids[docs[i]] < m.ids[docs[j]]
	})
	out := make([]int, 0, min(depth, len(docs)))
	for _, d := range docs[:min(depth, len(docs))] {
		out = append(out, m.ids[d])
	}
	return out
}

// content is the body a CISI document is uploaded with: its abstract, and
// with withAuthors its authors' names on a line before it.
func (d cisiDoc) content(withAuthors bool) string {
	if withAuthors && d.Authors != "" {
		return d.Authors + "\n\n" + d.Abstract
	}
	return d.Abstract
}

// engineRun is the engine's side: a fresh Engine in a temporary folder
// (the default configuration: offline provider, default chunking), one
// user, every document uploaded through CreateDocument, then each query
// through SearchKnowledge at the largest limit. Chunk hits become
// documents at the rank of their first chunk.
type engineRun struct {
	Ranked  [][]int
	Upload  time.Duration // CreateDocument of every document
	Index   time.Duration // WaitIndexed after the uploads
	Latency []time.Duration
	Own     ownFigures
}

func runEngine(ctx context.Context, c cisi, withAuthors bool, emb xentree.EmbeddingsConfig, database, ownDir string, log io.Writer) (engineRun, error) {
	var run engineRun
	cfg := xentree.Config{Database: database, AI: xentree.AIConfig{Embeddings: emb}}
	eng, user, done, err := evalEngine(ctx, cfg, log)
	if err != nil {
		return run, err
	}
	defer done()
	start := time.Now()
	byDoc := map[string]int{}
	for _, d := range c.Docs {
		title := cutRunes(d.Title, knowledge.MaxTitle)
		doc, err := eng.CreateDocument(ctx, user, knowledge.CreateRequest{Title: title, Content: d.content(withAuthors)})
		if err != nil {
			return run, fmt.Errorf("CISI document %d: %w", d.ID, err)
		}
		byDoc[doc.ID] = d.ID
	}
	run.Upload = time.Since(start)
	start = time.Now()
	if err := eng.WaitIndexed(ctx); err != nil {
		return run, err
	}
	run.Index = time.Since(start)
	for _, q := range c.Queries {
		start := time.Now()
		res, err := eng.SearchKnowledge(ctx, user, knowledge.SearchRequest{Query: q.queryText(), Limit: knowledge.MaxLimit})
		if err != nil {
			return run, fmt.Errorf("CISI query %d: %w", q.ID, err)
		}
		run.Latency = append(run.Latency, time.Since(start))
		var ranked []int
		for _, r := range res.Results {
			if id, ok := byDoc[r.DocumentID]; ok && !slices.Contains(ranked, id) {
				ranked = append(ranked, id)
			}
		}
		run.Ranked = append(run.Ranked, ranked)
	}
	if ownDir != "" {
		// The project's own set, on an Engine of its own as
		// TestRetrievalQuality measures it (BM25's statistics are the
		// index's, so a shared index would move its figures).
		own, user, done, err := evalEngine(ctx, cfg, log)
		if err != nil {
			return run, err
		}
		defer done()
		if run.Own, err = ownEval(ctx, own, user, ownDir); err != nil {
			return run, err
		}
	}
	return run, nil
}

func retrievalCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("retrieval", flag.ContinueOnError)
	fs.SetOutput(out)
	data := fs.String("data", filepath.Join(evalDir(), "cisi"), "the CISI collection (CISI.ALL, CISI.QRY, CISI.REL)")
	authors := fs.Bool("authors", false, "upload each document with its authors' names before the abstract")
	own := fs.String("own", filepath.Join("knowledge", "testdata", "eval"), "the project's own evaluation set (\"\": skip it)")
	database := fs.String("database-url", os.Getenv("XENTREE_DATABASE_URL"),
		"measure the PostgreSQL store's search: a database where each engine gets a schema of its own (XENTREE_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := loadCISI(*data)
	if err != nil {
		return err
	}
	emb, err := embeddingsFromEnv()
	if err != nil {
		return err
	}
	res, err := retrieval(ctx, c, *authors, emb, *database, *own, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(out, res.String())
	return nil
}

// retrievalResult is one measurement: the baseline and the engine on the
// same documents and queries.
type retrievalResult struct {
	c        cisi
	authors  bool
	emb      string // the embeddings model of a hybrid run, or ""
	Baseline figures
	Engine   figures
	Run      engineRun
}

func retrieval(ctx context.Context, c cisi, withAuthors bool, emb xentree.EmbeddingsConfig, database, ownDir string, log io.Writer) (retrievalResult, error) {
	r := retrievalResult{c: c, authors: withAuthors, emb: emb.Model}
	ids := make([]int, len(c.Docs))
	texts := make([]string, len(c.Docs))
	for i, d := range c.Docs {
		ids[i], texts[i] = d.ID, d.Title+"\n"+d.content(withAuthors)
	}
	base := newBM25(ids, texts)
	ranked := make([][]int, len(c.Queries))
	for i, q := range c.Queries {
		ranked[i] = base.search(q.queryText(), mapDepth)
	}
	r.Baseline = measure(c.Queries, ranked)
	var err error
	if r.Run, err = runEngine(ctx, c, withAuthors, emb, database, ownDir, log); err != nil {
		return r, err
	}
	r.Engine = measure(c.Queries, r.Run.Ranked)
	return r, nil
}

func (r retrievalResult) String() string {
	var b strings.Builder
	content := "title + abstract"
	if r.authors {
		content = "title + authors + abstract"
	}
	fmt.Fprintf(&b, "retrieval: CISI: %d documents (%s), %d judged queries of %d (.T + .W, cut to %d characters), %d judgments\n",
		len(r.c.Docs), content, len(r.c.Queries), r.c.AllQuery, knowledge.MaxQuery, r.c.Judgments)
	fmt.Fprintf(&b, "%-34s %8s %10s %8s\n", "system", "nDCG@10", "recall@10", "MAP@50")
	line := func(name string, f figures) {
		fmt.Fprintf(&b, "%-34s %8.3f %10.3f %8.3f\n", name, f.NDCG10, f.Recall10, f.MAP)
	}
	line("bm25 baseline (plain, same run)", r.Baseline)
	engine := "engine (SearchKnowledge)"
	if r.emb != "" {
		engine = "engine, hybrid (" + r.emb + ")"
	}
	line(engine, r.Engine)
	fmt.Fprintf(&b, "%-34s %+8.3f %+10.3f %+8.3f\n", "engine - baseline", r.Engine.NDCG10-r.Baseline.NDCG10,
		r.Engine.Recall10-r.Baseline.Recall10, r.Engine.MAP-r.Baseline.MAP)
	better, worse, lo, hi := pairedDiff(r.Baseline.PerQuery, r.Engine.PerQuery)
	fmt.Fprintf(&b, "nDCG@10 per query: engine better on %d, worse on %d of %d; 95%% interval of the gain %+.3f to %+.3f (paired bootstrap)\n",
		better, worse, len(r.c.Queries), lo, hi)
	lat := slices.Clone(r.Run.Latency)
	slices.Sort(lat)
	pct := func(q float64) string { return lat[int(q*float64(len(lat)-1))].Round(10 * time.Microsecond).String() }
	fmt.Fprintf(&b, "engine: uploads %s, indexing %s, search p50 %s, p99 %s (limit %d)\n",
		r.Run.Upload.Round(time.Millisecond), r.Run.Index.Round(time.Millisecond), pct(0.5), pct(0.99), knowledge.MaxLimit)
	if o := r.Run.Own; o.Questions > 0 {
		fmt.Fprintf(&b, "own eval set (knowledge/testdata/eval): %d questions, %d documents: recall@5 %.3f, MRR %.3f\n",
			o.Questions, o.Documents, o.Recall5, o.MRR)
	}
	return b.String()
}
