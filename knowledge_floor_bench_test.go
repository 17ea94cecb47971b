//go:build unix

package xentree_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/xentree/xentree/internal/extract"
	"github.com/xentree/xentree/knowledge"
)

// BenchmarkBleveFloor is the ceiling issue 23's indexing target is measured
// against: the 20 MiB document of BenchmarkKnowledgeIngest, cut into the
// engine's chunks, indexed by bare Bleve with the least any search of it
// needs. One English text field and nothing else: no stored body (so no
// snippets), no scope, type or parent fields, no database behind it, no
// crash safety, and no merges paid (the index is closed as soon as the last
// batch is in). Batches of 2,000 chunks; "2x" builds two at once, one per
// core. "positions" keeps term positions, which quoted-phrase search needs.
// It reports MB/s of the document and the CPU-seconds the process spent.
//
//	go test -run '^$' -bench BleveFloor -benchtime 1x -count 3 .
func BenchmarkBleveFloor(b *testing.B) {
	doc := []byte(benchProse(rand.New(rand.NewPCG(23, 1)), 20<<20))
	_, blocks, err := extract.Extract(context.Background(), "prose.md", doc, "")
	if err != nil {
		b.Fatal(err)
	}
	chunks := knowledge.Split(blocks, knowledge.Chunking{Size: 1200, Overlap: 200}) // the engine's defaults
	for _, c := range []struct {
		name      string
		positions bool
		parallel  int
	}{{"positions/1x", true, 1}, {"positions/2x", true, 2}, {"no-positions/1x", false, 1}, {"no-positions/2x", false, 2}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			var cpu float64
			for range b.N {
				b.StopTimer()
				f := bleve.NewTextFieldMapping()
				f.Analyzer = en.AnalyzerName
				f.Store, f.IncludeInAll, f.DocValues, f.IncludeTermVectors = false, false, false, c.positions
				dm := mapping.NewDocumentStaticMapping()
				dm.AddFieldMappingsAt("body", f)
				im := bleve.NewIndexMapping()
				im.DefaultMapping = dm
				ix, err := bleve.New(b.TempDir()+"/ix", im)
				if err != nil {
					b.Fatal(err)
				}
				cpu0 := cpuSeconds()
				b.StartTimer()
				next := make(chan int)
				go func() {
					defer close(next)
					for i := 0; i < len(chunks); i += 2000 {
						next <- i
					}
				}()
				var wg sync.WaitGroup
				for range c.parallel {
					wg.Go(func() {
						for i := range next {
							batch := ix.NewBatch()
							for j := i; j < min(i+2000, len(chunks)); j++ {
								_ = batch.Index(strconv.Itoa(j), map[string]any{"body": chunks[j].Text})
							}
							if err := ix.Batch(batch); err != nil {
								b.Error(err)
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				cpu += cpuSeconds() - cpu0
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuSeconds is the CPU time the process has used, user and system.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
