package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Chunk is a passage of a document, the unit of retrieval and citation.
type Chunk struct {
	Position int    // 0-based, in document order
	Heading  string // the heading path it sits under
	Text     string // its blocks, one a line; sentences of a block joined by a space
}

// Chunking sizes, in characters (runes).
type Chunking struct {
	Size    int // a chunk's target maximum
	Overlap int // how much of the previous chunk's end a chunk repeats; negative: none
}

// Split cuts blocks into chunks of at most about c.Size characters. A chunk
// never spans two sections (a heading starts a new chunk), is filled with
// whole blocks, then whole sentences, and only cuts inside a sentence, at a
// word, when one sentence is longer than a chunk. Consecutive chunks of a
// section repeat up to c.Overlap characters of whole sentences, so a fact
// that straddles a boundary is whole in one of them.
func Split(blocks []Block, c Chunking) []Chunk {
	if c.Size <= 0 {
		c.Size = 1200
	}
	switch {
	case c.Overlap < 0: // none (Config.Knowledge.ChunkOverlap says so)
		c.Overlap = 0
	case c.Overlap >= c.Size/2:
		c.Overlap = c.Size / 5
	}
	var out []Chunk
	var cur []piece // sentences in the chunk being built
	curLen := 0
	heading := ""
	flush := func(keepOverlap bool) {
		if len(cur) == 0 {
			return
		}
		out = append(out, Chunk{Position: len(out), Heading: heading, Text: join(cur)})
		if !keepOverlap {
			cur, curLen = cur[:0], 0
			return
		}
		// Carry whole trailing sentences that fit in the overlap.
		keep, n := len(cur), 0
		for keep > 0 && n+cur[keep-1].runes <= c.Overlap {
			n += cur[keep-1].runes + 1
			keep--
		}
		if keep == 0 { // never carry the whole chunk: that would repeat it
			keep = len(cur)
		}
		cur = append(cur[:0:0], cur[keep:]...)
		curLen = 0
		for _, s := range cur {
			curLen += s.runes + 1
		}
	}
	for _, b := range blocks {
		text := squeeze(b.Text)
		if text == "" {
			continue
		}
		if b.Heading != heading {
			flush(false)
			heading = b.Heading
		}
		for i, s := range pieces(text, c.Size) {
			n := runes(s)
			if curLen > 0 && curLen+n > c.Size {
				flush(true)
				// An overlap plus this piece may still not fit: drop the overlap.
				if curLen+n > c.Size {
					cur, curLen = cur[:0], 0
				}
			}
			cur = append(cur, piece{text: s, runes: n, opensBlock: i == 0})
			curLen += n + 1
		}
	}
	flush(false)
	return out
}

// squeeze returns s with every run of white space one space, trimmed
// (strings.Fields joined by spaces), without copying s when it already is.
func squeeze(s string) string {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return strings.Join(strings.Fields(s), " ")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return strings.Join(strings.Fields(s), " ")
			}
			i += size - 1
		} else if c < '!' && (c != ' ' || s[i+1] == ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
	}
	return s
}

// piece is a sentence (or part of a long one) of a chunk.
type piece struct {
	text       string
	runes      int  // its length in characters
	opensBlock bool // the first piece of a block: a paragraph, list item, heading or cell
}

// join joins a chunk's pieces: a space inside a block, a line break between
// blocks. The break keeps the document's structure in the chunk text, so a
// list item or a section's heading-only line is not read as the start of
// the sentence after it (the offline answerer quotes whole sentences).
func join(ps []piece) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			if p.opensBlock {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p.text)
	}
	return b.String()
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// pieces splits text into sentences, and a sentence longer than max into
// runs of whole words (a word longer than max is cut).
func pieces(text string, max int) []string {
	var out []string
	for _, s := range Sentences(text) {
		if runes(s) <= max {
			out = append(out, s)
			continue
		}
		var b strings.Builder
		n := 0
		for _, w := range strings.Fields(s) {
			for runes(w) > max {
				r := []rune(w)
				if n > 0 {
					out, n = append(out, b.String()), 0
					b.Reset()
				}
				out = append(out, string(r[:max]))
				w = string(r[max:])
			}
			wn := runes(w)
			if n > 0 && n+1+wn > max {
				out, n = append(out, b.String()), 0
				b.Reset()
			}
			if n > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += wn
		}
		if n > 0 {
			out = append(out, b.String())
		}
	}
	return out
}

// Sentences splits text at sentence ends: '.', '!' or '?' (with any closing
// quotes or brackets) followed by a space and an upper-case letter, digit or
// opening quote. Abbreviations like "e.g. the" stay whole; "Dr. Smith" splits,
// which costs nothing worse than a chunk boundary choice.
func Sentences(text string) []string {
	if !utf8.ValidString(text) {
		return sentencesRunes(text)
	}
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !strings.ContainsRune(closers, r) {
				break
			}
			j += size
		}
		if j >= len(text) || text[j] != ' ' {
			continue
		}
		k := j + 1
		if k < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[k:]); unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(openers, r) {
				if s := strings.TrimSpace(text[start:j]); s != "" {
					out = append(out, s)
				}
				start = k
				i = j
			}
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// What may close a sentence after its mark, and open the next one.
const (
	closers = `"')]»”’`
	openers = `"'“‘(«`
)

// sentencesRunes is Sentences over runes, for text that is not UTF-8: its
// invalid bytes become U+FFFD each, as they always did.
func sentencesRunes(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '.' && rs[i] != '!' && rs[i] != '?' {
			continue
		}
		j := i + 1
		for j < len(rs) && strings.ContainsRune(closers, rs[j]) {
			j++
		}
		if j >= len(rs) || rs[j] != ' ' {
			continue
		}
		k := j + 1
		if k < len(rs) && (unicode.IsUpper(rs[k]) || unicode.IsDigit(rs[k]) || strings.ContainsRune(openers, rs[k])) {
			if s := strings.TrimSpace(string(rs[start:j])); s != "" {
				out = append(out, s)
			}
			start = k
			i = j
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}
