package extract

import (
	"bytes"
	"context"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/xentree/xentree/knowledge"
)

// PDF text is read with github.com/ledongthuc/pdf for the file structure,
// streams and font encodings, but the page tree and content streams are
// walked here: the library's own walkers loop forever on a page tree with a
// cycle, put no bound on the work a crafted file can ask for, and glue
// together words that a PDF separates by position rather than by a space.
// The library panics on malformed input; every panic is recovered.

// Bounds on the work one PDF may cause. A real document stays far below
// them; a crafted one (a decompression bomb, a page tree that loops, a font
// with a million-entry encoding) stops at them.
const (
	maxPDFPages      = 2000          // pages read; the rest are ignored
	maxPageNodes     = 4 * 2000      // page-tree nodes visited
	maxPageDepth     = 32            // page-tree depth
	maxPageContent   = 4 << 20       // decompressed content-stream bytes of one page
	maxPDFContent    = 64 << 20      // decompressed content-stream bytes in all
	maxCMapBytes     = 1 << 20       // a font's ToUnicode stream
	maxDifferences   = 4096          // entries of a font's Differences array
	maxPDFWork       = 1_000_000_000 // about a few seconds of the library's decoding
	maxFormDepth     = 4             // Form XObjects drawn inside Form XObjects
	maxGraphicsStack = 64            // q without Q
	maxContentParts  = 4096          // streams in a page's content array

	// maxPDFTime is the last resort against work no count above bounds:
	// the library reads an object of an object stream by decompressing the
	// stream up to it, every time, so a crafted file can make each lookup
	// cost megabytes. Reading stops there, keeping the text read so far; a
	// real document takes a small fraction of it.
	maxPDFTime = 20 * time.Second

	// pdfTextRatio bounds a PDF's text to this many times the file's size.
	// Unlike text and HTML, a PDF holds its text compressed: a text-only
	// document commonly yields two to four times its size in text.
	pdfTextRatio = 8
)

// Layout thresholds, in multiples of the font size.
const (
	lineShift    = 0.5  // a vertical move beyond this starts a new line
	paragraphGap = 1.6  // a move down beyond this starts a new paragraph
	wordGap      = 0.15 // a horizontal gap beyond this is a space
)

// pdfStop is the panic that ends reading when a budget is spent: the text
// read so far is kept.
type pdfStop struct{}

// pdfDoc is the state of one document.
type pdfDoc struct {
	ctx      context.Context // the upload's: parsing stops when it ends
	deadline time.Time
	ops      int                 // content operators run, to look at the clock now and then
	content  int                 // decompressed bytes still allowed
	work     int                 // decoding work still allowed
	text     int                 // bytes of decoded text still allowed
	fonts    map[string]*pdfFont // by font dictionary, shared by the pages
}

func (d *pdfDoc) charge(n int) {
	d.work -= n
	if d.work < 0 {
		panic(pdfStop{})
	}
}

func (d *pdfDoc) expired() bool { return d.ctx.Err() != nil || time.Now().After(d.deadline) }

// pdfFont is what the reader needs of a font.
type pdfFont struct {
	enc      pdf.TextEncoding // nil: the text cannot be decoded and is dropped
	cost     int              // work per byte decoded
	twoByte  bool             // a composite font: codes are two bytes
	first    int              // the code of widths[0]
	widths   []float64        // glyph widths, in thousandths of the font size
	avgWidth float64          // the width of glyphs not in widths
}

