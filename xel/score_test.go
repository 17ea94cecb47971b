package xel_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
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

// TestCriteriaRankEssays: each writing criterion, too, rises with the
// level on the labelled essays: less strictly than the overall score, as
// each looks at one side of the text (an A2 text can be short and accurate).
func TestCriteriaRankEssays(t *testing.T) {
	ls, texts := loadEssays(t)
	for _, c := range []struct {
		name string
		min  float64
	}{{"vocabulary", 0.8}, {"coherence", 0.6}, {"grammar", 0.3}, {"task_achievement", 0.8}} {
		var labels, scores []float64
		for _, l := range ls {
			e := xel.ScoreWriting(texts[l.File], xel.Target{Prompt: l.Prompt})
			labels = append(labels, float64(slices.Index(xel.Levels, l.Level)))
			scores = append(scores, float64(e.Criteria[c.name].Score))
		}
		rho := spearman(labels, scores)
		t.Logf("%s: rho %.3f", c.name, rho)
		if rho < c.min {
			t.Errorf("%s: rho = %.3f, want at least %.1f", c.name, rho, c.min)
		}
	}
}

// TestScoreWritingSanity: changing one side of a text moves the matching
// criterion the right way.
func TestScoreWritingSanity(t *testing.T) {
	clean := "My grandmother has lived in the same village all her life. She wakes up early, feeds the chickens and walks " +
		"to the market, where she knows everyone. When I visit her, she tells me stories about her childhood, and I " +
		"always learn something new. I admire her patience and her sense of humour, which she has never lost."
	for _, tc := range []struct {
		name, criterion, worse, better string
	}{
		{"errors lower grammar", "grammar",
			"My grandmother live in the same village all her life. She wake up early, feed the chickens and walk " +
				"to the market, where she know everyone. When I visit her, she tell me storys about her childhood, and i " +
				"always learn something new. i admire her patience and her sense of humour, wich she has never lost.",
			clean},
		{"a wider range of words raises vocabulary", "vocabulary",
			"My grandmother is in the same town all her life. She gets up early, gives food to the chickens and goes " +
				"to the shop, where she knows everyone. When I go to her, she tells me things about when she was young, and I " +
				"always learn something new. I like her because she is nice and funny, and she is always nice.",
			clean},
		{"linking words and paragraphs raise coherence", "coherence",
			"My grandmother has lived in the same village all her life. She wakes up early. She feeds the chickens. She walks " +
				"to the market. She knows everyone. I visit her. She tells me stories about her childhood. I " +
				"learn something new. I admire her patience. I admire her sense of humour.",
			"My grandmother has lived in the same village all her life. Every morning she wakes up early, feeds the chickens " +
				"and then walks to the market, where she knows everyone.\n\nWhenever I visit her, she tells me stories about " +
				"her childhood; as a result, I always learn something new. Above all, I admire her patience and, in " +
				"addition, her sense of humour, which she has never lost."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := xel.ScoreWriting(tc.worse, xel.Target{}).Criteria[tc.criterion].Score
			b := xel.ScoreWriting(tc.better, xel.Target{}).Criteria[tc.criterion].Score
			t.Logf("%s: %d -> %d", tc.criterion, w, b)
			if w >= b {
				t.Errorf("%s: worse text %d >= better text %d", tc.criterion, w, b)
			}
		})
	}
	// The same text, the same evaluation.
	a, b := xel.ScoreWriting(clean, xel.Target{}), xel.ScoreWriting(clean, xel.Target{})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs differ: %+v / %+v", a, b)
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

