package extract

import (
	"sort"
	"strings"
	"unicode/utf16"
)

// A font's ToUnicode map is read here rather than by the library: its reader
// loops as many times as the count written before "beginbfchar" says, so
// "1000000000000 beginbfchar" exhausts memory, and it decodes each code by
// comparing it with every entry. This one ignores the counts, bounds the
// entries and looks codes up in a map.

// Bounds of one ToUnicode map.
const (
	maxCMapEntries = 1 << 16 // single codes (bfchar)
	maxCMapRanges  = 1 << 14 // code ranges (bfrange)
	maxCMapSpaces  = 256     // codespace ranges
	maxCMapTarget  = 64      // bytes of UTF-16 one code may stand for
)

// cmap maps character codes of one to four bytes to text. It implements
// pdf.TextEncoding.
type cmap struct {
	spaces []codeSpace       // the codes' lengths, by their bytes
	lens   [5]bool           // the lengths used by entries, when spaces is empty
	chars  map[string]string // code → text
	ranges []codeRange       // sorted by length, then lo
}

// codeSpace is a range of codes of one length; each byte must be within the
// bounds of the same byte of lo and hi.
type codeSpace struct{ lo, hi string }

// codeRange maps the codes lo to hi, of the same length, to consecutive
// characters from first.
type codeRange struct {
	lo, hi uint32
	n      int      // code length in bytes
	first  []uint16 // UTF-16 of lo's text; the last unit grows with the code
}

// parseCMap reads the entries of a ToUnicode map. Malformed parts are
// skipped; what could be read is kept.
func parseCMap(data []byte) *cmap {
	m := &cmap{chars: map[string]string{}}
	l := &pdfLexer{data: data}
	var operands []any
	section := pdfKeyword("")
	for {
		l.space()
		if l.pos >= len(data) {
			break
		}
		before := l.pos
		v := l.value(0)
		if l.pos == before {
			l.pos++
			continue
		}
		kw, isKeyword := v.(pdfKeyword)
		if !isKeyword {
			if section != "" && len(operands) < 3*maxCMapRanges {
				operands = append(operands, v)
			}
			continue
		}
		switch kw {
		case "begincodespacerange", "beginbfchar", "beginbfrange":
			section, operands = kw, operands[:0]
		case "endcodespacerange":
			for i := 0; i+1 < len(operands); i += 2 {
				m.addSpace(operands[i], operands[i+1])
			}
			section = ""
		case "endbfchar":
			for i := 0; i+1 < len(operands); i += 2 {
				m.addChar(operands[i], operands[i+1])
			}
			section = ""
		case "endbfrange":
			for i := 0; i+2 < len(operands); i += 3 {
				m.addRange(operands[i], operands[i+1], operands[i+2])
			}
			section = ""
		}
	}
	sort.Slice(m.ranges, func(i, j int) bool {
		a, b := m.ranges[i], m.ranges[j]
		return a.n < b.n || (a.n == b.n && a.lo < b.lo)
	})
	return m
}

func (m *cmap) addSpace(lo, hi any) {
	l, ok1 := lo.(pdfString)
	h, ok2 := hi.(pdfString)
	if !ok1 || !ok2 || len(l) == 0 || len(l) > 4 || len(l) != len(h) || len(m.spaces) >= maxCMapSpaces {
		return
	}
	m.spaces = append(m.spaces, codeSpace{string(l), string(h)})
}

func (m *cmap) addChar(src, dst any) {
	s, ok := src.(pdfString)
	if !ok || len(s) == 0 || len(s) > 4 || len(m.chars) >= maxCMapEntries {
		return
	}
	if text, ok := target(dst); ok {
		m.chars[string(s)] = text
		m.lens[len(s)] = true
	}
}

func (m *cmap) addRange(lo, hi, dst any) {
	l, ok1 := lo.(pdfString)
	h, ok2 := hi.(pdfString)
	if !ok1 || !ok2 || len(l) == 0 || len(l) > 4 || len(l) != len(h) || len(m.ranges) >= maxCMapRanges {
		return
	}
	r := codeRange{lo: codeValue(string(l)), hi: codeValue(string(h)), n: len(l)}
	if r.hi < r.lo {
		return
	}
	switch d := dst.(type) {
	case pdfString:
		if len(d) < 2 || len(d) > maxCMapTarget {
			return
		}
		r.first = utf16Units(string(d))
	case pdfArray:
		// Each code of the range has its own text; a range mapped to an
		// array is short (one entry per code), so it is stored code by code.
		for i, x := range d {
			code := r.lo + uint32(i)
			if code > r.hi || len(m.chars) >= maxCMapEntries {
				break
			}
			if text, ok := target(x); ok {
				m.chars[codeBytes(code, r.n)] = text
			}
		}
		m.lens[r.n] = true
		return
	default:
		return
	}
	m.ranges = append(m.ranges, r)
	m.lens[r.n] = true
}

// target decodes the text a code stands for: UTF-16BE, as ToUnicode maps
// write it.
func target(v any) (string, bool) {
	d, ok := v.(pdfString)
	if !ok || len(d) > maxCMapTarget {
		return "", false
	}
	return string(utf16.Decode(utf16Units(string(d)))), true
}

func utf16Units(s string) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

func codeValue(s string) uint32 {
	var v uint32
	for i := 0; i < len(s); i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

func codeBytes(v uint32, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return string(b)
}

// Decode returns the text of the codes in raw. Codes the map does not know
// are dropped.
func (m *cmap) Decode(raw string) string {
	var out strings.Builder
	for len(raw) > 0 {
		n := m.codeLen(raw)
		code := raw[:n]
		raw = raw[n:]
		if text, ok := m.chars[code]; ok {
			out.WriteString(text)
			continue
		}
		if r, ok := m.findRange(code); ok {
			u := append([]uint16(nil), r.first...)
			if len(u) > 0 {
				u[len(u)-1] += uint16(codeValue(code) - r.lo)
			}
			out.WriteString(string(utf16.Decode(u)))
		}
	}
	return out.String()
}

// codeLen returns the length of the code raw starts with: the codespace
// ranges decide, or, when the map has none, the lengths of its entries.
func (m *cmap) codeLen(raw string) int {
	for n := 1; n <= 4 && n <= len(raw); n++ {
		for _, s := range m.spaces {
			if len(s.lo) == n && inSpace(raw[:n], s) {
				return n
			}
		}
	}
	if len(m.spaces) == 0 {
		for n := 1; n <= 4 && n <= len(raw); n++ {
			if !m.lens[n] {
				continue
			}
			if _, ok := m.chars[raw[:n]]; ok {
				return n
			}
			if _, ok := m.findRange(raw[:n]); ok {
				return n
			}
		}
		for n := 1; n <= 4; n++ {
			if m.lens[n] {
				return min(n, len(raw))
			}
		}
	}
	return 1
}

func inSpace(code string, s codeSpace) bool {
	for i := 0; i < len(code); i++ {
		if code[i] < s.lo[i] || code[i] > s.hi[i] {
			return false
		}
	}
	return true
}

// findRange returns the range holding code.
func (m *cmap) findRange(code string) (codeRange, bool) {
	n, v := len(code), codeValue(code)
	i := sort.Search(len(m.ranges), func(i int) bool {
		r := m.ranges[i]
		return r.n > n || (r.n == n && r.hi >= v)
	})
	if i < len(m.ranges) && m.ranges[i].n == n && m.ranges[i].lo <= v && v <= m.ranges[i].hi {
		return m.ranges[i], true
	}
	return codeRange{}, false
}