func extractPDF(ctx context.Context, data []byte) (blocks []knowledge.Block, err error) {
	defer func() {
		if recover() != nil {
			blocks, err = nil, errUnreadable()
		}
	}()
	if !checkPDF(data) {
		return nil, errUnreadable()
	}
	r, err := pdf.NewReader(pdfVersionShim{bytes.NewReader(data)}, int64(len(data)))
	if err != nil {
		return nil, errUnreadable()
	}
	// The library opens files encrypted with an empty user password, but
	// its decryption is weak and such a file is not the user's to share
	// unprotected: both kinds of encrypted file are refused.
	if !r.Trailer().Key("Encrypt").IsNull() {
		return nil, errUnreadable()
	}
	doc := &pdfDoc{ctx: ctx, deadline: time.Now().Add(maxPDFTime), content: maxPDFContent, work: maxPDFWork,
		text: pdfTextRatio * len(data), fonts: map[string]*pdfFont{}}
	pages := pdfPages(r, doc)
	if len(pages) == 0 {
		return nil, errUnreadable()
	}
	b := newBuilder(doc.text)
	broken := 0
	for i, p := range pages {
		if doc.expired() {
			break
		}
		paras, ok, stop := doc.page(p)
		if !ok {
			broken++
		}
		heading := "Page " + strconv.Itoa(i+1)
		for _, para := range paras {
			b.addBlock(heading, clean(para))
		}
		if stop {
			break
		}
	}
	if len(b.blocks) == 0 && broken > 0 {
		return nil, errUnreadable()
	}
	return b.blocks, nil
}

// pdfVersionShim shows a PDF 2.0 header as 1.7: the library refuses any
// version but 1.0 to 1.7, though it reads the text of 2.0 files, whose syntax
// is the same.
type pdfVersionShim struct{ r io.ReaderAt }

func (s pdfVersionShim) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.r.ReadAt(p, off)
	const at = 5 // "%PDF-2.0": the major version, then the dot
	if off <= at && off+int64(n) > at+2 && p[at-off] == '2' && p[at+1-off] == '.' {
		p[at-off], p[at+2-off] = '1', '7'
	}
	return n, err
}

// pdfPage is a page and the resources it inherits.
type pdfPage struct {
	v, resources pdf.Value
}

// pdfPages walks the page tree in order, passing inherited resources down
// (the library walks /Parent links, which may loop).
func pdfPages(r *pdf.Reader, doc *pdfDoc) []pdfPage {
	var pages []pdfPage
	visits := 0
	var walk func(node, resources pdf.Value, depth int)
	walk = func(node, resources pdf.Value, depth int) {
		if len(pages) >= maxPDFPages || visits >= maxPageNodes || depth > maxPageDepth || node.Kind() != pdf.Dict || doc.expired() {
			return
		}
		visits++
		if res := node.Key("Resources"); res.Kind() == pdf.Dict {
			resources = res
		}
		kids := node.Key("Kids")
		switch typ := node.Key("Type").Name(); {
		case typ == "Pages" || (typ == "" && kids.Kind() == pdf.Array):
			for i := 0; i < kids.Len(); i++ {
				walkKid(func() { walk(kids.Index(i), resources, depth+1) })
			}
		case typ == "Page" || typ == "":
			pages = append(pages, pdfPage{v: node, resources: resources})
		}
	}
	walk(r.Trailer().Key("Root").Key("Pages"), pdf.Value{}, 0)
	return pages
}

// walkKid walks one branch of the page tree: a branch the library cannot
// read is left out and the other pages are still read.
func walkKid(walk func()) {
	defer func() { _ = recover() }()
	walk()
}

// page returns the paragraphs of a page. ok is false when the page is
// malformed (the text before the fault is kept); stop is true when a budget
// is spent and no further page should be read.
func (d *pdfDoc) page(p pdfPage) (paras []string, ok, stop bool) {
	t := &pageText{doc: d, res: newResources(p.resources), g: gstate{ctm: identity(), th: 1}, tm: identity(), tlm: identity()}
	defer func() {
		if x := recover(); x != nil {
			_, stop = x.(pdfStop)
			ok = stop
			paras = t.result()
		}
	}()
	contents := p.v.Key("Contents")
	if k := contents.Kind(); k != pdf.Stream && k != pdf.Array {
		return nil, true, false // a blank page
	}
	size, safe := streamSize(contents, maxPageContent+1)
	if !safe {
		return nil, false, false
	}
	if size > maxPageContent {
		return nil, true, false // a drawing this large has no text to speak of
	}
	if size > d.content {
		return nil, true, true
	}
	d.content -= size
	t.run(contents, 0)
	return t.result(), true, false
}

