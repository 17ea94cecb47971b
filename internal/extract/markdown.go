package extract

import (
	"strings"

	"github.com/xentree/xentree/knowledge"
)

// The Markdown reader works line by line, as CommonMark's block structure
// does, but knows only what matters for text: headings, paragraphs, list
// items, blockquotes, tables, fences, HTML comments and front matter. It never
// needs to render, so where CommonMark is subtle it keeps the text rather
// than guess at structure.

// mdReader holds the state of one document.
type mdReader struct {
	b         *builder
	para      []string // lines of the paragraph or list item being read
	item      bool     // para is a list item
	paraQuote int      // blockquote depth of para
	table     bool     // the lines being read are rows of a pipe table
	fence     string   // the opening fence of the code block being read, or ""
	code      []string // lines of that code block
	comment   bool     // inside an HTML comment that spans lines
}

func extractMarkdown(data []byte) []knowledge.Block {
	r := &mdReader{b: newBuilder(len(data))}
	lines := splitLines(string(data))
	lines = dropFrontMatter(lines)
	for _, line := range lines {
		r.line(line)
	}
	r.flush()
	if r.fence != "" {
		r.b.add(strings.Join(r.code, "\n")) // an unclosed fence runs to the end
	}
	return r.b.result()
}

// dropFrontMatter drops YAML (---) or TOML (+++) front matter: a fence on
// the very first line, closed by the same fence (or "..." for YAML). Without
// a closing line the first line is left alone: it is a thematic break.
func dropFrontMatter(lines []string) []string {
	if len(lines) == 0 {
		return lines
	}
	open := strings.TrimRight(lines[0], " \t")
	if open != "---" && open != "+++" {
		return lines
	}
	for i := 1; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		if l == open || (open == "---" && l == "...") {
			return lines[i+1:]
		}
	}
	return lines
}

func (r *mdReader) line(line string) {
	if r.fence != "" {
		if isClosingFence(line, r.fence) {
			r.b.add(strings.Join(r.code, "\n"))
			r.fence, r.code = "", r.code[:0]
			return
		}
		r.code = append(r.code, line)
		return
	}
	line = r.stripComments(line)

	// Blockquote markers are containers: strip them, then read the rest as
	// any other line. A change of depth ends the paragraph.
	quote := 0
	for {
		t, ok := trimIndent(line)
		if !ok || !strings.HasPrefix(t, ">") {
			break
		}
		line = strings.TrimPrefix(t[1:], " ")
		quote++
	}
	if quote != r.paraQuote {
		r.flush()
		r.paraQuote = quote
	}

	if isBlank(line) {
		r.flush()
		return
	}
	t, indented := trimIndent(line)
	if indented && quote == 0 {
		if fence := openingFence(t); fence != "" {
			r.flush()
			r.fence = fence
			return
		}
	}
	if indented {
		if level, text, ok := atxHeading(t); ok {
			r.flush()
			if quote > 0 {
				r.b.add(stripInline(text)) // a heading inside a quote is quoted text
			} else {
				r.b.heading(level, stripInline(text))
			}
			return
		}
		if level := setextLevel(t); level > 0 && len(r.para) > 0 && !r.table {
			// Only a one-line paragraph becomes a heading: an underline
			// under a long paragraph is far more often a separator than a
			// heading of many lines, which would be cut to a heading's
			// length and lost.
			if len(r.para) == 1 && !r.item && quote == 0 {
				text := r.para[0]
				r.para = r.para[:0]
				r.b.heading(level, stripInline(text))
				return
			}
			r.flush()
			return
		}
		if isThematicBreak(t) {
			r.flush()
			return
		}
		if isLinkDefinition(t) {
			return
		}
		if isTableDelimiter(t) && len(r.para) == 1 && strings.Contains(r.para[0], "|") && !r.table {
			r.table = true
			r.b.add(tableRow(r.para[0]))
			r.para = r.para[:0]
			return
		}
	}
	if r.table {
		if strings.Contains(line, "|") {
			r.b.add(tableRow(line))
			return
		}
		r.table = false
	}
	if item, ok := listItem(strings.TrimLeft(line, " \t")); ok {
		r.flush()
		r.para = append(r.para, item)
		r.item = true
		return
	}
	r.para = append(r.para, line)
}

// flush adds the paragraph being read as a block.
func (r *mdReader) flush() {
	r.table = false
	if len(r.para) > 0 {
		r.b.add(stripInline(strings.Join(r.para, "\n")))
		r.para = r.para[:0]
	}
	r.item = false
}

// stripComments removes HTML comments from line. A comment that starts a
// line may run over the following lines, as CommonMark's HTML blocks do; one
// that starts mid-line counts only when it ends on the same line, so a
// "<!--" quoted in running text does not hide the rest of the document.
func (r *mdReader) stripComments(line string) string {
	if r.comment {
		i := strings.Index(line, "-->")
		if i < 0 {
			return ""
		}
		line = line[i+3:]
		r.comment = false
	} else if t, ok := trimIndent(line); ok && strings.HasPrefix(t, "<!--") && !strings.Contains(t[4:], "-->") {
		r.comment = true
		return ""
	}
	if !strings.Contains(line, "<!--") {
		return line
	}
	var out strings.Builder
	for {
		i := strings.Index(line, "<!--")
		if i < 0 {
			break
		}
		j := strings.Index(line[i+4:], "-->")
		if j < 0 {
			break
		}
		out.WriteString(line[:i])
		line = line[i+4+j+3:]
	}
	out.WriteString(line)
	return out.String()
}

