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