// streamBytes returns the decompressed data of the stream v, or false when
// it is longer than limit or unsafe to read.
func streamBytes(v pdf.Value, limit int) ([]byte, bool) {
	if v.Kind() != pdf.Stream || !filtersSafe(v) {
		return nil, false
	}
	data, _ := io.ReadAll(io.LimitReader(v.Reader(), int64(limit)+1))
	return data, len(data) <= limit
}

// streamSize returns the decompressed size of a content stream or array of
// streams, counting at most limit bytes, and whether pdf.Interpret can read it
// without looping forever (see streamGuard).
func streamSize(v pdf.Value, limit int) (size int, safe bool) {
	var rd io.Reader
	switch v.Kind() {
	case pdf.Stream:
		if !filtersSafe(v) {
			return 0, false
		}
		rd = v.Reader()
	case pdf.Array:
		if v.Len() > maxContentParts {
			return 0, false
		}
		var rs []io.Reader
		for i := 0; i < v.Len(); i++ {
			part := v.Index(i)
			if !filtersSafe(part) {
				return 0, false
			}
			rs = append(rs, part.Reader())
		}
		rd = io.MultiReader(rs...)
	default:
		return 0, true
	}
	var g streamGuard
	n, err := io.Copy(&g, io.LimitReader(rd, int64(limit)))
	// A read error stops the library's lexer too, so only a stream read to
	// its end can leave it waiting for the end of a hex string.
	return int(n), err != nil || int(n) >= limit || !g.open()
}

// filtersSafe reports whether the library reads the stream v with bounded
// memory and work. Its PNG predictor allocates a row of Columns bytes (a
// huge one is fatal, not a panic), and a row of none decodes to nothing
// however much it reads. A filter after FlateDecode could likewise consume a
// decompression bomb while producing nothing, so FlateDecode must be last:
// then reading a bounded amount of output bounds the work.
func filtersSafe(v pdf.Value) bool {
	filter, params := v.Key("Filter"), v.Key("DecodeParms")
	predictorOK := func(p pdf.Value) bool {
		if p.Key("Predictor").Kind() == pdf.Null {
			return true
		}
		c := p.Key("Columns").Int64()
		return c >= 1 && c <= maxPredictorColumns
	}
	switch filter.Kind() {
	case pdf.Name:
		return filter.Name() != "FlateDecode" || predictorOK(params)
	case pdf.Array:
		for i := 0; i < filter.Len(); i++ {
			if filter.Index(i).Name() == "FlateDecode" && (i != filter.Len()-1 || !predictorOK(params.Index(i))) {
				return false
			}
		}
	}
	return true
}

// mat is a PDF transformation matrix [a b 0; c d 0; e f 1].
type mat [6]float64

func identity() mat { return mat{1, 0, 0, 1, 0, 0} }

func translate(x, y float64) mat { return mat{1, 0, 0, 1, x, y} }

// mul returns m × n.
func (m mat) mul(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// gstate is the part of the graphics state that places text.
type gstate struct {
	ctm                   mat
	tc, tw, th, tl, trise float64 // character and word spacing, scale, leading, rise
	tfs                   float64 // font size
	font                  *pdfFont
}

// resources are the named fonts and forms a content stream may use.
type resources struct {
	fonts, xobjects pdf.Value
	cache           map[string]*pdfFont // fonts looked up so far, by name
}

func newResources(v pdf.Value) resources {
	return resources{fonts: v.Key("Font"), xobjects: v.Key("XObject"), cache: map[string]*pdfFont{}}
}

// pageText lays out the text of one page.
type pageText struct {
	doc   *pdfDoc
	res   resources
	g     gstate
	stack []gstate
	over  int // q operators beyond maxGraphicsStack, so Q stays balanced
	tm    mat // text matrix
	tlm   mat // text line matrix

	paras []string
	para  strings.Builder

	have         bool    // text was shown on this page
	lastX, lastY float64 // where the last text ended
	lastSize     float64 // its font size
	lineGap      float64 // the line spacing of the paragraph, once known
}

func (t *pageText) result() []string {
	t.endParagraph()
	return t.paras
}

func (t *pageText) endParagraph() {
	if t.para.Len() > 0 {
		t.paras = append(t.paras, t.para.String())
		t.para.Reset()
	}
}

// run interprets a content stream.
func (t *pageText) run(strm pdf.Value, depth int) {
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		t.op(op, args, depth)
	})
}

