package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Inline Markdown is stripped, not rendered: code spans keep their text,
// links and images keep their text and alt, autolinks keep their address,
// HTML tags go, entities are decoded and emphasis markers that pair up are
// removed. Every step is linear in the text: matching brackets, parentheses
// and backtick runs is precomputed once, so crafted input such as ten
// thousand "[" cannot make it quadratic.

// maxInlineDepth bounds how deep link texts are read inside link texts
// ([a [b](x)](y)): each level reads its text again, so the bound keeps the
// work linear. Deeper brackets stay as written.
const maxInlineDepth = 4

// maxTagLen bounds an inline HTML tag, so a stray "<" far from any ">" is
// text rather than the start of a tag that swallows a paragraph.
const maxTagLen = 2048

// stripInline returns s without its inline Markdown markup.
func stripInline(s string) string { return stripInlineDepth(s, 0) }

func stripInlineDepth(s string, depth int) string {
	if !strings.ContainsAny(s, "\\`*_~[]<&") {
		return s
	}
	in := newInline(s, depth)
	pieces := in.scan()
	matchEmphasis(pieces)
	var out strings.Builder
	out.Grow(len(s))
	for _, p := range pieces {
		switch {
		case p.drop:
		case p.text && p.delim == 0:
			out.WriteString(html.UnescapeString(p.s))
		default:
			out.WriteString(p.s)
		}
	}
	return out.String()
}

// piece is a run of the output: text still to be entity-decoded, a literal
// (code, an escaped character, an already stripped link text) or an emphasis
// delimiter run that may be dropped.
type piece struct {
	s           string
	text        bool // entity-decode s
	delim       byte // '*', '_' or '~' for a delimiter run
	open, close bool // the run can open or close emphasis
	drop        bool
}

// tickRun is a run of backticks at pos, n long.
type tickRun struct{ pos, n int }

type inline struct {
	s        string
	depth    int
	brackets map[int]int // position of "[" → position of its "]"
	parens   map[int]int // position of "(" → position of its ")"
	ticks    []tickRun
	nextSame []int // for each run in ticks, the next run of the same length, or -1
	tick     int   // first run in ticks not before the scan position
	gt       int   // a ">" at or after the last position asked, -1 if none, -2 unknown
}

func newInline(s string, depth int) *inline {
	in := &inline{s: s, depth: depth, gt: -2}
	if depth < maxInlineDepth && strings.IndexByte(s, '[') >= 0 {
		in.brackets = matchPairs(s, '[', ']')
		in.parens = matchPairs(s, '(', ')')
	}
	if strings.IndexByte(s, '`') >= 0 {
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) && isASCIIPunct(s[i+1]) {
					i++
				}
			case '`':
				n := runLen(s, i)
				in.ticks = append(in.ticks, tickRun{i, n})
				i += n - 1
			}
		}
		in.nextSame = make([]int, len(in.ticks))
		last := map[int]int{}
		for k := len(in.ticks) - 1; k >= 0; k-- {
			n := in.ticks[k].n
			if j, ok := last[n]; ok {
				in.nextSame[k] = j
			} else {
				in.nextSame[k] = -1
			}
			last[n] = k
		}
	}
	return in
}

// matchPairs maps each opening character to its closing one, skipping
// backslash escapes; unbalanced ones are left out.
func matchPairs(s string, open, close byte) map[int]int {
	m := map[int]int{}
	var stack []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && isASCIIPunct(s[i+1]) {
				i++
			}
		case open:
			stack = append(stack, i)
		case close:
			if n := len(stack); n > 0 {
				m[stack[n-1]] = i
				stack = stack[:n-1]
			}
		}
	}
	return m
}

