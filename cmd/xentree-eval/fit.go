package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/xentree/xentree/xel"
)

// featureNames are the offline scorer's features, in order.
var featureNames = xel.WritingFeatureNames()

// criterionFeatures are the features each score of the offline scorer is
// fitted on: the overall score on all of them, each criterion on its own
// subset, so that its score (and its comment) says something about that
// criterion rather than about the essay as a whole.
var criterionFeatures = map[string][]string{
	"overall": featureNames,
	"vocabulary": {"ln_words", "guiraud", "mtld", "hapax_share", "rare_share", "band3_share", "common_share",
		"mean_word_len", "long_word_share", "suffix_share", "ly_share", "misspelled_rate", "misspelled_sqrt", "repeat_share",
		"long_types", "content_types", "bigram_repeat", "vague_rate", "word_len_sd"},
	"grammar": {"ln_words", "ln_mean_sent_len", "sd_sent_len", "long_sent_share", "misspelled_rate", "misspelled_sqrt",
		"grammar_rate", "lower_i_rate", "lower_start_share", "caps_error_rate", "no_apostrophe_rate", "spacing_rate",
		"comma_rate", "rich_punct_rate", "subordinator_rate", "contraction_rate", "fragment_share"},
	"coherence": {"ln_words", "ln_sentences", "long_sent_share", "ln_paragraphs", "ln_para_len",
		"connective_types", "connective_rate", "subordinator_rate", "comma_rate", "repeat_share", "bigram_repeat",
		"lower_start_share", "fragment_share", "question_rate", "you_rate", "i_rate"},
}

// ridgeLambdas are the penalties tried, on standardised features; the one
// with the best cross-validated rho on the tuning part is kept.
var ridgeLambdas = []float64{0, 1, 3, 10, 30, 100, 300, 1000}

// linear is a fitted model on the raw features: Intercept + Σ w·x.
type linear struct {
	Intercept float64
	Weights   map[string]float64
}

func (m linear) predict(x []float64) float64 {
	s := m.Intercept
	for i, name := range featureNames {
		s += m.Weights[name] * x[i]
	}
	return s
}

// fitRidge fits y on the named columns of x by ridge regression on
// standardised features, then stretches the fit so that its predictions
// spread as much as y does on the fitting data (least squares shrinks them
// towards the mean; the stretch leaves every ranking as it is, so the
// scores use the human scale).
func fitRidge(x [][]float64, y []float64, cols []string, lambda float64) linear {
	idx := make([]int, len(cols))
	for j, c := range cols {
		idx[j] = slices.Index(featureNames, c)
		if idx[j] < 0 {
			panic("no feature " + c)
		}
	}
	n, p := float64(len(x)), len(cols)
	mean, sd := make([]float64, p), make([]float64, p)
	for j, k := range idx {
		for _, row := range x {
			mean[j] += row[k]
		}
		mean[j] /= n
		for _, row := range x {
			sd[j] += (row[k] - mean[j]) * (row[k] - mean[j])
		}
		sd[j] = math.Sqrt(sd[j] / n)
		if sd[j] == 0 {
			sd[j] = 1
		}
	}
	var my float64
	for _, v := range y {
		my += v
	}
	my /= n
	// Normal equations (Z'Z + λI) β = Z'(y - ȳ).
	a := make([][]float64, p)
	b := make([]float64, p)
	for j := range a {
		a[j] = make([]float64, p)
	}
	z := make([]float64, p)
	for i, row := range x {
		for j, k := range idx {
			z[j] = (row[k] - mean[j]) / sd[j]
		}
		for j := range p {
			b[j] += z[j] * (y[i] - my)
			for k := range p {
				a[j][k] += z[j] * z[k]
			}
		}
	}
	for j := range p {
		a[j][j] += lambda
	}
	beta := solve(a, b)
	m := linear{Weights: map[string]float64{}}
	for j, c := range cols {
		m.Weights[c] = beta[j] / sd[j]
	}
	m.Intercept = my
	for j, c := range cols {
		m.Intercept -= m.Weights[c] * mean[j]
	}
	// Stretch to the spread of y.
	var vp, vy float64
	for i, row := range x {
		d := m.predict(row) - my
		vp += d * d
		vy += (y[i] - my) * (y[i] - my)
	}
	if vp > 0 {
		k := math.Sqrt(vy / vp)
		m.Intercept = my + k*(m.Intercept-my)
		for c := range m.Weights {
			m.Weights[c] *= k
		}
	}
	return m
}

// solve solves a·x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) []float64 {
	p := len(b)
	for c := range p {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		a[c], a[piv] = a[piv], a[c]
		b[c], b[piv] = b[piv], b[c]
		if a[c][c] == 0 {
			continue
		}
		for r := c + 1; r < p; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < p; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, p)
	for r := p - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < p; k++ {
			s -= a[r][k] * x[k]
		}
		if a[r][r] != 0 {
			x[r] = s / a[r][r]
		}
	}
	return x
}

// crossValidate returns the mean Spearman rho over 5 folds (essay i of the
// tuning part in fold i mod 5) of a ridge fit with the given penalty, the
// held-out fold's features clipped to the range of the others, as
// ScoreWriting clips them.
func crossValidate(x [][]float64, y []float64, cols []string, lambda float64) float64 {
	return crossValidateOn(x, y, y, cols, lambda)
}

