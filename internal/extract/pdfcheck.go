package extract

import (
	"bytes"
	"compress/zlib"
	"io"
	"strconv"
)

// github.com/ledongthuc/pdf was not written for hostile input. Before it
// sees a file, checkPDF walks the file's cross-reference sections the way the
// library will and refuses what would make it:
//
//   - recurse without end (an object stream stored in an object stream: the
//     stack overflow is fatal to the whole process, no recover catches it);
//   - loop forever (a /Prev chain or an /Extends chain with a cycle, or a hex
//     string left open at the end of an object stream);
//   - allocate without bound (a /Size, /Index, /W or predictor /Columns of
//     billions: a failed allocation that large is fatal too).
//
// Content streams and forms are checked as they are read (see streamGuard
// and filtersSafe), since the library reads those only on demand, and
// ToUnicode maps are never given to the library at all (see cmap.go).

// Bounds of the check.
const (
	maxXrefSections = 1024     // incremental updates
	maxObjStmChain  = 32       // object streams linked by /Extends
	maxObjStmBytes  = 8 << 20  // a decompressed object stream
	maxCheckDecoded = 64 << 20 // all the streams the check decodes

	// maxPredictorColumns bounds the Columns of a PNG predictor: the
	// library allocates a row of that many bytes before reading any.
	maxPredictorColumns = 1 << 16
	maxCheckNesting     = 64   // arrays and dictionaries in a trailer
	minObjectsPerPDF    = 1024 // object numbers allowed whatever the size
)

// xrefEntry is one object of the cross-reference table, as the library
// will build it.
type xrefEntry struct {
	typ uint8 // 0 unset or free, 1 in the file at val, 2 in object stream val
	gen int64
	val int64
}

// pdfCheck is the state of one check.
type pdfCheck struct {
	data    []byte
	maxObj  int64 // the highest object number allowed
	entries []xrefEntry
	decoded int // bytes of streams decoded so far
}

// checkPDF reports whether the library may safely open data.
func checkPDF(data []byte) bool {
	c := &pdfCheck{data: data, maxObj: minObjectsPerPDF + int64(len(data))/4}
	start, ok := c.startxref()
	if !ok {
		return false
	}
	seen := map[int64]bool{}
	for off, n := start, 0; off >= 0; n++ {
		if n >= maxXrefSections || seen[off] || off >= int64(len(data)) {
			return false
		}
		seen[off] = true
		if off, ok = c.section(off); !ok {
			return false
		}
	}
	objStms := map[int64]bool{}
	for _, e := range c.entries {
		if e.typ != 2 {
			continue
		}
		if s := c.entry(e.val); s.typ == 2 {
			return false // an object stream inside an object stream
		} else if s.typ == 1 && s.gen == 0 {
			objStms[e.val] = true
		}
	}
	for s := range objStms {
		if !c.objStm(s) {
			return false
		}
	}
	return true
}

func (c *pdfCheck) entry(n int64) xrefEntry {
	if n < 0 || n >= int64(len(c.entries)) {
		return xrefEntry{}
	}
	return c.entries[n]
}

// set records an entry unless a newer section already did, as the library
// does.
func (c *pdfCheck) set(n int64, e xrefEntry) bool {
	if n < 0 || n > c.maxObj {
		return false
	}
	for int64(len(c.entries)) <= n {
		c.entries = append(c.entries, xrefEntry{})
	}
	if c.entries[n].typ == 0 && c.entries[n].val == 0 {
		c.entries[n] = e
		if e.typ == 0 {
			c.entries[n].val = -1 // free, but taken
		}
	}
	return true
}