func (in *inline) scan() []piece {
	s := in.s
	var pieces []piece
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			pieces = append(pieces, piece{s: text.String(), text: true})
			text.Reset()
		}
	}
	literal := func(lit string) {
		flush()
		pieces = append(pieces, piece{s: lit})
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && isASCIIPunct(s[i+1]) {
				literal(s[i+1 : i+2])
				i += 2
				continue
			}
			if i+1 < len(s) && s[i+1] == '\n' { // a hard line break
				text.WriteByte('\n')
				i += 2
				continue
			}
		case '`':
			n := runLen(s, i)
			if end := in.codeSpanEnd(i, n); end >= 0 {
				literal(s[i+n : end])
				i = end + n
				continue
			}
			text.WriteString(s[i : i+n])
			i += n
			continue
		case '*', '_', '~':
			n := runLen(s, i)
			open, close := flanking(s, i, n)
			if c == '~' && n > 2 {
				open, close = false, false
			}
			if open || close {
				flush()
				pieces = append(pieces, piece{s: s[i : i+n], delim: c, open: open, close: close})
			} else {
				text.WriteString(s[i : i+n])
			}
			i += n
			continue
		case '!', '[':
			start := i
			if c == '!' {
				start++
			}
			if start < len(s) && s[start] == '[' {
				if inner, end, ok := in.link(start); ok {
					literal(stripInlineDepth(inner, in.depth+1))
					i = end
					continue
				}
			}
		case '<':
			if end := in.nextGT(i); end > i && end-i <= maxTagLen {
				content := s[i+1 : end]
				if isAutolink(content) {
					literal(content)
					i = end + 1
					continue
				}
				if name, ok := htmlTag(content); ok {
					if isBlockElement(name) {
						text.WriteByte(' ') // <br>, <p>: the words either side are apart
					}
					i = end + 1
					continue
				}
			}
		}
		text.WriteByte(c)
		i++
	}
	flush()
	return pieces
}

// codeSpanEnd returns the position of the backtick run that closes the one
// of length n at i, or -1.
func (in *inline) codeSpanEnd(i, n int) int {
	for in.tick < len(in.ticks) && in.ticks[in.tick].pos < i {
		in.tick++
	}
	if in.tick == len(in.ticks) || in.ticks[in.tick].pos != i || in.ticks[in.tick].n != n {
		return -1
	}
	next := in.nextSame[in.tick]
	if next < 0 {
		return -1
	}
	return in.ticks[next].pos
}

// link reads "[text](destination)", "[text][ref]" or "[text][]" at i and
// returns text and the position after it.
func (in *inline) link(i int) (inner string, end int, ok bool) {
	if in.brackets == nil {
		return "", 0, false
	}
	j, ok := in.brackets[i]
	if !ok || j+1 >= len(in.s) {
		return "", 0, false
	}
	switch in.s[j+1] {
	case '(':
		if k, ok := in.parens[j+1]; ok && isDestination(in.s[j+2:k]) {
			return in.s[i+1 : j], k + 1, true
		}
	case '[':
		if k, ok := in.brackets[j+1]; ok {
			return in.s[i+1 : j], k + 1, true
		}
	}
	return "", 0, false
}

// nextGT returns the position of the first ">" at or after i, or -1. Scan
// positions only grow, so remembering the last answer keeps it linear.
func (in *inline) nextGT(i int) int {
	if in.gt == -1 || in.gt >= i {
		return in.gt
	}
	k := strings.IndexByte(in.s[i:], '>')
	if k < 0 {
		in.gt = -1
	} else {
		in.gt = i + k
	}
	return in.gt
}

// isDestination reports a link destination with an optional title: "url",
// "<url with spaces>", `url "title"`.
func isDestination(d string) bool {
	d = strings.TrimSpace(d)
	if d == "" {
		return true
	}
	if d[0] == '<' {
		return strings.IndexByte(d, '>') > 0
	}
	i := strings.IndexAny(d, " \t\n")
	if i < 0 {
		return true
	}
	t := strings.TrimSpace(d[i:])
	if len(t) < 2 {
		return false
	}
	switch t[0] {
	case '"', '\'':
		return t[len(t)-1] == t[0]
	case '(':
		return t[len(t)-1] == ')'
	}
	return false
}

// isAutolink reports the inside of <https://example.com> or
// <someone@example.com>.
func isAutolink(c string) bool {
	if c == "" || strings.ContainsAny(c, " \t\n<") {
		return false
	}
	if i := strings.IndexByte(c, ':'); i >= 2 && i <= 32 && isASCIILetter(c[0]) {
		for j := 1; j < i; j++ {
			if b := c[j]; !isASCIILetter(b) && !isDigit(b) && b != '+' && b != '.' && b != '-' {
				return false
			}
		}
		return true
	}
	at := strings.IndexByte(c, '@')
	return at > 0 && at < len(c)-1 && strings.IndexByte(c[at+1:], '.') > 0
}

