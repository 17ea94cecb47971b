package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/xentree/xentree/xel"
)

// essay is one row of ellipse-dev.csv: the text and its human scores.
type essay struct {
	ID     string
	Prompt string
	Text   string
	Human  map[string]float64 // Overall, Cohesion, Syntax, Vocabulary, Phraseology, Grammar, Conventions
}

// humanColumns are the score columns of the ELLIPSE corpus.
var humanColumns = []string{"Overall", "Cohesion", "Syntax", "Vocabulary", "Phraseology", "Grammar", "Conventions"}

// pairs names what is compared: a score of the offline scorer (the overall
// score or a criterion) and the human column it is measured against.
var pairs = []struct{ Ours, Human string }{
	{"overall", "Overall"},
	{"vocabulary", "Vocabulary"},
	{"grammar", "Grammar"},
	{"coherence", "Cohesion"},
}

// heldOut is the fixed split: an essay whose id hashes (FNV-1a, 32 bits)
// to 0 mod 5 is held out, about a fifth of the corpus; nothing is tuned
// on it. The rule depends on the id alone, so it never changes with the
// order or the number of rows.
func heldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%5 == 0
}

func loadEllipse(path string) ([]essay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, want := range append([]string{"text_id_kaggle", "prompt", "full_text"}, humanColumns...) {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, want)
		}
	}
	var out []essay
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		e := essay{ID: rec[col["text_id_kaggle"]], Prompt: rec[col["prompt"]], Text: rec[col["full_text"]], Human: map[string]float64{}}
		for _, h := range humanColumns {
			v, err := strconv.ParseFloat(rec[col[h]], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: essay %s: %s: %v", path, e.ID, h, err)
			}
			e.Human[h] = v
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no essays", path)
	}
	return out, nil
}

// split returns the tuning part and the held-out part.
func split(es []essay) (tune, held []essay) {
	for _, e := range es {
		if heldOut(e.ID) {
			held = append(held, e)
		} else {
			tune = append(tune, e)
		}
	}
	return tune, held
}

// scores is what an evaluator gave one essay, by the names in pairs.
type scores map[string]float64

// offlineScores scores an essay with no Target: the corpus's prompt column
// is a short topic label ("Being busy"), not the prompt the writer saw.
func offlineScores(e essay) scores {
	ev := xel.ScoreWriting(e.Text, xel.Target{})
	s := scores{"overall": float64(ev.OverallScore)}
	for k, c := range ev.Criteria {
		s[k] = float64(c.Score)
	}
	return s
}

// rhos is Spearman's rho of each pair over the essays.
func rhos(es []essay, got []scores) map[string]float64 {
	out := map[string]float64{}
	for _, p := range pairs {
		var a, b []float64
		for i, e := range es {
			a = append(a, got[i][p.Ours])
			b = append(b, e.Human[p.Human])
		}
		out[p.Ours] = spearman(a, b)
	}
	return out
}

func formatRhos(label string, n int, r map[string]float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s n=%-4d", label, n)
	for _, p := range pairs {
		fmt.Fprintf(&b, "  %s~%s %.3f", p.Ours, p.Human, r[p.Ours])
	}
	return b.String()
}

func writingCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("writing", flag.ContinueOnError)
	fs.SetOutput(out)
	data := fs.String("data", filepath.Join(evalDir(), "ellipse-dev.csv"), "the ELLIPSE essays with their human scores")
	fit := fs.Bool("fit", false, "fit the offline scorer's weights on the tuning part and print them as Go source")
	provider := fs.String("provider", "", "grade the held-out essays through this AI provider (openai, anthropic, auto), configured from the environment")
	n := fs.Int("n", 50, "with -provider: how many held-out essays to send (0: all)")
	workers := fs.Int("workers", 4, "with -provider: essays graded at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	es, err := loadEllipse(*data)
	if err != nil {
		return err
	}
	tune, held := split(es)
	if *provider != "" {
		if *n > 0 && *n < len(held) {
			held = held[:*n]
		}
		return providerRun(ctx, aiFromEnv(), *provider, held, *workers, out, os.Stderr)
	}
	fmt.Fprintf(out, "writing: %s: %d essays, %d held out (FNV-1a of text_id mod 5 == 0), %d for tuning; Spearman's rho, offline scorer %s\n",
		filepath.Base(*data), len(es), len(held), len(tune), xel.OfflineModel)
	fmt.Fprintln(out, formatRhos("held-out", len(held), offlineRhos(held)))
	fmt.Fprintln(out, formatRhos("tuning", len(tune), offlineRhos(tune))+"  (fitted on these)")
	if *fit {
		fitWriting(tune, out)
	}
	return nil
}

// offlineRhos scores the essays offline and measures them.
func offlineRhos(es []essay) map[string]float64 {
	got := make([]scores, len(es))
	for i, e := range es {
		got[i] = offlineScores(e)
	}
	return rhos(es, got)
}

// spearman is Spearman's rho: Pearson's correlation of the ranks, tied
// values sharing their average rank.
func spearman(a, b []float64) float64 {
	return pearson(avgRanks(a), avgRanks(b))
}

func avgRanks(xs []float64) []float64 {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return xs[order[i]] < xs[order[j]] })
	r := make([]float64, len(xs))
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && xs[order[hi]] == xs[order[lo]] {
			hi++
		}
		mid := float64(lo+hi+1) / 2 // ranks lo+1..hi, averaged
		for _, i := range order[lo:hi] {
			r[i] = mid
		}
		lo = hi
	}
	return r
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var sa, sb float64
	for i := range a {
		sa += a[i]
		sb += b[i]
	}
	ma, mb := sa/n, sb/n
	var cov, va, vb float64
	for i := range a {
		cov += (a[i] - ma) * (b[i] - mb)
		va += (a[i] - ma) * (a[i] - ma)
		vb += (b[i] - mb) * (b[i] - mb)
	}
	if va == 0 || vb == 0 {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}
