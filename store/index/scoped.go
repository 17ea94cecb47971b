package index

import (
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// scopedField is a document's scopedText field, analysed in one pass: the
// English terms of its title (array element 0) and body (element 1), each
// prefixed with every scope and the type. Its terms, frequencies, positions
// and offsets are exactly those the field used to get from the whitespace
// analyzer run over the prefixed terms joined by spaces (scopedAnalyzer,
// still the mapping's), without building that text and splitting it again.
// Bleve calls Analyze in its analysis workers, so a batch's documents are
// analysed in parallel.
type scopedField struct {
	words    *englishTerms
	opts     bindex.FieldIndexingOptions
	prefixes []string // "<scope>|<type>|", one a scope
	parts    [2]string

	length int
	freqs  bindex.TokenFrequencies
}

// elementPositions are the array positions of the title's and the body's
// terms; shared, never written.
var elementPositions = [2][]uint64{{0}, {1}}

func (f *scopedField) Name() string                         { return scopedText }
func (f *scopedField) ArrayPositions() []uint64             { return nil }
func (f *scopedField) Options() bindex.FieldIndexingOptions { return f.opts }
func (f *scopedField) Value() []byte                        { return nil }
func (f *scopedField) EncodedFieldType() byte               { return 't' }
func (f *scopedField) AnalyzedLength() int                  { return f.length }
func (f *scopedField) AnalyzedTokenFrequencies() bindex.TokenFrequencies {
	return f.freqs
}

func (f *scopedField) NumPlainTextBytes() uint64 {
	return uint64(len(f.parts[0]) + len(f.parts[1]))
}

func (f *scopedField) Size() int {
	n := 64 + len(f.parts[0]) + len(f.parts[1])
	for k, tf := range f.freqs {
		n += len(k) + tf.Size()
	}
	return n
}

// Analyze computes the field's terms and frequencies, once. It allocates a
// fixed handful of blocks, whatever the number of terms: the distinct
// terms' keys are substrings of one string, their TokenFreqs elements of
// one slice, the locations of another.
func (f *scopedField) Analyze() {
	if f.freqs != nil {
		return
	}
	var sc *scratch
	select {
	case sc = <-f.words.scratches:
	default:
		sc = &scratch{index: map[termKey]int32{}}
	}
	defer func() {
		select {
		case f.words.scratches <- sc:
		default:
		}
	}()
	clear(sc.index)
	sc.distinct, sc.termOf = sc.distinct[:0], sc.termOf[:0]
	// Each token's distinct term.
	keyBytes := 0
	var parts [2][]string
	for i, text := range f.parts {
		sc.terms[i] = f.words.appendTerms(sc.terms[i][:0], text)
		parts[i] = sc.terms[i]
		for p := range f.prefixes {
			for _, t := range parts[i] {
				k := termKey{prefix: p, term: t}
				d, ok := sc.index[k]
				if !ok {
					d = int32(len(sc.distinct))
					sc.index[k] = d
					sc.distinct = append(sc.distinct, k)
					keyBytes += len(f.prefixes[p]) + len(t)
				}
				sc.termOf = append(sc.termOf, d)
			}
		}
	}
	n := len(sc.termOf)
	f.length = n
	f.freqs = make(bindex.TokenFrequencies, len(sc.distinct))
	if n == 0 {
		return
	}
	arena := make([]byte, 0, keyBytes)
	for _, k := range sc.distinct {
		arena = append(append(arena, f.prefixes[k.prefix]...), k.term...)
	}
	keys := string(arena)
	tfs := make([]bindex.TokenFreq, len(sc.distinct))
	uses := make([]int32, len(sc.distinct))
	for _, d := range sc.termOf {
		uses[d]++
	}
	off := 0
	for d, k := range sc.distinct {
		end := off + len(f.prefixes[k.prefix]) + len(k.term)
		tfs[d].Term = arena[off:end:end]
		if !f.opts.SkipFreqNorm() {
			tfs[d].SetFrequency(int(uses[d]))
		}
		f.freqs[keys[off:end]] = &tfs[d]
		off = end
	}
	if !f.opts.IncludeTermVectors() {
		return
	}
	// The locations, each term's contiguous in one array.
	ptrs := make([]*bindex.TokenLocation, n)
	off = 0
	for d := range tfs {
		tfs[d].Locations = ptrs[off : off : off+int(uses[d])]
		off += int(uses[d])
	}
	locs := make([]bindex.TokenLocation, n)
	k := 0
	for i := range parts {
		pos, start := 0, 0
		for _, p := range f.prefixes {
			for _, t := range parts[i] {
				pos++
				end := start + len(p) + len(t)
				locs[k] = bindex.TokenLocation{ArrayPositions: elementPositions[i], Start: start, End: end, Position: pos}
				tf := &tfs[sc.termOf[k]]
				tf.Locations = append(tf.Locations, &locs[k])
				start = end + 1
				k++
			}
		}
	}
}

// termKey is a distinct term of a field: a prefix (its index) and a term.
type termKey struct {
	prefix int
	term   string
}

// scratch is Analyze's working memory, reused (englishTerms keeps the idle
// ones).
type scratch struct {
	terms    [2][]string
	index    map[termKey]int32 // distinct term -> its place in distinct
	distinct []termKey
	termOf   []int32 // each token's distinct term
}

var _ document.Field = (*scopedField)(nil)
