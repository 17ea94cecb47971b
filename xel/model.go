package xel

import "math"

// linear is a fitted linear model over the writing features: Intercept +
// Σ Weights[name]·feature. Its prediction is on the human 1-5 scale of the
// ELLIPSE corpus; scaleScore maps it to 0-100.
type linear struct {
	Intercept float64
	Weights   map[string]float64
}

// predict sums in the fixed order of featureNames, so a score is the
// same on every run.
func (m linear) predict(x []float64) float64 {
	s := m.Intercept
	for i, name := range featureNames {
		s += m.Weights[name] * x[i]
	}
	return s
}

// clipToRange clips each feature to writingRange.
func clipToRange(x []float64) []float64 {
	for i, name := range featureNames {
		if r, ok := writingRange[name]; ok {
			x[i] = min(max(x[i], r[0]), r[1])
		}
	}
	return x
}

// shortFactor shrinks the scores of a text shorter than the shortest essay
// the models were fitted on (46 words), in proportion to its length: the
// features are clipped to that essay's, so the models alone would rate a
// single word like a short essay.
func shortFactor(words int) float64 {
	shortest := math.Exp(writingRange["ln_words"][0]) - 1
	return min(1, float64(words)/shortest)
}

// scaleScore maps the human 1-5 scale onto 0-100: 1 → 20, 3 → 60 (the
// pass mark), 5 → 100.
func scaleScore(human float64) float64 { return 20 * human }

// writingModels are the offline writing scorer's weights: ridge regressions
// of the human scores of the ELLIPSE corpus (Crossley et al. 2023, the dev
// half kept outside the repository) on WritingFeatures, fitted on the
// essays that are not held out (the split is cmd/xentree-eval's heldOut),
// then stretched so their predictions spread like the human scores.
// "overall" is fitted to Overall on every feature; "vocabulary",
// "grammar" and "coherence" to Vocabulary, Grammar and Cohesion, each on
// its own subset of features. Reproduce them with
//
//	go run ./cmd/xentree-eval writing -fit
//
// which prints this block; the scorer itself reads no data.
var writingModels = map[string]linear{
	"overall": {Intercept: 0.403, Weights: map[string]float64{ // Overall, λ=300, cv rho 0.649
		"ln_words":           0.0144253,
		"ln_sentences":       0.0505769,
		"ln_mean_sent_len":   -0.0786159,
		"sd_sent_len":        -0.00188913,
		"long_sent_share":    -0.204868,
		"ln_paragraphs":      -0.114258,
		"guiraud":            0.0661858,
		"mtld":               0.552906,
		"hapax_share":        0.715623,
		"rare_share":         -1.45216,
		"band3_share":        0.519912,
		"common_share":       0.0020946,
		"mean_word_len":      0.0422205,
		"long_word_share":    0.38255,
		"suffix_share":       -1.1527,
		"ly_share":           7.37536,
		"misspelled_rate":    -2.21999,
		"misspelled_sqrt":    -0.615937,
		"grammar_rate":       -24.8631,
		"lower_i_rate":       -2.43889,
		"lower_start_share":  -0.46339,
		"caps_error_rate":    -0.732552,
		"no_apostrophe_rate": -3.45122,
		"spacing_rate":       -1.56517,
		"comma_rate":         -0.00879297,
		"rich_punct_rate":    -0.15652,
		"connective_types":   0.0099641,
		"connective_rate":    -0.017043,
		"subordinator_rate":  0.0811537,
		"repeat_share":       0.414299,
		"you_rate":           0.241525,
		"i_rate":             0.265446,
		"ln_words_sq":        -0.0621831,
		"long_types":         0.085895,
		"content_types":      -0.00355831,
		"ln_para_len":        0.0824199,
		"bigram_repeat":      0.373384,
		"vague_rate":         -1.16713,
		"question_rate":      0.481958,
		"exclaim_rate":       -0.41749,
		"contraction_rate":   3.67522,
		"fragment_share":     -0.1577,
		"word_len_sd":        0.231923,
		"ln_types":           0.157691,
		"long10_share":       -0.934697,
		"ing_rate":           0.512193,
		"perfect_passive":    0.403726,
		"that_rate":          -0.0336832,
		"prep_rate":          0.957339,
		"pronoun_rate":       0.412147,
		"no_end_punct":       0.0693691,
		"one_paragraph":      -0.165299,
		"comma_sent_share":   0.0548152,
		"misspelled_types":   -0.224769,
		"median_sent_len":    -0.0218232,
		"spacing_sqrt":       -0.915319,
		"slip_rate":          1.66943,
	}},
	"vocabulary": {Intercept: 0.108122, Weights: map[string]float64{ // Vocabulary, λ=1, cv rho 0.584
		"ln_words":        -0.0649812,
		"guiraud":         0.426772,
		"mtld":            0.393116,
		"hapax_share":     0.0065426,
		"rare_share":      -2.60692,
		"band3_share":     -1.03253,
		"common_share":    -1.52912,
		"mean_word_len":   0.261931,
		"long_word_share": -1.74947,
		"suffix_share":    -1.07395,
		"ly_share":        7.51462,
		"misspelled_rate": -6.39193,
		"misspelled_sqrt": -1.4025,
		"repeat_share":    0.361957,
		"long_types":      0.35905,
		"content_types":   -0.301481,
		"bigram_repeat":   2.14909,
		"vague_rate":      -2.85966,
		"word_len_sd":     0.269197,
	}},
	"grammar": {Intercept: 3.43656, Weights: map[string]float64{ // Grammar, λ=30, cv rho 0.550
		"ln_words":           0.0254918,
		"ln_mean_sent_len":   0.0612854,
		"sd_sent_len":        -0.00413235,
		"long_sent_share":    -0.764386,
		"misspelled_rate":    -1.35705,
		"misspelled_sqrt":    -1.64067,
		"grammar_rate":       -68.5363,
		"lower_i_rate":       -3.92419,
		"lower_start_share":  -0.694761,
		"caps_error_rate":    -1.23227,
		"no_apostrophe_rate": 7.41642,
		"spacing_rate":       -7.03673,
		"comma_rate":         0.0044512,
		"rich_punct_rate":    -0.261423,
		"subordinator_rate":  0.38281,
		"contraction_rate":   7.82999,
		"fragment_share":     -0.135395,
	}},
	"coherence": {Intercept: 3.46034, Weights: map[string]float64{ // Cohesion, λ=1, cv rho 0.477
		"ln_words":          1.97408,
		"ln_sentences":      -0.0934704,
		"long_sent_share":   -1.02061,
		"ln_paragraphs":     -2.38666,
		"lower_start_share": -0.870492,
		"comma_rate":        0.019655,
		"connective_types":  0.106024,
		"connective_rate":   -0.136603,
		"subordinator_rate": 0.39701,
		"repeat_share":      0.854277,
		"you_rate":          -1.54391,
		"i_rate":            -2.09315,
		"ln_para_len":       -1.71243,
		"bigram_repeat":     -1.50167,
		"question_rate":     0.0796882,
		"fragment_share":    -0.785403,
	}},
}