func (t *pageText) op(op string, args []pdf.Value, depth int) {
	if t.doc.ops++; t.doc.ops%256 == 0 && t.doc.expired() {
		panic(pdfStop{})
	}
	num := func(i int) float64 { return args[i].Float64() }
	switch op {
	case "q":
		if len(t.stack) >= maxGraphicsStack {
			t.over++
			return
		}
		t.stack = append(t.stack, t.g)
	case "Q":
		if t.over > 0 {
			t.over--
			return
		}
		if n := len(t.stack); n > 0 {
			t.g = t.stack[n-1]
			t.stack = t.stack[:n-1]
		}
	case "cm":
		if len(args) == 6 {
			t.g.ctm = mat{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(t.g.ctm)
		}
	case "BT":
		t.tm, t.tlm = identity(), identity()
	case "Tc":
		if len(args) == 1 {
			t.g.tc = num(0)
		}
	case "Tw":
		if len(args) == 1 {
			t.g.tw = num(0)
		}
	case "Tz":
		if len(args) == 1 {
			t.g.th = num(0) / 100
		}
	case "TL":
		if len(args) == 1 {
			t.g.tl = num(0)
		}
	case "Ts":
		if len(args) == 1 {
			t.g.trise = num(0)
		}
	case "Tf":
		if len(args) == 2 {
			t.g.font = t.font(args[0].Name())
			t.g.tfs = num(1)
		}
	case "Td", "TD":
		if len(args) == 2 {
			if op == "TD" {
				t.g.tl = -num(1)
			}
			t.tlm = translate(num(0), num(1)).mul(t.tlm)
			t.tm = t.tlm
		}
	case "Tm":
		if len(args) == 6 {
			t.tlm = mat{num(0), num(1), num(2), num(3), num(4), num(5)}
			t.tm = t.tlm
		}
	case "T*":
		t.nextLine()
	case "Tj":
		if len(args) == 1 {
			t.show(args[0].RawString())
		}
	case "'":
		if len(args) == 1 {
			t.nextLine()
			t.show(args[0].RawString())
		}
	case "\"":
		if len(args) == 3 {
			t.g.tw, t.g.tc = num(0), num(1)
			t.nextLine()
			t.show(args[2].RawString())
		}
	case "TJ":
		if len(args) == 1 {
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				x := a.Index(i)
				if x.Kind() == pdf.String {
					t.show(x.RawString())
					continue
				}
				// A number moves the next glyph left, in thousandths of the
				// font size: a large negative one is a word gap.
				tx := -x.Float64() / 1000 * t.g.tfs * t.g.th
				t.tm = translate(tx, 0).mul(t.tm)
			}
		}
	case "Do":
		if len(args) == 1 {
			t.form(args[0].Name(), depth)
		}
	}
}

func (t *pageText) nextLine() {
	t.tlm = translate(0, -t.g.tl).mul(t.tlm)
	t.tm = t.tlm
}

