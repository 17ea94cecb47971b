package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/knowledge"
)

// maxHeadingRunes bounds one heading of the path. Every chunk stores its
// heading path, so a paragraph mistaken for a heading must not be copied into
// each of them in full.
const maxHeadingRunes = 200

// headingSep joins the levels of a heading path, as knowledge.Block documents.
const headingSep = " > "

// builder collects blocks under a heading path and keeps the total text
// within a budget, so no input, however crafted (entities that expand,
// repeated headings), yields more text than it holds.
type builder struct {
	blocks    []knowledge.Block
	levels    [6]string // heading text per level; "" when unset
	path      string    // levels joined, computed once per heading so blocks share it
	remaining int       // bytes of text still allowed

	// pending is the last heading when no block has been added under it
	// yet; its text becomes a block if the next heading closes its section,
	// so a document of headings only still has text.
	pending      string
	pendingLevel int
}

func newBuilder(budget int) *builder { return &builder{remaining: budget} }

// add appends a block of text under the current heading path. Text is
// cleaned first; an empty result adds nothing.
func (b *builder) add(text string) {
	if b.addBlock(b.path, clean(text)) {
		b.pending = ""
	}
}

// addBlock appends a cleaned text, cut to the remaining budget, and reports
// whether anything was added.
func (b *builder) addBlock(heading, text string) bool {
	if text == "" || b.remaining <= 0 {
		return false
	}
	if len(text) > b.remaining {
		text = strings.TrimSpace(cutUTF8(text, b.remaining))
		if text == "" {
			b.remaining = 0
			return false
		}
	}
	b.remaining -= len(text)
	b.blocks = append(b.blocks, knowledge.Block{Heading: heading, Text: text})
	return true
}

// heading sets the heading of level (1 to 6): it replaces that level and
// clears the deeper ones. An empty heading is ignored.
func (b *builder) heading(level int, text string) {
	text = cutRunes(clean(text), maxHeadingRunes)
	if text == "" || level < 1 || level > len(b.levels) {
		return
	}
	if b.pending != "" && level <= b.pendingLevel {
		b.addBlock(b.path, b.pending)
	}
	b.levels[level-1] = text
	for i := level; i < len(b.levels); i++ {
		b.levels[i] = ""
	}
	var parts []string
	for _, l := range b.levels {
		if l != "" {
			parts = append(parts, l)
		}
	}
	b.path = strings.Join(parts, headingSep)
	b.pending, b.pendingLevel = text, level
}

// result returns the blocks, with the last heading as a block if nothing
// followed it.
func (b *builder) result() []knowledge.Block {
	if b.pending != "" {
		b.addBlock(b.path, b.pending)
		b.pending = ""
	}
	return b.blocks
}

// clean makes s a block's text: valid UTF-8, every run of whitespace or
// control characters one space, trimmed. It drops U+FFFD (what invalid bytes
// and undecodable PDF glyphs turn into) and the invisible soft hyphen,
// zero-width space and BOM, which only get in the way of search.
func clean(s string) string {
	if isClean(s) {
		return s
	}
	return cleanRunes(s)
}

// cleanRunes is clean, rune by rune.
func cleanRunes(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError || r == '\u00ad' || r == '\u200b' || r == '\ufeff':
			continue
		case unicode.IsSpace(r) || textrule.IsControl(r):
			space = out.Len() > 0
			continue
		}
		if space {
			out.WriteByte(' ')
			space = false
		}
		out.WriteRune(r)
	}
	return out.String()
}

// isClean reports whether clean would return s as it is: printable ASCII
// whose spaces are single and inside, as most text is. Checking first
// spares copying it rune by rune.
func isClean(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}

// cutUTF8 returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cutRunes returns s cut to at most n runes.
func cutRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return strings.TrimSpace(s[:j])
		}
		i++
	}
	return s
}

// splitLines splits s into lines at \n, \r\n or a lone \r.
func splitLines(s string) []string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.Split(s, "\n")
}

// isBlank reports a line of whitespace only.
func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

// extractText reads plain text: paragraphs separated by blank lines.
func extractText(data []byte) []knowledge.Block {
	b := newBuilder(len(data))
	var para []string
	for _, line := range splitLines(string(data)) {
		if isBlank(line) {
			b.add(strings.Join(para, " "))
			para = para[:0]
			continue
		}
		para = append(para, line)
	}
	b.add(strings.Join(para, " "))
	return b.result()
}