// crossValidateOn fits on y and measures against judge.
func crossValidateOn(x [][]float64, y, judge []float64, cols []string, lambda float64) float64 {
	const k = 5
	var sum float64
	for fold := range k {
		var tx, vx [][]float64
		var ty, vy []float64
		for i := range x {
			if i%k == fold {
				vx, vy = append(vx, x[i]), append(vy, judge[i])
			} else {
				tx, ty = append(tx, x[i]), append(ty, y[i])
			}
		}
		m := fitRidge(tx, ty, cols, lambda)
		lo, hi := featureRange(tx)
		pred := make([]float64, len(vx))
		for i, row := range vx {
			c := make([]float64, len(row))
			for j := range row {
				c[j] = min(max(row[j], lo[j]), hi[j])
			}
			pred[i] = m.predict(c)
		}
		sum += spearman(pred, vy)
	}
	return sum / k
}

// fitWriting fits every model of the offline scorer on the tuning essays
// and prints the single-feature correlations, the cross-validated rho of
// each model and its weights as Go source for xel/model.go.
func fitWriting(tune []essay, out io.Writer) {
	x := make([][]float64, len(tune))
	for i, e := range tune {
		x[i] = xel.WritingFeatures(e.Text)
	}
	fmt.Fprintf(out, "\nSingle features on the tuning part (n=%d), Spearman's rho with each human score:\n", len(tune))
	fmt.Fprintf(out, "%-20s", "feature")
	for _, p := range pairs {
		fmt.Fprintf(out, " %10s", p.Human)
	}
	fmt.Fprintln(out)
	for j, name := range featureNames {
		fmt.Fprintf(out, "%-20s", name)
		for _, p := range pairs {
			col, y := make([]float64, len(x)), make([]float64, len(x))
			for i := range x {
				col[i], y[i] = x[i][j], tune[i].Human[p.Human]
			}
			fmt.Fprintf(out, " %10.3f", spearman(col, y))
		}
		fmt.Fprintln(out)
	}
	comp := make([]float64, len(tune))
	ov := make([]float64, len(tune))
	for i, e := range tune {
		for _, h := range humanColumns {
			comp[i] += e.Human[h] / float64(len(humanColumns))
		}
		ov[i] = e.Human["Overall"]
	}
	fmt.Fprint(out, "\noverall fitted on the mean of all seven human scores, judged on Overall:")
	for _, l := range ridgeLambdas {
		fmt.Fprintf(out, "  λ=%g %.3f", l, crossValidateOn(x, comp, ov, featureNames, l))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "\nRidge fits, 5-fold cross-validated rho on the tuning part by penalty:")
	var src strings.Builder
	src.WriteString("var writingModels = map[string]linear{\n")
	for _, p := range pairs {
		y := make([]float64, len(tune))
		for i, e := range tune {
			y[i] = e.Human[p.Human]
		}
		cols := criterionFeatures[p.Ours]
		best, bestRho := 0.0, math.Inf(-1)
		fmt.Fprintf(out, "%-11s", p.Ours)
		for _, l := range ridgeLambdas {
			rho := crossValidate(x, y, cols, l)
			fmt.Fprintf(out, "  λ=%g %.3f", l, rho)
			if rho > bestRho+1e-9 {
				best, bestRho = l, rho
			}
		}
		fmt.Fprintf(out, "  → λ=%g\n", best)
		m := fitRidge(x, y, cols, best)
		fmt.Fprintf(&src, "\t%q: {Intercept: %.6g, Weights: map[string]float64{ // %s, λ=%g, cv rho %.3f\n", p.Ours, m.Intercept, p.Human, best, bestRho)
		names := slices.Clone(cols)
		sort.SliceStable(names, func(i, j int) bool {
			return slices.Index(featureNames, names[i]) < slices.Index(featureNames, names[j])
		})
		for _, c := range names {
			fmt.Fprintf(&src, "\t\t%q: %.6g,\n", c, m.Weights[c])
		}
		src.WriteString("\t}},\n")
	}
	src.WriteString("}\n\n")
	src.WriteString("// writingRange is each feature's range over the essays the models were\n" +
		"// fitted on. ScoreWriting clips the features to it, so a text unlike any\n" +
		"// of them (5,000 words of one word) is not extrapolated.\n")
	src.WriteString("var writingRange = map[string][2]float64{\n")
	lo, hi := featureRange(x)
	for j, name := range featureNames {
		fmt.Fprintf(&src, "\t%q: {%.6g, %.6g},\n", name, lo[j], hi[j])
	}
	src.WriteString("}\n")
	fmt.Fprintln(out, "\nWeights, for xel/model.go:")
	fmt.Fprint(out, src.String())
}

// featureRange is the smallest and the largest value of each feature.
func featureRange(x [][]float64) (lo, hi []float64) {
	p := len(featureNames)
	lo, hi = make([]float64, p), make([]float64, p)
	for j := range p {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		for _, row := range x {
			lo[j], hi[j] = math.Min(lo[j], row[j]), math.Max(hi[j], row[j])
		}
	}
	return lo, hi
}