// form draws a Form XObject: some producers put a page's whole text in one.
func (t *pageText) form(name string, depth int) {
	if depth >= maxFormDepth || t.res.xobjects.Kind() != pdf.Dict {
		return
	}
	x := t.res.xobjects.Key(name)
	if x.Kind() != pdf.Stream || x.Key("Subtype").Name() != "Form" {
		return
	}
	size, safe := streamSize(x, t.doc.content+1)
	if !safe {
		return
	}
	if size > t.doc.content {
		panic(pdfStop{})
	}
	t.doc.content -= size
	g, stack, over, res := t.g, len(t.stack), t.over, t.res
	if m := x.Key("Matrix"); m.Len() == 6 {
		t.g.ctm = mat{m.Index(0).Float64(), m.Index(1).Float64(), m.Index(2).Float64(),
			m.Index(3).Float64(), m.Index(4).Float64(), m.Index(5).Float64()}.mul(t.g.ctm)
	}
	if r := x.Key("Resources"); r.Kind() == pdf.Dict {
		t.res = newResources(r) // else the form uses the page's
	}
	t.run(x, depth+1)
	t.g, t.stack, t.over, t.res = g, t.stack[:min(stack, len(t.stack))], over, res
}

// font returns the font named in the current resources, or nil.
func (t *pageText) font(name string) *pdfFont {
	if f, ok := t.res.cache[name]; ok {
		return f
	}
	var f *pdfFont
	if t.res.fonts.Kind() == pdf.Dict {
		f = t.doc.loadFont(t.res.fonts.Key(name))
	}
	if len(t.res.cache) < 1024 {
		t.res.cache[name] = f
	}
	return f
}

// loadFont reads a font dictionary once per document. Its text is the key:
// it holds references ("12 0 R") rather than the objects, so equal text
// means the same font.
func (d *pdfDoc) loadFont(v pdf.Value) (f *pdfFont) {
	if v.Kind() != pdf.Dict {
		return nil
	}
	key := v.String()
	d.charge(len(key))
	if f, ok := d.fonts[key]; ok {
		return f
	}
	f = &pdfFont{cost: 1, avgWidth: 500}
	d.fonts[key] = f
	defer func() {
		if x := recover(); x != nil {
			if _, stop := x.(pdfStop); stop {
				panic(x)
			}
			f.enc = nil // a font the library cannot read: its text is dropped
		}
	}()

	subtype := v.Key("Subtype").Name()
	enc := v.Key("Encoding")
	toUnicode := v.Key("ToUnicode")
	f.twoByte = subtype == "Type0"
	if f.twoByte {
		f.avgWidth = cidAverageWidth(v.Key("DescendantFonts").Index(0))
	} else {
		f.first = int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		sum, count := 0.0, 0
		for i := 0; i < w.Len() && i < 256; i++ {
			x := w.Index(i).Float64()
			f.widths = append(f.widths, x)
			if x > 0 {
				sum += x
				count++
			}
		}
		if count > 0 {
			f.avgWidth = sum / float64(count)
		}
	}
	switch {
	case toUnicode.Kind() == pdf.Stream:
		// The map says what each code means, whatever the encoding; it
		// is read here, never by the library (see cmap.go).
		data, ok := streamBytes(toUnicode, maxCMapBytes)
		if !ok {
			return f
		}
		d.charge(len(data))
		m := parseCMap(data)
		f.enc, f.cost = m, 2+len(m.spaces)
	case f.twoByte:
		// Without a map the library would decode glyph numbers as if they
		// were characters: refuse the garbage.
		if enc.Name() != "UniGB-UCS2-H" {
			return f
		}
		font := pdf.Font{V: v}
		f.enc = font.Encoder()
	default:
		if enc.Kind() == pdf.Dict {
			// Decoding a byte goes through the whole Differences array.
			n := enc.Key("Differences").Len()
			if n > maxDifferences {
				return f
			}
			f.cost += n
		}
		font := pdf.Font{V: v}
		f.enc = font.Encoder()
	}
	return f
}