// htmlTag reports the inside of an HTML tag (<b>, </p>, <br/>,
// <a href="x">, <!-- ... -->, <!DOCTYPE ...>, <?php ... ?>) and returns its
// lower-case element name, "" for a declaration.
func htmlTag(c string) (name string, ok bool) {
	if c == "" {
		return "", false
	}
	if c[0] == '!' || c[0] == '?' {
		return "", len(c) > 1
	}
	closing := c[0] == '/'
	if closing {
		c = c[1:]
	}
	n := 0
	for n < len(c) && (isASCIILetter(c[n]) || (n > 0 && (isDigit(c[n]) || c[n] == '-'))) {
		n++
	}
	if n == 0 {
		return "", false
	}
	name, rest := strings.ToLower(c[:n]), c[n:]
	if closing {
		return name, strings.TrimSpace(rest) == ""
	}
	for {
		trimmed := strings.TrimLeft(rest, " \t\n")
		if trimmed == "" || trimmed == "/" {
			return name, true
		}
		if len(trimmed) == len(rest) { // an attribute needs a space before it
			return "", false
		}
		rest = trimmed
		k := 0
		for k < len(rest) && (isASCIILetter(rest[k]) || rest[k] == '_' || rest[k] == ':' ||
			(k > 0 && (isDigit(rest[k]) || rest[k] == '.' || rest[k] == '-'))) {
			k++
		}
		if k == 0 {
			return "", false
		}
		rest = rest[k:]
		value := strings.TrimLeft(rest, " \t\n")
		if !strings.HasPrefix(value, "=") {
			continue
		}
		value = strings.TrimLeft(value[1:], " \t\n")
		if value == "" {
			return "", false
		}
		switch q := value[0]; q {
		case '"', '\'':
			end := strings.IndexByte(value[1:], q)
			if end < 0 {
				return "", false
			}
			rest = value[end+2:]
		default:
			k := 0
			for k < len(value) && !strings.ContainsRune(" \t\n\"'=<>`", rune(value[k])) {
				k++
			}
			if k == 0 {
				return "", false
			}
			rest = value[k:]
		}
	}
}

// flanking applies CommonMark's rules to the delimiter run s[i:i+n]: a run
// can open emphasis when it is left-flanking, close it when right-flanking,
// and "_" does neither inside a word, so snake_case stays intact.
func flanking(s string, i, n int) (open, close bool) {
	prev, next := ' ', ' '
	if i > 0 {
		prev, _ = utf8.DecodeLastRuneInString(s[:i])
	}
	if i+n < len(s) {
		next, _ = utf8.DecodeRuneInString(s[i+n:])
	}
	left := !unicode.IsSpace(next) && (!isPunct(next) || unicode.IsSpace(prev) || isPunct(prev))
	right := !unicode.IsSpace(prev) && (!isPunct(prev) || unicode.IsSpace(next) || isPunct(next))
	if s[i] == '_' {
		return left && (!right || isPunct(prev)), right && (!left || isPunct(next))
	}
	return left, right
}

// matchEmphasis drops delimiter runs that pair up: each closer with the
// nearest opener of the same character. Unpaired runs stay as text ("2 * 3").
func matchEmphasis(pieces []piece) {
	var stacks [3][]int
	for i := range pieces {
		p := &pieces[i]
		k := strings.IndexByte("*_~", p.delim)
		if p.delim == 0 || k < 0 {
			continue
		}
		if p.close && len(stacks[k]) > 0 {
			n := len(stacks[k]) - 1
			pieces[stacks[k][n]].drop = true
			stacks[k] = stacks[k][:n]
			p.drop = true
			continue
		}
		if p.open {
			stacks[k] = append(stacks[k], i)
		}
	}
}

func runLen(s string, i int) int {
	n := 1
	for i+n < len(s) && s[i+n] == s[i] {
		n++
	}
	return n
}

func isPunct(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

func isASCIIPunct(c byte) bool {
	return c < 0x80 && c > ' ' && !isASCIILetter(c) && !isDigit(c) && c != 0x7f
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