// trimIndent removes up to three leading spaces. It reports false when the
// line is indented further (an indented code line or a continuation), where
// block markers do not count.
func trimIndent(line string) (string, bool) {
	for i := 0; i < 4; i++ {
		if i == len(line) {
			return "", true
		}
		if line[i] == '\t' {
			return line[i:], false
		}
		if line[i] != ' ' {
			return line[i:], true
		}
	}
	return line, false
}

// openingFence returns the fence of a code-fence line (``` or ~~~, three or
// more), or "".
func openingFence(t string) string {
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.IndexByte(t[n:], '`') >= 0) {
		return ""
	}
	return t[:n]
}

// isClosingFence reports a line that closes the code block opened by fence:
// the same character, at least as many, and nothing else.
func isClosingFence(line, fence string) bool {
	t, ok := trimIndent(line)
	if !ok {
		return false
	}
	t = strings.TrimRight(t, " \t")
	return len(t) >= len(fence) && strings.Trim(t, fence[:1]) == ""
}

// atxHeading parses "# Title", "## Title ##" and the like.
func atxHeading(t string) (level int, text string, ok bool) {
	for level < len(t) && t[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := t[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	rest = strings.TrimSpace(rest)
	// A closing sequence of #s counts only after a space (or alone).
	trimmed := strings.TrimRight(rest, "#")
	if trimmed == "" || strings.HasSuffix(trimmed, " ") || strings.HasSuffix(trimmed, "\t") {
		rest = strings.TrimSpace(trimmed)
	}
	return level, rest, true
}

// setextLevel returns 1 for an "===" underline, 2 for "---", else 0.
func setextLevel(t string) int {
	t = strings.TrimRight(t, " \t")
	if t == "" {
		return 0
	}
	switch strings.Trim(t, "=") {
	case "":
		return 1
	}
	if strings.Trim(t, "-") == "" {
		return 2
	}
	return 0
}

// isThematicBreak reports "***", "- - -", "___" and the like.
func isThematicBreak(t string) bool {
	var mark byte
	n := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; c {
		case ' ', '\t':
		case '*', '-', '_':
			if mark != 0 && c != mark {
				return false
			}
			mark = c
			n++
		default:
			return false
		}
	}
	return n >= 3
}

// isLinkDefinition reports a link reference definition, "[id]: url": it
// names a target and holds no text.
func isLinkDefinition(t string) bool {
	if !strings.HasPrefix(t, "[") || strings.HasPrefix(t, "[^") {
		return false
	}
	i := strings.Index(t, "]:")
	return i > 1 && !strings.ContainsAny(t[1:i], "[]") && strings.TrimSpace(t[i+2:]) != ""
}

// listItem returns the text of a bullet ("- ", "* ", "+ ") or ordered
// ("1. ", "1) ") list item line, without its marker and task box.
func listItem(t string) (string, bool) {
	var rest string
	switch {
	case len(t) >= 1 && (t[0] == '-' || t[0] == '*' || t[0] == '+'):
		rest = t[1:]
	default:
		n := 0
		for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
			n++
		}
		if n == 0 || n >= len(t) || (t[n] != '.' && t[n] != ')') {
			return "", false
		}
		rest = t[n+1:]
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t")
	for _, box := range []string{"[ ] ", "[x] ", "[X] "} {
		if strings.HasPrefix(rest, box) {
			rest = rest[len(box):]
			break
		}
	}
	return rest, true
}

// isTableDelimiter reports the second line of a pipe table: "|---|:---:|".
func isTableDelimiter(t string) bool {
	t = strings.TrimSpace(t)
	if !strings.Contains(t, "-") || strings.Trim(t, "|-: \t") != "" {
		return false
	}
	return strings.Contains(t, "|") || strings.Count(t, "-") >= 3
}

// tableRow returns the cells of a pipe-table row, stripped of markup and
// joined with " | ".
func tableRow(line string) string {
	t := strings.TrimSpace(line)
	t = strings.TrimPrefix(t, "|")
	if strings.HasSuffix(t, "|") && !strings.HasSuffix(t, `\|`) {
		t = t[:len(t)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '\\':
			i++
		case '|':
			cells = appendCell(cells, t[start:i])
			start = i + 1
		}
	}
	cells = appendCell(cells, t[start:])
	return strings.Join(cells, " | ")
}

func appendCell(cells []string, cell string) []string {
	if c := clean(stripInline(strings.ReplaceAll(cell, `\|`, "|"))); c != "" {
		cells = append(cells, c)
	}
	return cells
}