// cidAverageWidth returns the average glyph width of a CID font: its W array
// lists widths as "c [w1 w2 ...]" or "c1 c2 w", and DW is the default.
func cidAverageWidth(cid pdf.Value) float64 {
	dw := 1000.0
	if v := cid.Key("DW"); v.Kind() == pdf.Integer || v.Kind() == pdf.Real {
		dw = v.Float64()
	}
	w := cid.Key("W")
	sum, count := 0.0, 0
	for i := 0; i < w.Len() && count < 4096; i++ {
		x := w.Index(i)
		if x.Kind() != pdf.Array {
			continue
		}
		for j := 0; j < x.Len() && count < 4096; j++ {
			if v := x.Index(j).Float64(); v > 0 {
				sum += v
				count++
			}
		}
	}
	if count == 0 {
		return dw
	}
	return sum / float64(count)
}

// show places the string raw at the text matrix, as text in paragraphs,
// and moves the text matrix past it.
func (t *pageText) show(raw string) {
	if raw == "" {
		return
	}
	f := t.g.font
	trm := mat{t.g.tfs * t.g.th, 0, 0, t.g.tfs, 0, t.g.trise}.mul(t.tm).mul(t.g.ctm)
	x, y := trm[4], trm[5]
	size := math.Hypot(trm[2], trm[3])
	if size < 0.01 || math.IsNaN(size) || math.IsInf(size, 0) {
		size = 0.01
	}

	var text string
	if f != nil && f.enc != nil {
		codes := len(raw)
		if f.twoByte {
			codes = (codes + 1) / 2
		}
		t.doc.charge(codes * f.cost)
		text = f.enc.Decode(raw)
	}
	placed := strings.TrimSpace(text) != ""
	switch {
	case placed:
		// A font may map one code to a long string: the text is bounded
		// here, before the page's paragraphs hold it all.
		if t.doc.text -= len(text); t.doc.text < 0 {
			panic(pdfStop{})
		}
		t.place(x, y, size)
		t.para.WriteString(text)
	case text != "" && t.para.Len() > 0:
		t.para.WriteByte(' ') // a space drawn on its own
	}

	// Advance past the glyphs, as the PDF reader would.
	width := 0.0
	step := 1
	if f != nil && f.twoByte {
		step = 2
	}
	for i := 0; i < len(raw); i += step {
		w := 500.0
		if f != nil {
			w = f.avgWidth
			if c := int(raw[i]) - f.first; step == 1 && c >= 0 && c < len(f.widths) && f.widths[c] > 0 {
				w = f.widths[c]
			}
		}
		width += w/1000*t.g.tfs + t.g.tc
		if step == 1 && raw[i] == ' ' {
			width += t.g.tw
		}
	}
	t.tm = translate(width*t.g.th, 0).mul(t.tm)
	if placed {
		end := mat{t.g.tfs * t.g.th, 0, 0, t.g.tfs, 0, t.g.trise}.mul(t.tm).mul(t.g.ctm)
		t.lastX, t.lastY, t.lastSize = end[4], y, size
	}
}

// place starts a new line, paragraph or word before text shown at x, y in a
// font of the given size, from where the last text ended.
func (t *pageText) place(x, y, size float64) {
	if !t.have {
		t.have = true
		return
	}
	ref := math.Max(size, t.lastSize)
	dy := t.lastY - y // positive going down the page
	switch {
	case math.Abs(dy) > lineShift*ref:
		// A new line: a new paragraph when the gap is much wider than the
		// lines of this paragraph, or when the text moves up the page (a
		// new column, a sidebar).
		gap := paragraphGap * ref
		if t.lineGap > 0 {
			gap = math.Min(gap, t.lineGap*1.4+0.1*ref)
		}
		if dy < 0 || dy > gap {
			t.endParagraph()
			t.lineGap = 0
			return
		}
		if t.lineGap == 0 {
			t.lineGap = math.Max(dy, lineShift*ref)
		}
		t.para.WriteByte(' ')
	case x-t.lastX > wordGap*ref || t.lastX-x > ref:
		t.para.WriteByte(' ')
	}
}