// A regularised irregular verb gets its right past, not the nearest
// spelling: "goed" was corrected to "geed" and "buyed" to "bayed".
func TestOverregularisedVerbs(t *testing.T) {
	e := xel.ScoreWriting("Yesterday I goed to the market and buyed some apples. We eated them, then we runned home and writed a letter.", xel.Target{})
	want := map[string]string{"goed": "went", "buyed": "bought", "eated": "ate", "runned": "ran", "writed": "wrote"}
	for _, c := range e.Corrections {
		if s, ok := want[c.Original]; ok {
			if c.Suggestion != s || !strings.HasPrefix(c.Reason, "irregular verb: ") {
				t.Errorf("%s: %+v, want %q", c.Original, c, s)
			}
			delete(want, c.Original)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v in %+v", want, e.Corrections)
	}
	for _, c := range e.Corrections {
		if c.Original == "goed" && !strings.Contains(c.Reason, "go, went, gone") {
			t.Errorf("reason %q", c.Reason)
		}
	}
}

// TestScoreWritingDegenerate: texts unlike any essay the weights were
// fitted on get low scores, not extrapolated ones.
func TestScoreWritingDegenerate(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		max        int
	}{
		{"no words", " ... ", 0},
		{"one word", "hello", 10},
		{"one sentence", "I like my town because it is quiet.", 25},
		{"one word 3,000 times", strings.Repeat("word ", 3000), 35},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := xel.ScoreWriting(tc.text, xel.Target{})
			for k, c := range e.Criteria {
				if c.Score < 0 || c.Score > 100 || c.Comment == "" {
					t.Errorf("%s = %+v", k, c)
				}
			}
			if e.OverallScore > tc.max {
				t.Errorf("OverallScore = %d, want at most %d (%v)", e.OverallScore, tc.max, crit(e))
			}
		})
	}
}

func TestWritingFeaturesNamed(t *testing.T) {
	for _, text := range []string{"", "One sentence here.", strings.Repeat("A longer text, with commas; and more. ", 20)} {
		if got, want := len(xel.WritingFeatures(text)), len(xel.WritingFeatureNames()); got != want {
			t.Errorf("len(WritingFeatures(%.10q)) = %d, want %d", text, got, want)
		}
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

// TestScoreWritingOwnWords: a text made of its prompt, pasted once or
// again and again, earns nearly nothing (four pastes of a B2 prompt passed
// its task at 62); a text that takes up a phrase of the prompt, as
// answers do, loses nothing.
func TestScoreWritingOwnWords(t *testing.T) {
	prompt := "Write a formal letter of complaint to a hotel manager about a noisy room, a broken shower and rude staff " +
		"during your stay last month. Explain what happened, say how it affected your holiday and ask for a refund."
	target := xel.Target{Prompt: prompt, MinWords: 120, MaxWords: 220}
	own := "Dear Manager, I am writing to complain about my stay at your hotel last month. My room was next to the lift, " +
		"so I could not sleep before two in the morning. In addition, the shower did not work for three days, although I " +
		"reported it twice. When I asked the receptionist for help, she laughed and told me to use the pool. As a result, " +
		"my holiday was tiring rather than relaxing, and my children were upset. I believe that a refund of half the price " +
		"is fair, because we paid for a service we did not receive. I look forward to your reply. Yours faithfully, Ana Costa"
	honest := xel.ScoreWriting(own, target)
	for name, text := range map[string]string{
		"the prompt four times": strings.Repeat(prompt+" ", 4),
		"the prompt once":       prompt + " " + prompt[:40],
		"a paragraph six times": strings.Repeat(own[:200]+" ", 6),
	} {
		e := xel.ScoreWriting(text, target)
		if e.OverallScore > 20 || e.Criteria["task_achievement"].Score > 30 {
			t.Errorf("%s: overall %d, task %d (%s)", name, e.OverallScore, e.Criteria["task_achievement"].Score, e.Criteria["task_achievement"].Comment)
		}
	}
	if e := xel.ScoreSpeaking(strings.Repeat(prompt+" ", 3), 90, xel.Target{Prompt: prompt}); e.OverallScore > 20 {
		t.Errorf("the prompt read out three times: overall %d", e.OverallScore)
	}
	quoting := xel.ScoreWriting("I want to ask for a refund. "+own, target) // takes up the prompt's phrase
	if honest.OverallScore < 50 || quoting.OverallScore < honest.OverallScore-2 {
		t.Errorf("own words: %d, quoting a phrase of the prompt: %d", honest.OverallScore, quoting.OverallScore)
	}
}