// startxref finds the offset of the last cross-reference section exactly as
// the library does, so that both follow the same chain: the last 100 bytes
// end with %%EOF and hold "startxref" on a line of its own.
func (c *pdfCheck) startxref() (int64, bool) {
	if len(c.data) < 100 {
		return 0, false // the library cannot read the end of so short a file
	}
	tail := bytes.TrimRight(c.data[len(c.data)-100:], "\r\n\t ")
	if !bytes.HasSuffix(tail, []byte("%%EOF")) {
		return 0, false
	}
	at := -1
	for end := len(tail); ; {
		i := bytes.LastIndex(tail[:end], []byte("startxref"))
		if i <= 0 || i+len("startxref") >= len(tail) {
			break
		}
		before, after := tail[i-1], tail[i+len("startxref")]
		if (before == '\n' || before == '\r') && (after == '\n' || after == '\r') {
			at = i
			break
		}
		end = i
	}
	if at < 0 {
		return 0, false
	}
	l := &pdfLexer{data: tail, pos: at + len("startxref")}
	n, ok := l.value(0).(int64)
	return n, ok && n >= 0
}

// section reads the cross-reference section at off and returns the offset
// of the previous one, or -1.
func (c *pdfCheck) section(off int64) (int64, bool) {
	l := &pdfLexer{data: c.data, pos: int(off)}
	if kw, _ := l.value(0).(pdfKeyword); kw == "xref" {
		return c.table(l)
	}
	l.pos = int(off)
	return c.xrefStream(l)
}

// table reads a classic table ("xref", subsections, "trailer" and its
// dictionary).
func (c *pdfCheck) table(l *pdfLexer) (int64, bool) {
	for {
		v := l.value(0)
		if kw, _ := v.(pdfKeyword); kw == "trailer" {
			break
		}
		start, ok1 := v.(int64)
		n, ok2 := l.value(0).(int64)
		if !ok1 || !ok2 || start < 0 || n < 0 {
			return 0, false
		}
		for i := int64(0); i < n; i++ {
			off, ok1 := l.value(0).(int64)
			gen, ok2 := l.value(0).(int64)
			kw, ok3 := l.value(0).(pdfKeyword)
			if !ok1 || !ok2 || !ok3 || (kw != "n" && kw != "f") {
				return 0, false
			}
			// The library makes room for every entry, free or not, but
			// records only those in use.
			if x := start + i; x > c.maxObj {
				return 0, false
			} else if kw == "n" {
				c.set(x, xrefEntry{typ: 1, val: off, gen: gen})
			}
		}
	}
	trailer, ok := l.value(0).(pdfDict)
	if !ok {
		return 0, false
	}
	return prevOffset(trailer)
}

// xrefStream reads a cross-reference stream ("n 0 obj << /Type /XRef ... >>
// stream").
func (c *pdfCheck) xrefStream(l *pdfLexer) (int64, bool) {
	hdr, start, ok := c.streamHeader(int64(l.pos))
	if !ok {
		return 0, false
	}
	data, status := c.streamData(hdr, start)
	if status != dataOK {
		return 0, false // the library fails, or might read what is not checked
	}
	size, ok := hdr["Size"].(int64)
	if !ok || size < 0 || size > c.maxObj+1 {
		return 0, false
	}
	var w [3]int
	ws, ok := hdr["W"].(pdfArray)
	if !ok || len(ws) < 3 {
		return 0, false
	}
	width := 0
	for i, x := range ws {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return 0, false
		}
		if i < 3 {
			w[i] = int(n)
		}
		width += int(n)
	}
	index := pdfArray{int64(0), size}
	if x, ok := hdr["Index"].(pdfArray); ok {
		index = x
	}
	if len(index)%2 != 0 {
		return 0, false
	}
	for k := 0; k < len(index); k += 2 {
		start, ok1 := index[k].(int64)
		n, ok2 := index[k+1].(int64)
		if !ok1 || !ok2 || start < 0 || n < 0 || start+n > c.maxObj+1 {
			return 0, false
		}
		for i := int64(0); i < n; i++ {
			if width == 0 || len(data) < width {
				break // the library stops with an error here
			}
			row := data[:width]
			data = data[width:]
			typ := int64(1)
			if w[0] > 0 {
				typ = beInt(row[:w[0]])
			}
			f2, f3 := beInt(row[w[0]:w[0]+w[1]]), beInt(row[w[0]+w[1]:w[0]+w[1]+w[2]])
			var e xrefEntry
			switch typ {
			case 0:
			case 1:
				e = xrefEntry{typ: 1, val: f2, gen: f3}
			case 2:
				e = xrefEntry{typ: 2, val: f2}
			default:
				continue
			}
			if !c.set(start+i, e) {
				return 0, false
			}
		}
	}
	return prevOffset(hdr)
}

