package xel_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xentree/xentree/xel"
)

type labelled struct {
	File   string `json:"file"`
	Level  string `json:"level"`
	Prompt string `json:"prompt"`
}

func loadEssays(t testing.TB) ([]labelled, map[string]string) {
	dir := filepath.Join("testdata", "essays")
	b, err := os.ReadFile(filepath.Join(dir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ls []labelled
	if err := json.Unmarshal(b, &ls); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, l := range ls {
		b, err := os.ReadFile(filepath.Join(dir, l.File))
		if err != nil {
			t.Fatal(err)
		}
		texts[l.File] = string(b)
	}
	return ls, texts
}

// ranks returns the average ranks of xs (ties share their mean rank).
func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

// spearman is Pearson's correlation of the ranks.
func spearman(a, b []float64) float64 {
	ra, rb := ranks(a), ranks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i]
		mb += rb[i]
	}
	ma /= float64(len(ra))
	mb /= float64(len(rb))
	var num, da, db float64
	for i := range ra {
		num += (ra[i] - ma) * (rb[i] - mb)
		da += (ra[i] - ma) * (ra[i] - ma)
		db += (rb[i] - mb) * (rb[i] - mb)
	}
	return num / (sqrt(da) * sqrt(db))
}

func sqrt(x float64) float64 {
	z := x
	for i := 0; i < 50 && z > 0; i++ {
		z -= (z*z - x) / (2 * z)
	}
	return z
}

// TestScorerRanksEssays: on essays written at known levels (labelled when
// written, before scoring), the offline score must rank them like their
// levels: Spearman's rho at least 0.7.
func TestScorerRanksEssays(t *testing.T) {
	ls, texts := loadEssays(t)
	var labels, scores []float64
	for _, l := range ls {
		e := xel.ScoreWriting(texts[l.File], xel.Target{Prompt: l.Prompt})
		labels = append(labels, float64(slices.Index(xel.Levels, l.Level)))
		scores = append(scores, float64(e.OverallScore))
		t.Logf("%s %s -> %3d %s %v", l.File, l.Level, e.OverallScore, e.CEFREstimate, crit(e))
	}
	rho := spearman(labels, scores)
	t.Logf("Spearman rho between level labels and offline scores over %d essays: %.3f", len(ls), rho)
	if rho < 0.7 {
		t.Errorf("rho = %.3f, want at least 0.7", rho)
	}
}

func crit(e xel.Evaluation) string {
	var parts []string
	for _, k := range xel.Criteria[e.Kind] {
		parts = append(parts, k[:3]+"="+strconv.Itoa(e.Criteria[k].Score))
	}
	return strings.Join(parts, " ")
}

func TestScoreWritingShape(t *testing.T) {
	e := xel.ScoreWriting("i go to scool yesterday and i see a elephant. He go home.", xel.Target{MinWords: 40, MaxWords: 80})
	if e.Kind != xel.KindWriting || len(e.Criteria) != 4 || e.Provider != "local" || e.CEFREstimate == "" {
		t.Fatalf("%+v", e)
	}
	want := map[string]string{"scool": "school", "a elephant": "an elephant", "he go": "he goes", "i": "I"}
	for _, c := range e.Corrections {
		if s, ok := want[strings.ToLower(c.Original)]; ok && s == c.Suggestion {
			delete(want, strings.ToLower(c.Original))
		}
	}
	if len(want) > 0 {
		t.Errorf("missing corrections %v in %+v", want, e.Corrections)
	}
	if !strings.Contains(strings.Join(e.Feedback, " "), "automatic estimate") || !strings.Contains(e.Criteria["task_achievement"].Comment, "Too short") {
		t.Errorf("feedback %v / %v", e.Feedback, e.Criteria["task_achievement"])
	}
	sp := xel.ScoreSpeaking("um so I I think that um like travelling is um good", 30, xel.Target{})
	if sp.Criteria["fluency"].Score >= 60 || len(sp.Criteria) != 4 {
		t.Errorf("a halting transcript: %+v", sp.Criteria)
	}
	fluent := xel.ScoreSpeaking(strings.Repeat("Travelling teaches us patience because plans rarely work out exactly as expected. ", 6), 30, xel.Target{})
	if fluent.Criteria["fluency"].Score <= sp.Criteria["fluency"].Score {
		t.Errorf("fluent %d <= halting %d", fluent.Criteria["fluency"].Score, sp.Criteria["fluency"].Score)
	}
}

// BenchmarkScoreWriting300: the offline evaluation of a 300-word essay.
func BenchmarkScoreWriting300(b *testing.B) {
	ls, texts := loadEssays(b)
	var text string
	for _, l := range ls {
		if n := len(strings.Fields(texts[l.File])); n > 270 {
			text = texts[l.File]
			break
		}
	}
	xel.ScoreWriting("warm up the word lists", xel.Target{})
	b.ReportAllocs()
	for b.Loop() {
		xel.ScoreWriting(text, xel.Target{Prompt: "Should cities ban cars from the centre?"})
	}
}
