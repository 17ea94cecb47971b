package xel

// linear is a fitted linear model over the writing features: Intercept +
// Σ Weights[name]·feature. Its prediction is on the human 1-5 scale of the
// ELLIPSE corpus; scaleScore maps it to 0-100.
type linear struct {
	Intercept float64
	Weights   map[string]float64
}

// predict sums in the fixed order of WritingFeatureNames, so a score is the
// same on every run.
func (m linear) predict(x []float64) float64 {
	s := m.Intercept
	for i, name := range WritingFeatureNames {
		s += m.Weights[name] * x[i]
	}
	return s
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
	"overall": {Intercept: 0.899887, Weights: map[string]float64{ // Overall, λ=300, cv rho 0.635
		"ln_words":           0.041922,
		"ln_sentences":       0.0682296,
		"ln_mean_sent_len":   -0.087101,
		"sd_sent_len":        -0.00146575,
		"long_sent_share":    -0.238212,
		"ln_paragraphs":      -0.0920306,
		"guiraud":            0.0795495,
		"mtld":               0.657369,
		"hapax_share":        0.728638,
		"rare_share":         -1.62398,
		"band3_share":        0.386612,
		"common_share":       0.0857087,
		"mean_word_len":      0.030986,
		"long_word_share":    0.345566,
		"suffix_share":       -1.85888,
		"ly_share":           7.39258,
		"misspelled_rate":    -3.67572,
		"misspelled_sqrt":    -1.00597,
		"grammar_rate":       -27.7083,
		"lower_i_rate":       -2.78762,
		"lower_start_share":  -0.501111,
		"caps_error_rate":    -1.14529,
		"no_apostrophe_rate": -2.72075,
		"spacing_rate":       -5.40487,
		"comma_rate":         -0.00712305,
		"rich_punct_rate":    -0.138884,
		"connective_types":   0.0122665,
		"connective_rate":    -0.0237862,
		"subordinator_rate":  0.0950954,
		"repeat_share":       0.515379,
		"you_rate":           0.210614,
		"i_rate":             0.165112,
		"ln_words_sq":        -0.0820179,
		"long_types":         0.105681,
		"content_types":      0.0105981,
		"ln_para_len":        0.0685793,
		"bigram_repeat":      0.393518,
		"vague_rate":         -1.78117,
		"question_rate":      0.494984,
		"exclaim_rate":       -0.502091,
		"contraction_rate":   3.91529,
		"fragment_share":     -0.19574,
		"word_len_sd":        0.203962,
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
	"grammar": {Intercept: 3.64386, Weights: map[string]float64{ // Grammar, λ=100, cv rho 0.512
		"ln_words":           0.0509275,
		"ln_mean_sent_len":   -0.0444852,
		"sd_sent_len":        -0.00375515,
		"long_sent_share":    -0.671179,
		"misspelled_rate":    -2.00113,
		"misspelled_sqrt":    -1.52788,
		"grammar_rate":       -70.3863,
		"lower_i_rate":       -4.56969,
		"lower_start_share":  -0.761454,
		"caps_error_rate":    -2.03867,
		"no_apostrophe_rate": 10.9306,
		"spacing_rate":       -7.46856,
		"comma_rate":         -0.028152,
		"rich_punct_rate":    -0.243603,
		"subordinator_rate":  0.408775,
		"contraction_rate":   9.31129,
		"fragment_share":     -0.232734,
	}},
	"coherence": {Intercept: 4.8779, Weights: map[string]float64{ // Cohesion, λ=0, cv rho 0.481
		"ln_words":          4.29877,
		"ln_sentences":      -2.24838,
		"ln_mean_sent_len":  -2.15827,
		"long_sent_share":   -0.820328,
		"ln_paragraphs":     -2.81032,
		"lower_start_share": -0.83833,
		"comma_rate":        -0.000284272,
		"connective_types":  0.100694,
		"connective_rate":   -0.066042,
		"subordinator_rate": 0.407364,
		"repeat_share":      0.823875,
		"you_rate":          -1.59913,
		"i_rate":            -2.24818,
		"ln_para_len":       -2.03907,
		"bigram_repeat":     -1.55386,
		"question_rate":     0.00348138,
		"fragment_share":    -0.835327,
	}},
}
