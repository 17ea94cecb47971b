package xentree_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/xentreetest"
)

// benchVocab is the vocabulary of generated documents: 100 common words
// followed by 20,000 made-up ones, drawn with a Zipf distribution as words
// of real text are, so a query's words match a realistic share of chunks.
var benchVocab = func() []string {
	words := strings.Fields(`water river glacier ice mountain valley rock soil plant leaf root light energy
sugar cell protein muscle heart blood brain memory sleep language grammar verb noun tense sentence word
history empire trade road city king war peace market coin bread flour yeast oven coffee bean roast cup
planet moon star orbit gravity light year telescope engine wheel bicycle chain gear speed road map
program function variable loop error type string number list value test server client network data`)
	syll := strings.Fields("ka lo mi nu re sa ti vo be da fe gi hu jo ly pe qu ri so ta")
	for i := 0; len(words) < 20_100; i++ {
		words = append(words, syll[i%20]+syll[i/20%20]+syll[i/400%20]+"n")
	}
	return words
}()

// benchMarkdown writes a document of about size bytes: headings, then
// paragraphs of sentences.
func benchMarkdown(r *rand.Rand, size int) string {
	z := rand.NewZipf(r, 1.07, 2, uint64(len(benchVocab)-1))
	word := func() string { return benchVocab[z.Uint64()] }
	var b strings.Builder
	fmt.Fprintf(&b, "# %s and %s\n\n", word(), word())
	for b.Len() < size {
		fmt.Fprintf(&b, "## The %s of %s\n\n", word(), word())
		for p := 0; p < 3 && b.Len() < size; p++ {
			for s := 0; s < 4; s++ {
				n := 6 + r.IntN(10)
				for w := 0; w < n; w++ {
					wd := word()
					if w == 0 {
						wd = strings.ToUpper(wd[:1]) + wd[1:]
					}
					b.WriteString(wd)
					if w < n-1 {
						b.WriteByte(' ')
					}
				}
				b.WriteString(". ")
			}
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// BenchmarkIngestMarkdown measures CreateDocument on 200 KB Markdown
// documents: extraction, chunking, and the transaction that stores the
// chunks and their outbox rows (indexing follows in the background).
func BenchmarkIngestMarkdown(b *testing.B) {
	eng := xentreetest.NewEngine(b)
	u, _ := xentreetest.CreateUser(b, eng, "")
	doc := []byte(benchMarkdown(rand.New(rand.NewPCG(1, 2)), 200<<10))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.CreateDocument(context.Background(), u, knowledge.CreateRequest{File: doc, FileName: "bench.md"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	start := time.Now()
	if err := eng.WaitIndexed(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*len(doc))/(1<<20)/max(time.Since(start).Seconds(), 1e-9), "MB/s-indexing-backlog")
}

// BenchmarkKnowledgeSearch10k: search latency with 10k documents (about
// 2 KB each) in one user's knowledge base; reports p50 and p99.
func BenchmarkKnowledgeSearch10k(b *testing.B) {
	eng := xentreetest.NewEngine(b)
	u, _ := xentreetest.CreateUser(b, eng, "")
	benchCorpus10k(b, eng, u)
	benchSearches(b, eng, u)
}

// benchCorpus10k stores 10k documents of about 2 KB in u's knowledge base,
// waits until they are indexed, and returns how many chunks they made.
func benchCorpus10k(b *testing.B, eng *xentree.Engine, u xentree.User) (chunks int) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10_000; i++ {
		d, err := eng.CreateDocument(ctx, u, knowledge.CreateRequest{Title: fmt.Sprintf("Doc %d", i),
			Content: benchMarkdown(r, 2000), ContentType: knowledge.TypeMarkdown})
		if err != nil {
			b.Fatal(err)
		}
		chunks += d.ChunkCount
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		b.Fatal(err)
	}
	return chunks
}

// benchSearches times knowledge searches as b's loop, reporting p50 and p99.
func benchSearches(b *testing.B, eng *xentree.Engine, u xentree.User) {
	ctx := context.Background()
	// Common words with rarer ones, as questions mix them.
	queries := []string{"how does a glacier move", "coffee roast " + benchVocab[300], "memory and sleep " + benchVocab[2000],
		"bicycle chain gear", benchVocab[150] + " of verb tense", "planet orbit " + benchVocab[900], "trade " + benchVocab[5000], "server network error"}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		res, err := eng.SearchKnowledge(ctx, u, knowledge.SearchRequest{Query: queries[i%len(queries)]})
		if err != nil || len(res.Results) == 0 {
			b.Fatalf("%v %d", err, len(res.Results))
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