func prevOffset(d pdfDict) (int64, bool) {
	switch p := d["Prev"].(type) {
	case nil:
		return -1, true
	case int64:
		return p, p >= 0
	}
	return 0, false
}

func beInt(b []byte) int64 {
	var x int64
	for _, c := range b {
		x = x<<8 | int64(c)
	}
	return x
}

// objStm checks the object stream numbered n and those it extends, as the
// library reads them to find an object: N and First first, then the data,
// then the /Extends chain, which must not loop.
func (c *pdfCheck) objStm(n int64) bool {
	seen := map[int64]bool{}
	for i := 0; ; i++ {
		if i >= maxObjStmChain || seen[n] {
			return false
		}
		seen[n] = true
		e := c.entry(n)
		if e.typ != 1 || e.gen != 0 {
			return true // the library cannot load it and fails cleanly
		}
		hdr, start, ok := c.streamHeader(e.val)
		if !ok {
			return true
		}
		count, known1 := c.integer(hdr["N"])
		first, known2 := c.integer(hdr["First"])
		switch {
		case !known1 || !known2 || count > c.maxObj:
			return false // it would read tokens billions of times
		case first == 0:
			return true // the library stops: "missing First"
		}
		data, status := c.streamData(hdr, start)
		switch status {
		case dataFails:
			return true
		case dataUnknown:
			return false
		}
		var g streamGuard
		_, _ = g.Write(data)
		if g.open() {
			return false
		}
		ext, ok := hdr["Extends"].(pdfRef)
		if !ok {
			return true // nothing more, or not a stream: the library stops
		}
		n = ext.num
	}
}

// integer returns the value of an integer the library would read with
// Value.Int64 (0 when it is not one), and whether the check can know it:
// not when it is stored in an object stream.
func (c *pdfCheck) integer(v any) (int64, bool) {
	if r, ok := v.(pdfRef); ok && c.entry(r.num).typ == 2 {
		return 0, false
	}
	n, _ := c.resolve(v).(int64)
	return n, true
}

// resolve returns v, or the object it refers to when it is a reference to
// an object stored directly in the file.
func (c *pdfCheck) resolve(v any) any {
	r, ok := v.(pdfRef)
	if !ok {
		return v
	}
	e := c.entry(r.num)
	if e.typ != 1 || e.val < 0 || e.val >= int64(len(c.data)) {
		return nil
	}
	l := &pdfLexer{data: c.data, pos: int(e.val)}
	if _, ok := l.value(0).(int64); !ok {
		return nil
	}
	if _, ok := l.value(0).(int64); !ok {
		return nil
	}
	if kw, _ := l.value(0).(pdfKeyword); kw != "obj" {
		return nil
	}
	return l.value(0)
}