// writingRange is each feature's range over the essays the models were
// fitted on. ScoreWriting clips the features to it, so a text unlike any
// of them (5,000 words of one word) is not extrapolated.
var writingRange = map[string][2]float64{
	"ln_words":           {3.85015, 7.14913},
	"ln_sentences":       {0.693147, 4.68213},
	"ln_mean_sent_len":   {2.32128, 6.19848},
	"sd_sent_len":        {0, 396.865},
	"long_sent_share":    {0, 1},
	"ln_paragraphs":      {0.693147, 3.61092},
	"guiraud":            {3.75821, 11.7044},
	"mtld":               {0.196384, 1.08019},
	"hapax_share":        {0.186813, 0.758621},
	"rare_share":         {0, 0.241667},
	"band3_share":        {0, 0.0941176},
	"common_share":       {0.449198, 0.9},
	"mean_word_len":      {3.32107, 5.25952},
	"long_word_share":    {0.0349345, 0.32526},
	"suffix_share":       {0, 0.084375},
	"ly_share":           {0, 0.0621118},
	"misspelled_rate":    {0, 0.189944},
	"misspelled_sqrt":    {0, 0.435826},
	"grammar_rate":       {0, 0.071161},
	"lower_i_rate":       {0, 0.0845921},
	"lower_start_share":  {0, 1},
	"caps_error_rate":    {0, 0.737805},
	"no_apostrophe_rate": {0, 0.0387097},
	"spacing_rate":       {0, 0.092827},
	"comma_rate":         {0, 18.5},
	"rich_punct_rate":    {0, 3.5},
	"connective_types":   {0, 22},
	"connective_rate":    {0, 18},
	"subordinator_rate":  {0, 2.5},
	"repeat_share":       {0, 0.571429},
	"you_rate":           {0, 0.197943},
	"i_rate":             {0, 0.137587},
	"ln_words_sq":        {1.1309e-06, 4.62187},
	"long_types":         {0.175262, 3.86934},
	"content_types":      {0.645942, 7.03507},
	"ln_para_len":        {2.41653, 6.42972},
	"bigram_repeat":      {0.0238095, 0.4687},
	"vague_rate":         {0, 0.0853659},
	"question_rate":      {0, 0.666667},
	"exclaim_rate":       {0, 0.735849},
	"contraction_rate":   {0, 0.0453258},
	"fragment_share":     {0, 0.777778},
	"word_len_sd":        {1.29722, 3.14354},
	"ln_types":           {3.3673, 5.93225},
	"long10_share":       {0, 0.120879},
	"ing_rate":           {0, 0.131429},
	"perfect_passive":    {0, 1},
	"that_rate":          {0, 5.5},
	"prep_rate":          {0, 0.147799},
	"pronoun_rate":       {0, 0.120818},
	"no_end_punct":       {0, 1},
	"one_paragraph":      {0, 1},
	"comma_sent_share":   {0, 1},
	"misspelled_types":   {0, 3.61004},
	"median_sent_len":    {2.19722, 6.19848},
	"spacing_sqrt":       {0, 0.304675},
	"slip_rate":          {0, 0.0326087},
}
