package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// englishTerms is the English analyzer's term list of a text (the terms of
// en.Analyze(splitJoined(text)), in order), computed faster for plain ASCII
// words: most indexing time went to Bleve's Unicode word segmenter and
// Porter stemmer.
//
// The text is cut at ASCII white space, which always separates words
// (UAX #29, as Bleve's segmenter implements it: nothing joins a word to
// white space after it, and white space starts a segment of its own). A
// piece of printable ASCII is split into words by the same rules, which for
// ASCII are few: letters and digits join; a full stop, colon or apostrophe
// joins two letters (after splitJoined, which parts longer words); a full
// stop, comma, semicolon or apostrophe joins two digits; anything else
// separates. Every other piece (non-ASCII, control
// characters, the underscore) goes through en itself, with the white space
// before it, so its words are exactly the segmenter's; so does a text that
// is not UTF-8. Each word then goes through en's filters (possessive, lower
// case, stop words, Porter) once per cache: a word's term depends on the
// word alone, and a text repeats its words.
//
// TestEnglishTerms and FuzzEnglishTerms check it against en.
type englishTerms struct {
	en      analysis.Analyzer
	filters []analysis.TokenFilter // en's; nil: en does all the work
	// Idle caches, and scopedField's idle working memory: one of each is
	// in use by each concurrent analysis. Unlike a sync.Pool's, they
	// outlive a garbage collection, which comes often while indexing.
	caches    chan termCache
	scratches chan *scratch
}

// termCache maps a word, as written, to its term, or to dropped for a
// stop word.
type termCache map[string]string

// dropped is the cached term of a word that has none; cached words are
// printable ASCII, and so are their terms.
const dropped = "\x00"

// At most maxIdle caches and scratches are kept; a cache holds up to
// maxCachedWords words, and a full one starts again empty.
const (
	maxIdle        = 4
	maxCachedWords = 1 << 15
)

func newEnglishTerms(en analysis.Analyzer) *englishTerms {
	t := &englishTerms{en: en, caches: make(chan termCache, maxIdle), scratches: make(chan *scratch, maxIdle)}
	if da, ok := en.(*analysis.DefaultAnalyzer); ok && da.CharFilters == nil {
		t.filters = da.TokenFilters
	}
	return t
}

// appendTerms appends text's terms to dst.
func (t *englishTerms) appendTerms(dst []string, text string) []string {
	text = splitJoined(text)
	if t.filters == nil || !utf8.ValidString(text) {
		return t.appendSlow(dst, text) // the segmenter stops at the first invalid byte
	}
	var cache termCache
	select {
	case cache = <-t.caches:
		if len(cache) > maxCachedWords {
			clear(cache)
		}
	default:
		cache = make(termCache, 1024)
	}
	defer func() {
		select {
		case t.caches <- cache:
		default:
		}
	}()
	spaceFrom := 0 // where the white space before the current piece starts
	for i := 0; i < len(text); {
		if isSpace(text[i]) {
			i++
			continue
		}
		j := i
		plain := true
		for j < len(text) && !isSpace(text[j]) {
			c := text[j]
			plain = plain && c > ' ' && c < 0x7f && c != '_'
			j++
		}
		if plain {
			dst = t.appendPlain(dst, text[i:j], cache)
		} else {
			dst = t.appendSlow(dst, text[spaceFrom:j])
		}
		spaceFrom, i = j, j
	}
	return dst
}

// appendSlow appends the terms en finds in text.
func (t *englishTerms) appendSlow(dst []string, text string) []string {
	for _, tok := range t.en.Analyze([]byte(text)) {
		dst = append(dst, string(tok.Term))
	}
	return dst
}

// appendPlain appends the terms of a piece of printable ASCII without white
// space or '_'.
func (t *englishTerms) appendPlain(dst []string, s string, cache termCache) []string {
	start := -1 // of the current word
	for k := 0; k <= len(s); k++ {
		if k < len(s) {
			c := s[k]
			if isLetter(c) || isDigit(c) {
				if start < 0 {
					start = k
				}
				continue
			}
			if start >= 0 && k+1 < len(s) && joins(s[k-1], c, s[k+1]) {
				continue
			}
		}
		if start >= 0 {
			dst = t.appendWord(dst, s[start:k], cache)
			start = -1
		}
	}
	return dst
}

// appendWord appends word's terms, from the cache or en's filters.
func (t *englishTerms) appendWord(dst []string, word string, cache termCache) []string {
	if term, ok := cache[word]; ok {
		if term == dropped {
			return dst
		}
		return append(dst, term)
	}
	ts := analysis.TokenStream{{Term: []byte(word), Start: 0, End: len(word), Position: 1, Type: analysis.AlphaNumeric}}
	for _, f := range t.filters {
		ts = f.Filter(ts)
	}
	switch len(ts) {
	case 0:
		cache[strings.Clone(word)] = dropped
	case 1:
		cache[strings.Clone(word)] = string(ts[0].Term)
	}
	for _, tok := range ts {
		dst = append(dst, string(tok.Term))
	}
	return dst
}

// joins reports whether c, between a and b, keeps them in one word.
func joins(a, c, b byte) bool {
	switch {
	case isLetter(a) && isLetter(b):
		return c == '.' || c == ':' || c == '\''
	case isDigit(a) && isDigit(b):
		return c == '.' || c == ',' || c == ';' || c == '\''
	}
	return false
}

// splitJoined returns text with each full stop or colon that stands between
// two words of at least two letters turned into a space (a byte for a
// byte, so offsets into it are offsets into text). Unicode's word rules,
// which Bleve's segmenter follows, join "Topic:mitochondria" and
// "south.Albatrosses" (a sentence missing its space, common in text taken
// from PDFs) into one word each, which no search for "mitochondria" or
// "albatrosses" then finds. Initials and abbreviations of single letters
// (U.S.A., e.g., J.W.Smith) stay whole: split, they became terms of one
// letter that matched everywhere (CISI nDCG@10 0.414 → 0.412). A full stop
// between digits (3.14) still joins them.
func splitJoined(text string) string {
	var b []byte
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c == '.' || c == ':') && lettersBefore(text, i) && lettersAfter(text, i+1) {
			if b == nil {
				b = []byte(text)
			}
			b[i] = ' '
		}
	}
	if b == nil {
		return text
	}
	return string(b)
}

// lettersBefore reports whether the two runes before s[i] are letters.
func lettersBefore(s string, i int) bool {
	for range 2 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(r) {
			return false
		}
		i -= n
	}
	return true
}

// lettersAfter reports whether the two runes from s[i] are letters.
func lettersAfter(s string, i int) bool {
	for range 2 {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			return false
		}
		i += n
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