// streamHeader reads "n g obj << ... >> stream" at off and returns the
// dictionary and where the data starts.
func (c *pdfCheck) streamHeader(off int64) (pdfDict, int, bool) {
	if off < 0 || off >= int64(len(c.data)) {
		return nil, 0, false
	}
	l := &pdfLexer{data: c.data, pos: int(off)}
	for _, want := range []string{"int", "int", "obj"} {
		v := l.value(0)
		if _, isInt := v.(int64); want == "int" && !isInt {
			return nil, 0, false
		}
		if kw, _ := v.(pdfKeyword); want == "obj" && kw != "obj" {
			return nil, 0, false
		}
	}
	hdr, ok := l.value(0).(pdfDict)
	if !ok {
		return nil, 0, false
	}
	l.space()
	if !bytes.HasPrefix(l.data[l.pos:], []byte("stream")) {
		return nil, 0, false
	}
	l.pos += len("stream")
	if l.pos < len(l.data) && l.data[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(l.data) && l.data[l.pos] == '\n' {
		l.pos++
	}
	return hdr, l.pos, true
}

// What streamData knows of how the library reads a stream.
const (
	dataOK      = iota // the data is what the library reads
	dataFails          // the library stops with an error (a panic it recovers)
	dataUnknown        // the check cannot tell: refuse the file
)

// streamData returns the data of the stream whose dictionary is hdr and
// whose bytes start at start, decoded as the library decodes it: Length
// bytes (none when Length is missing), cut at the end of the file.
func (c *pdfCheck) streamData(hdr pdfDict, start int) ([]byte, int) {
	length, known := c.integer(hdr["Length"])
	if !known {
		return nil, dataUnknown
	}
	if length <= 0 || start >= len(c.data) {
		return nil, dataOK // the library reads nothing
	}
	raw := c.data[start:min(int64(len(c.data)), int64(start)+length)]
	filters, params := hdr["Filter"], hdr["DecodeParms"]
	if _, ok := filters.(pdfRef); ok {
		return nil, dataUnknown
	}
	if f, ok := filters.(pdfArray); ok {
		if len(f) > 1 {
			return nil, dataUnknown
		}
		filters = nil
		if len(f) == 1 {
			filters = f[0]
		}
		if p, ok := params.(pdfArray); ok {
			params = nil
			if len(p) > 0 {
				params = p[0]
			}
		}
	}
	var rd io.Reader = bytes.NewReader(raw)
	switch f := filters.(type) {
	case nil:
	case pdfName:
		switch f {
		case "FlateDecode":
		case "ASCII85Decode":
			return nil, dataUnknown
		default:
			return nil, dataFails // "unknown filter"
		}
		z, err := zlib.NewReader(rd)
		if err != nil {
			return nil, dataFails
		}
		rd = z
		if p, ok := params.(pdfDict); ok && p["Predictor"] != nil {
			cols, _ := p["Columns"].(int64)
			switch {
			case p["Predictor"] != int64(12):
				return nil, dataFails // the library knows no other predictor
			case cols < 1 || cols > maxPredictorColumns:
				return nil, dataUnknown
			}
			rd = &pngUp{r: rd, row: make([]byte, cols+1), prev: make([]byte, cols+1)}
		}
	default:
		return nil, dataFails
	}
	limit := min(maxObjStmBytes, maxCheckDecoded-c.decoded)
	data, _ := io.ReadAll(io.LimitReader(rd, int64(limit)+1))
	if len(data) > limit {
		return nil, dataUnknown
	}
	c.decoded += len(data)
	return data, dataOK
}

// pngUp undoes the PNG "Up" predictor of cross-reference streams.
type pngUp struct {
	r         io.Reader
	row, prev []byte
	pending   []byte
}

func (p *pngUp) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if _, err := io.ReadFull(p.r, p.row); err != nil {
			return 0, err
		}
		if p.row[0] != 2 {
			return 0, io.ErrUnexpectedEOF
		}
		for i := 1; i < len(p.row); i++ {
			p.prev[i] += p.row[i]
		}
		p.pending = p.prev[1:]
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// The check's own reader of PDF objects: enough for trailers and stream
// dictionaries.
type (
	pdfKeyword string
	pdfName    string
	pdfDict    map[pdfName]any
	pdfArray   []any
	pdfRef     struct{ num, gen int64 }
	pdfString  string // the bytes of a (literal) or <hex> string
)

type pdfLexer struct {
	data []byte
	pos  int
}

func (l *pdfLexer) space() {
	for l.pos < len(l.data) {
		switch c := l.data[l.pos]; {
		case isPDFSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.data) && l.data[l.pos] != '\r' && l.data[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

// value reads one object: nil at the end or on a syntax error.
func (l *pdfLexer) value(depth int) any {
	if depth > maxCheckNesting {
		return nil
	}
	l.space()
	if l.pos >= len(l.data) {
		return nil
	}
	switch c := l.data[l.pos]; c {
	case '<':
		if l.pos+1 < len(l.data) && l.data[l.pos+1] == '<' {
			l.pos += 2
			d := pdfDict{}
			for {
				l.space()
				if bytes.HasPrefix(l.data[l.pos:], []byte(">>")) {
					l.pos += 2
					return d
				}
				k, ok := l.value(depth + 1).(pdfName)
				if !ok {
					return nil
				}
				d[k] = l.value(depth + 1)
			}
		}
		end := bytes.IndexByte(l.data[l.pos:], '>')
		if end < 0 {
			l.pos = len(l.data)
			return nil
		}
		hex := l.data[l.pos+1 : l.pos+end]
		l.pos += end + 1
		return hexString(hex)
	case '[':
		l.pos++
		var a pdfArray
		for {
			l.space()
			if l.pos >= len(l.data) {
				return nil
			}
			if l.data[l.pos] == ']' {
				l.pos++
				return a
			}
			before := l.pos
			v := l.value(depth + 1)
			if l.pos == before {
				return nil // nothing could be read: never loop on it
			}
			a = append(a, v)
		}
	case '(':
		return l.literal()
	case '/':
		l.pos++
		return pdfName(l.word())
	case '>', ']', ')', '{', '}':
		l.pos++
		return nil
	}
	w := l.word()
	if w == "" {
		l.pos++
		return nil
	}
	if n, err := strconv.ParseInt(w, 10, 64); err == nil {
		// "n g R" is a reference.
		save := l.pos
		l.space()
		g := l.word()
		l.space()
		if gen, err := strconv.ParseInt(g, 10, 64); err == nil && l.word() == "R" {
			return pdfRef{n, gen}
		}
		l.pos = save
		return n
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil {
		return f
	}
	if w == "null" {
		return nil
	}
	return pdfKeyword(w)
}

// hexString decodes the inside of <hex>: spaces are skipped and a last odd
// digit counts as followed by 0.
func hexString(hex []byte) pdfString {
	out := make([]byte, 0, len(hex)/2)
	high, odd := byte(0), false
	for _, c := range hex {
		var v byte
		switch {
		case isDigit(c):
			v = c - '0'
		case (c|0x20) >= 'a' && (c|0x20) <= 'f':
			v = (c | 0x20) - 'a' + 10
		default:
			continue
		}
		if odd {
			out = append(out, high<<4|v)
		} else {
			high = v
		}
		odd = !odd
	}
	if odd {
		out = append(out, high<<4)
	}
	return pdfString(out)
}

// literal reads a (literal string) with its escapes; an unclosed one ends
// at the end of the data.
func (l *pdfLexer) literal() pdfString {
	var out []byte
	nest := 0
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
			if nest == 1 {
				continue
			}
		case ')':
			nest--
			if nest == 0 {
				return pdfString(out)
			}
		case '\\':
			if l.pos >= len(l.data) {
				return pdfString(out)
			}
			c = l.data[l.pos]
			l.pos++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r', '\n':
				continue // a line continued
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(c - '0')
				for k := 0; k < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; k++ {
					v = v*8 + int(l.data[l.pos]-'0')
					l.pos++
				}
				c = byte(v)
			}
		}
		out = append(out, c)
	}
	return pdfString(out)
}

// word reads a name or keyword up to the next space or delimiter.
func (l *pdfLexer) word() string {
	start := l.pos
	for l.pos < len(l.data) && !isPDFSpace(l.data[l.pos]) && !isPDFDelim(l.data[l.pos]) {
		l.pos++
	}
	return string(l.data[start:l.pos])
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// streamGuard follows the library's lexer over a stream it will read with
// pdf.Interpret (a content stream, a ToUnicode map, an object stream) and
// reports a stream that ends inside a hex string: there the library's lexer
// reads spaces forever past the end. It tracks what changes how the lexer
// reads "<": comments, literal strings (whose invalid escapes end them early)
// and names (whose #xx escapes consume two bytes).
type streamGuard struct {
	state   uint8
	nesting int  // of parentheses in a literal string
	octal   int  // octal digits read in a literal string's escape
	value   int  // their value
	bad     bool // the first digit of a hex pair is not a digit
	hash    int  // bytes of a name's #xx escape still to read
	hashBad bool // one of them was not a hex digit
}

const (
	guardCode    = iota // between tokens
	guardComment        // after %
	guardLiteral        // in a (string)
	guardEscape         // after a backslash in a string
	guardOctal          // in an octal escape
	guardName           // in a /name
	guardLess           // after <: a dictionary or a hex string
	guardHex            // in a hex string, before a pair
	guardHexPair        // in a hex string, after the first digit of a pair
)

func (g *streamGuard) Write(p []byte) (int, error) {
	for _, c := range p {
		g.byte(c)
	}
	return len(p), nil
}

func (g *streamGuard) byte(c byte) {
	switch g.state {
	case guardCode:
		switch c {
		case '%':
			g.state = guardComment
		case '(':
			g.state, g.nesting = guardLiteral, 1
		case '<':
			g.state = guardLess
		case '/':
			g.state, g.hash = guardName, 0
		}
	case guardComment:
		if c == '\r' || c == '\n' {
			g.state = guardCode
		}
	case guardLiteral:
		switch c {
		case '\\':
			g.state = guardEscape
		case '(':
			g.nesting++
		case ')':
			if g.nesting--; g.nesting == 0 {
				g.state = guardCode
			}
		}
	case guardEscape:
		switch {
		case c >= '0' && c <= '7':
			g.state, g.octal, g.value = guardOctal, 1, int(c-'0')
		case bytes.IndexByte([]byte("nrbtf()\\\r\n"), c) >= 0:
			g.state = guardLiteral
		default:
			g.state = guardCode // an invalid escape: the library drops the string
		}
	case guardOctal:
		if c < '0' || c > '7' {
			g.state = guardLiteral
			g.byte(c) // the library reads it again
			return
		}
		g.octal++
		g.value = g.value*8 + int(c-'0')
		if g.octal == 3 {
			g.state = guardLiteral
			if g.value > 255 {
				g.state = guardCode
			}
		}
	case guardName:
		if g.hash > 0 {
			g.hashBad = g.hashBad || !isHexDigit(c)
			if g.hash--; g.hash == 0 && g.hashBad {
				g.state = guardCode
			}
			return
		}
		switch {
		case c == '#':
			g.hash, g.hashBad = 2, false
		case isPDFSpace(c) || isPDFDelim(c):
			g.state = guardCode
			g.byte(c)
		}
	case guardLess:
		if c == '<' {
			g.state = guardCode
			return
		}
		g.state = guardHex
		g.byte(c)
	case guardHex:
		switch {
		case isPDFSpace(c):
		case c == '>':
			g.state = guardCode
		default:
			g.state, g.bad = guardHexPair, !isHexDigit(c)
		}
	case guardHexPair:
		switch {
		case isPDFSpace(c):
		case g.bad || !isHexDigit(c):
			g.state = guardCode // the library stops with an error
		default:
			g.state = guardHex
		}
	}
}

func isHexDigit(c byte) bool {
	return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f'
}

// open reports a stream that ends inside a hex string (or right after "<").
func (g *streamGuard) open() bool {
	return g.state == guardLess || g.state == guardHex || g.state == guardHexPair
}
