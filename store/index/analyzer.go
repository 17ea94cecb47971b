package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/xentree/xentree/internal/xerr"
)

// Analyzer is the English analysis of this index (Bleve's en analyzer:
// possessives, lower case, stop words, Porter stemming), for a search index
// kept elsewhere: the PostgreSQL store indexes and queries the same terms,
// so that both stores find and rank alike, and marks matches in snippets
// the same way. Safe for concurrent use.
type Analyzer struct {
	en    analysis.Analyzer
	words *englishTerms
}

// NewAnalyzer returns the English analyzer.
func NewAnalyzer() (*Analyzer, error) {
	a, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		return nil, xerr.Internalf(err, "index: english analyzer")
	}
	return &Analyzer{en: a, words: newEnglishTerms(a)}, nil
}

// Terms returns text's terms in order, repeats kept.
func (a *Analyzer) Terms(text string) []string { return a.words.appendTerms(nil, text) }

// Snippet is an HTML fragment of text around its first word whose term is
// one of terms, with every such word in <mark>, or "" if none is.
func (a *Analyzer) Snippet(text string, terms []string) string {
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	return snippet(a.en, text, want)
}
