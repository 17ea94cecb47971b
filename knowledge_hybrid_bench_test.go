package xentree_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/xentreetest"
)

// BenchmarkKnowledgeSearchHybrid10k: BenchmarkKnowledgeSearch10k's corpus
// and queries with hybrid search on, against the fake embeddings server
// (a local HTTP call per query): the cost of the query's embedding, the
// scan of the caller's vectors and the fusion. Reports p50 and p99.
func BenchmarkKnowledgeSearchHybrid10k(b *testing.B) {
	for _, dims := range []int{256, 1536} {
		b.Run(fmt.Sprint("dims=", dims), func(b *testing.B) {
			fake := xentreetest.NewFakeOpenAI(b)
			eng := xentreetest.NewEngine(b, xentreetest.WithConfig(func(c *xentree.Config) {
				c.AI.Embeddings = xentree.EmbeddingsConfig{Model: "fake", BaseURL: fake.URL() + "/v1", Dimensions: dims, Batch: 256}
			}))
			u, _ := xentreetest.CreateUser(b, eng, "")
			start := time.Now()
			chunks := benchCorpus10k(b, eng, u)
			b.Logf("%d chunks stored, indexed and embedded in %v", chunks, time.Since(start))
			benchSearches(b, eng, u)
		})
	}
}
