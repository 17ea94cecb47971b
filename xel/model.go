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
	"overall": {Intercept: 0.4034, Weights: map[string]float64{ // Overall, λ=300, cv rho 0.649
		"ln_words":           0.0144393,
		"ln_sentences":       0.0506232,
		"ln_mean_sent_len":   -0.0785206,
		"sd_sent_len":        -0.00188768,
		"long_sent_share":    -0.203182,
		"ln_paragraphs":      -0.114286,
		"guiraud":            0.0662196,
		"mtld":               0.551193,
		"hapax_share":        0.711208,
		"rare_share":         -1.45064,
		"band3_share":        0.482101,
		"common_share":       0.00842496,
		"mean_word_len":      0.0413721,
		"long_word_share":    0.395616,
		"suffix_share":       -1.15106,
		"ly_share":           7.40042,
		"misspelled_rate":    -2.24053,
		"misspelled_sqrt":    -0.616799,
		"grammar_rate":       -25.2739,
		"lower_i_rate":       -2.40046,
		"lower_start_share":  -0.465538,
		"caps_error_rate":    -0.724796,
		"no_apostrophe_rate": -3.47681,
		"spacing_rate":       -1.54984,
		"comma_rate":         -0.00854779,
		"rich_punct_rate":    -0.155902,
		"connective_types":   0.00993214,
		"connective_rate":    -0.0171518,
		"subordinator_rate":  0.082605,
		"repeat_share":       0.408291,
		"you_rate":           0.232626,
		"i_rate":             0.254292,
		"ln_words_sq":        -0.0618661,
		"long_types":         0.0854923,
		"content_types":      -0.00364291,
		"ln_para_len":        0.0825931,
		"bigram_repeat":      0.367143,
		"vague_rate":         -1.15002,
		"question_rate":      0.47848,
		"exclaim_rate":       -0.417303,
		"contraction_rate":   3.67184,
		"fragment_share":     -0.15368,
		"word_len_sd":        0.231387,
		"ln_types":           0.158177,
		"long10_share":       -0.948857,
		"ing_rate":           0.487086,
		"perfect_passive":    0.403999,
		"that_rate":          -0.0335629,
		"prep_rate":          0.979277,
		"pronoun_rate":       0.431471,
		"no_end_punct":       0.070479,
		"one_paragraph":      -0.164543,
		"comma_sent_share":   0.0550834,
		"misspelled_types":   -0.223695,
		"median_sent_len":    -0.0222327,
		"spacing_sqrt":       -0.907092,
		"slip_rate":          1.70005,
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
	"grammar": {Intercept: 3.43954, Weights: map[string]float64{ // Grammar, λ=30, cv rho 0.551
		"ln_words":           0.0251909,
		"ln_mean_sent_len":   0.0595531,
		"sd_sent_len":        -0.00412989,
		"long_sent_share":    -0.757756,
		"misspelled_rate":    -1.4752,
		"misspelled_sqrt":    -1.62655,
		"grammar_rate":       -69.1538,
		"lower_i_rate":       -3.80461,
		"lower_start_share":  -0.701611,
		"caps_error_rate":    -1.20899,
		"no_apostrophe_rate": 7.42878,
		"spacing_rate":       -6.91715,
		"comma_rate":         0.00471778,
		"rich_punct_rate":    -0.259408,
		"subordinator_rate":  0.390354,
		"contraction_rate":   7.84435,
		"fragment_share":     -0.119691,
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
