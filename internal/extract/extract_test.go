package extract_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/xentree/xentree/internal/extract"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
)

// block is knowledge.Block under a local name, so the tables can list
// {heading, text} pairs without field names.
type block struct{ Heading, Text string }

// check runs Extract and compares the content type and blocks exactly.
func check(t *testing.T, name string, data []byte, declared, wantType string, want []block) {
	t.Helper()
	gotType, blocks, err := extract.Extract(context.Background(), name, data, declared)
	if err != nil {
		t.Fatalf("Extract(%q) error = %v, want none", name, err)
	}
	if gotType != wantType {
		t.Errorf("content type = %q, want %q", gotType, wantType)
	}
	got := make([]block, len(blocks))
	for i, b := range blocks {
		got[i] = block(b)
	}
	if !equalBlocks(got, want) {
		t.Errorf("blocks =\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func equalBlocks(a, b []block) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func dump(bs []block) string {
	var s strings.Builder
	for _, b := range bs {
		fmt.Fprintf(&s, "\t{%q, %q}\n", b.Heading, b.Text)
	}
	return s.String()
}

func TestExtractText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []block
	}{
		{"paragraphs", "First line\nsecond line.\n\nNext paragraph.", []block{
			{"", "First line second line."}, {"", "Next paragraph."},
		}},
		{"crlf and blank lines of spaces", "one\r\ntwo\r\n \t \r\n\r\nthree\rfour", []block{
			{"", "one two"}, {"", "three four"},
		}},
		{"whitespace collapsed", "  a\t\tb   c  \n\n\n\n  d  ", []block{{"", "a b c"}, {"", "d"}}},
		{"BOM dropped", "\ufeffHello", []block{{"", "Hello"}}},
		{"controls become spaces", "bell\arings\x1b[0m here", []block{{"", "bell rings [0m here"}}},
		{"unicode kept", "Ça marche — 日本語 ✓", []block{{"", "Ça marche — 日本語 ✓"}}},
		{"markup left as written", "# not a heading\n\n<b>kept</b> *as is*", []block{
			{"", "# not a heading"}, {"", "<b>kept</b> *as is*"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "notes.txt", []byte(tc.in), "", knowledge.TypeText, tc.want)
		})
	}
}

func TestExtractMarkdown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []block
	}{
		{"heading path", "Intro.\n\n# Setup\n\nInstall it.\n\n## Linux\n\nUse apt.\n\n### Debian\n\nOld apt.\n\n## macOS\n\nUse brew.\n\n# FAQ #\n\nAsk.",
			[]block{
				{"", "Intro."},
				{"Setup", "Install it."},
				{"Setup > Linux", "Use apt."},
				{"Setup > Linux > Debian", "Old apt."},
				{"Setup > macOS", "Use brew."},
				{"FAQ", "Ask."},
			}},
		{"skipped level", "# A\n### C\n\ntext", []block{{"A > C", "text"}}},
		{"setext headings", "Title\n=====\n\nBody.\n\nPart\n----\n\nMore.", []block{
			{"Title", "Body."}, {"Title > Part", "More."},
		}},
		{"long paragraph then rule is not a heading", "line one\nline two\n---\n\nafter", []block{
			{"", "line one line two"}, {"", "after"},
		}},
		{"front matter dropped", "---\ntitle: Secret\ntags: [a]\n---\n# Doc\n\nText.", []block{{"Doc", "Text."}}},
		{"rule at start without closing is not front matter", "---\n\nText.", []block{{"", "Text."}}},
		{"inline markup stripped",
			"Some **bold**, *em*, _under_, ~~gone~~ and `code *x*` here.\n" +
				"A [link](https://example.com \"t\") and ![alt text](img.png) and <https://auto.example/x>.\n" +
				"Ref [docs][1], a <span class=\"x\">tag</span>, AT&amp;T, \\*escaped\\*.\n\n[1]: https://example.com",
			[]block{{"", "Some bold, em, under, gone and code *x* here. A link and alt text and https://auto.example/x. Ref docs, a tag, AT&T, *escaped*."}}},
		{"markers that do not pair stay", "2 * 3 * 4, snake_case_name and a lone * star", []block{
			{"", "2 * 3 * 4, snake_case_name and a lone * star"},
		}},
		{"nested image in link", "[![Build](badge.svg)](https://ci.example)", []block{{"", "Build"}}},
		{"lists: one block per item", "- one\n- two\n  continued\n* three\n\n1. first\n2) second\n\n- [x] done\n- [ ] todo\n  - nested", []block{
			{"", "one"}, {"", "two continued"}, {"", "three"}, {"", "first"}, {"", "second"},
			{"", "done"}, {"", "todo"}, {"", "nested"},
		}},
		{"blockquote", "> Quoted\n> text.\n>\n> Second.\n\nAfter.", []block{
			{"", "Quoted text."}, {"", "Second."}, {"", "After."},
		}},
		{"table rows", "| Name | Age |\n|:-----|----:|\n| **Ada** | 36 |\n| Bob | 4\\|2 |\n\nAfter.", []block{
			{"", "Name | Age"}, {"", "Ada | 36"}, {"", "Bob | 4|2"}, {"", "After."},
		}},
		{"fenced code is one block, kept literally", "# Code\n\n```go\nfunc main() {\n\tx := *p // **not bold**\n}\n```\n\n~~~\n# not a heading\n~~~", []block{
			{"Code", "func main() { x := *p // **not bold** }"}, {"Code", "# not a heading"},
		}},
		{"unclosed fence runs to the end", "```\ncode\n\nmore", []block{{"", "code more"}}},
		{"html comments and tags", "<!-- note\nspanning -->\n<p align=\"center\">Centered<br>text</p>\n\nH<sub>2</sub>O", []block{
			{"", "Centered text"}, {"", "H2O"},
		}},
		{"comment quoted in text hides nothing", "Write `<!--` to start a comment.\n\nNext <!-- inline --> part.", []block{
			{"", "Write <!-- to start a comment."}, {"", "Next part."},
		}},
		{"headings only", "# One\n## Two\n# Three", []block{{"One > Two", "Two"}, {"Three", "Three"}}},
		{"heading markup stripped", "# The `go` **tool**\n\nx", []block{{"The go tool", "x"}}},
		{"hash without space is text", "#hashtag\n\n####### seven", []block{{"", "#hashtag"}, {"", "####### seven"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "README.md", []byte(tc.in), "", knowledge.TypeMarkdown, tc.want)
		})
	}
}

func TestExtractHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []block
	}{
		{"page", `<!DOCTYPE html><html><head><title>Page title</title><meta charset="utf-8">
<style>p { color: red }</style><script>var x = "<p>no</p>";</script></head>
<body><h1>Guide</h1><p>Hello <b>wor</b>ld &amp; caf&eacute; &lt;tag&gt;&nbsp;!</p>
<noscript>Enable JS</noscript><template><p>tpl</p></template><svg><text>chart</text></svg>
<div hidden>secret</div><p aria-hidden="true">decor</p><p style="display: none">none</p>
<h2>Install</h2><ul><li>one<li>two <i>it</i></ul>
<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ada</td><td>36</td></tr></table>
<h3>Deep</h3><p>line<br>break</p><iframe src="x">frame</iframe>
<h2>Next</h2>tail text</body></html>`,
			[]block{
				{"Guide", "Hello world & café <tag> !"},
				{"Guide > Install", "one"},
				{"Guide > Install", "two it"},
				{"Guide > Install", "Name | Age"},
				{"Guide > Install", "Ada | 36"},
				{"Guide > Install > Deep", "line"},
				{"Guide > Install > Deep", "break"},
				{"Guide > Next", "tail text"},
			}},
		{"nested hidden and void hidden", `<div hidden><div>a</div><p>b</p></div><p>shown<img hidden>!</p><input hidden>end`,
			[]block{{"", "shown!"}, {"", "end"}}},
		{"head without end tag", `<html><head><title>T</title><body><p>Body text</p>`, []block{{"", "Body text"}}},
		{"hidden list item closed by the next", `<ul><li hidden>gone<li>kept</ul>`, []block{{"", "kept"}}},
		{"unclosed heading ends at a paragraph", `<h1>Title<p>para`, []block{{"Title", "para"}}},
		{"inline markup in a heading", `<h1>Hel<b>lo</b><br>big <a href="#">world</a></h1><p>x</p>`, []block{{"Hello big world", "x"}}},
		{"headings only", `<h1>A</h1><h2>B</h2><h1>C</h1>`, []block{{"A > B", "B"}, {"C", "C"}}},
		{"pre whitespace collapsed", "<pre>  a\n\tb  </pre>", []block{{"", "a b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "page.html", []byte(tc.in), "", knowledge.TypeHTML, tc.want)
		})
	}
}

// samplePDF writes a two-page PDF with a title, two paragraphs and a line of
// two cells on the first page and a paragraph with accents on the second.
func samplePDF(t testing.TB, compress bool) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(compress)
	tr := f.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' cp1252
	f.AddPage()
	f.SetFont("Helvetica", "B", 16)
	f.Cell(0, 10, "Quarterly Report")
	f.Ln(14)
	f.SetFont("Helvetica", "", 12)
	f.MultiCell(0, 6, "Revenue grew by twelve percent in the third quarter, driven by strong demand for the new product line across all regions and sales channels.", "", "L", false)
	f.Ln(6)
	f.MultiCell(0, 6, "Costs stayed flat.", "", "L", false)
	f.Ln(6)
	f.Cell(40, 6, "Left cell")
	f.Cell(40, 6, "Right cell")
	f.AddPage()
	f.SetFont("Times", "", 12)
	f.MultiCell(0, 6, tr("Second page: café, déjà vu."), "", "L", false)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatalf("fpdf Output: %v", err)
	}
	return buf.Bytes()
}

func TestExtractPDF(t *testing.T) {
	want := []block{
		{"Page 1", "Quarterly Report"},
		{"Page 1", "Revenue grew by twelve percent in the third quarter, driven by strong demand for the new product line across all regions and sales channels."},
		{"Page 1", "Costs stayed flat."},
		{"Page 1", "Left cell Right cell"},
		{"Page 2", "Second page: café, déjà vu."},
	}
	compressed := samplePDF(t, true)
	version2 := bytes.Replace(compressed, []byte("%PDF-1.3"), []byte("%PDF-2.0"), 1)
	if bytes.Equal(version2, compressed) {
		t.Fatalf("sample PDF does not start with %%PDF-1.3: %q", compressed[:8])
	}
	tests := []struct {
		name, file, declared string
		data                 []byte
	}{
		{"compressed", "report.pdf", "application/pdf", compressed},
		{"uncompressed", "report.pdf", "", samplePDF(t, false)},
		{"sniffed whatever the name", "report.txt", "text/plain", compressed},
		{"PDF 2.0 header", "report.pdf", "", version2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.file, tc.data, tc.declared, knowledge.TypePDF, want)
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name, file, declared, data, want string
	}{
		{"txt", "notes.txt", "", "hello", knowledge.TypeText},
		{"no extension", "notes", "", "hello", knowledge.TypeText},
		{"csv is text", "data.csv", "text/csv", "a,b\n1,2", knowledge.TypeText},
		{"md", "README.md", "", "# T\n\nx", knowledge.TypeMarkdown},
		{"markdown upper case", "NOTES.MARKDOWN", "", "x", knowledge.TypeMarkdown},
		{"mdown", "a.mdown", "", "x", knowledge.TypeMarkdown},
		{"md starting with a tag", "README.md", "", "<p align=\"center\">logo</p>\n\n# T", knowledge.TypeMarkdown},
		{"declared markdown", "upload", "text/markdown; charset=utf-8", "# T", knowledge.TypeMarkdown},
		{"html", "page.htm", "", "plain words", knowledge.TypeHTML},
		{"declared html", "upload", "Text/HTML", "<p>x", knowledge.TypeHTML},
		{"doctype", "upload.txt", "", "\n  <!DOCTYPE html><p>x", knowledge.TypeHTML},
		{"html tag", "upload", "", "<html><body>x", knowledge.TypeHTML},
		{"sniffed tag", "upload", "", "<p>x</p>", knowledge.TypeHTML},
		{"txt starting with a tag stays text", "note.txt", "", "<b>bold</b> words", knowledge.TypeText},
		{"declared text starting with a tag stays text", "", "text/plain; charset=utf-8", "<b>bold</b> words", knowledge.TypeText},
		{"declared text that is a page is HTML", "", "text/plain", "<!DOCTYPE html><p>x", knowledge.TypeHTML},
		{"windows path", `C:\fakepath\notes.md`, "", "x", knowledge.TypeMarkdown},
		{"utf-8 BOM", "a.txt", "", "\xef\xbb\xbfhi", knowledge.TypeText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := extract.Extract(context.Background(), tc.file, []byte(tc.data), tc.declared)
			if err != nil {
				t.Fatalf("Extract error = %v, want none", err)
			}
			if got != tc.want {
				t.Errorf("content type = %q, want %q", got, tc.want)
			}
		})
	}
}

// rawPDF assembles a PDF from object bodies (object i+1 is objs[i], object
// 1 the catalog) with a correct cross-reference table. trailer adds entries
// to the trailer; it is given the table's offset.
func rawPDF(trailer func(xref int) string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	extra := ""
	if trailer != nil {
		extra = trailer(x)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extra, x)
	return b.Bytes()
}

// onePagePDF is a page showing content, with font F1.
func onePagePDF(content string) []byte {
	return rawPDF(nil,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
}

// selfContainedObjStm is a PDF whose cross-reference stream puts object 1 in
// object stream 1: the library recurses until the stack overflows, which no
// recover can catch.
func selfContainedObjStm() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	off := b.Len()
	rows := []byte{0, 0, 0, 0, 2, 0, 1, 0, 1, byte(off >> 8), byte(off), 0}
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n", len(rows))
	b.Write(rows)
	b.WriteString("\nendstream\nendobj\n")
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", off)
	return b.Bytes()
}

// objStmPDF is a PDF 1.5 whose catalog, object 1, is compressed in the
// object stream 2 (whose dictionary and data are given), listed by a
// cross-reference stream.
func objStmPDF(dict, data string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%" + strings.Repeat("-", 100) + "\n") // the library wants 100 bytes at least
	stm := b.Len()
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /ObjStm %s /Length %d >>\nstream\n%s\nendstream\nendobj\n", dict, len(data), data)
	xref := b.Len()
	rows := []byte{
		0, 0, 0, 0,
		2, 0, 2, 0, // object 1: in object stream 2, at index 0
		1, byte(stm >> 8), byte(stm), 0,
		1, byte(xref >> 8), byte(xref), 0,
	}
	fmt.Fprintf(&b, "3 0 obj\n<< /Type /XRef /Size 4 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n", len(rows))
	b.Write(rows)
	b.WriteString("\nendstream\nendobj\n")
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// predictorPDF is a page whose content stream asks for a PNG predictor of
// a trillion columns: the library would allocate a terabyte, which is fatal.
func predictorPDF() []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write([]byte("BT /F1 12 Tf 72 720 Td (Hi) Tj ET"))
	_ = w.Close()
	return rawPDF(nil,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1000000000000 >> >>\nstream\n%s\nendstream", z.Len(), z.String()))
}

func protectedPDF(t *testing.T, userPassword string) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetProtection(fpdf.CnProtectPrint, userPassword, "owner")
	f.AddPage()
	f.SetFont("Helvetica", "", 12)
	f.Cell(0, 10, "Confidential")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatalf("fpdf Output: %v", err)
	}
	return buf.Bytes()
}

func TestExtractErrors(t *testing.T) {
	pdf := samplePDF(t, true)
	noText := func() []byte {
		f := fpdf.New("P", "mm", "A4", "")
		f.AddPage()
		f.Rect(10, 10, 50, 50, "F")
		var buf bytes.Buffer
		if err := f.Output(&buf); err != nil {
			t.Fatalf("fpdf Output: %v", err)
		}
		return buf.Bytes()
	}()
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	const (
		unsupported = extract.CodeUnsupported
		unreadable  = extract.CodeUnreadable
		empty       = extract.CodeEmpty
	)
	tests := []struct {
		name, file, declared string
		data                 []byte
		want                 string
	}{
		{"malformed PDF", "a.pdf", "", []byte("%PDF-1.4 garbage"), unreadable},
		{"truncated PDF", "a.pdf", "", pdf[:len(pdf)/2], unreadable},
		{"PDF without its end", "a.pdf", "", pdf[:len(pdf)-7], unreadable},
		{"text named .pdf", "a.pdf", "", []byte("just some text"), unreadable},
		{"text declared as PDF", "a.txt", "application/pdf", []byte("just some text"), unreadable},
		{"encrypted PDF with a password", "a.pdf", "", protectedPDF(t, "secret"), unreadable},
		{"encrypted PDF without a password", "a.pdf", "", protectedPDF(t, ""), unreadable},
		{"PDF without text", "scan.pdf", "", noText, empty},
		{"PDF of blank pages", "blank.pdf", "", rawPDF(nil, "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R >>"), empty},
		{"PDF without pages", "none.pdf", "", rawPDF(nil, "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"), unreadable},
		{"object stream inside itself", "a.pdf", "", selfContainedObjStm(), unreadable},
		{"xref Prev cycle", "a.pdf", "", rawPDF(func(x int) string { return fmt.Sprintf("/Prev %d ", x) },
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"), unreadable},
		{"xref subsection of billions", "a.pdf", "", bytes.Replace(onePagePDF("BT ET"), []byte("xref\n0 6"), []byte("xref\n3000000000 6"), 1), unreadable},
		{"content ending in a hex string", "a.pdf", "", onePagePDF("BT /F1 12 Tf 10 10 Td (Hi) Tj ET <4142"), unreadable},
		{"content predictor of a trillion columns", "a.pdf", "", predictorPDF(), unreadable},
		{"object stream extending itself", "a.pdf", "", objStmPDF("/N 1 /First 4 /Extends 2 0 R", "9 0 << >>"), unreadable},
		{"object stream ending in a hex string", "a.pdf", "", objStmPDF("/N 1 /First 4", "1 0 <</Type /Catalog /X <4142"), unreadable},
		{"PNG renamed .txt", "photo.txt", "text/plain", png, unsupported},
		{"PNG renamed .pdf", "photo.pdf", "", png, unreadable},
		{"GIF renamed .html", "a.html", "", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), unsupported},
		{"ZIP renamed .md", "a.md", "", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00abc.txt"), unsupported},
		{"random binary renamed .txt", "a.txt", "", random, unsupported},
		{"UTF-16 text", "a.txt", "", []byte("\xff\xfeh\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00"), unsupported},
		{"Latin-1 text", "a.txt", "", []byte("caf\xe9 cr\xe8me"), unsupported},
		{"NUL byte", "a.txt", "", []byte("text\x00more"), unsupported},
		{"mostly control characters", "a.txt", "", []byte("\x01\x02\x03\x04abc\x05\x06\x07\x08"), unsupported},
		{"empty file", "a.txt", "", nil, empty},
		{"empty PDF name", "a.pdf", "application/pdf", []byte{}, empty},
		{"whitespace only", "a.md", "", []byte(" \n\t\r\n\u00a0\u2003\n"), empty},
		{"BOM only", "a.txt", "", []byte("\xef\xbb\xbf  "), empty},
		{"markup without text", "a.md", "", []byte("---\ntitle: x\n---\n\n***\n\n<!-- nothing -->\n"), empty},
		{"html without visible text", "a.html", "", []byte("<html><head><title>T</title></head><body><script>x()</script><div hidden>h</div></body></html>"), empty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, blocks, err := extract.Extract(context.Background(), tc.file, tc.data, tc.declared)
			if err == nil {
				t.Fatalf("Extract = %q with %d blocks, want error %s", typ, len(blocks), tc.want)
			}
			e := xerr.As(err)
			if e == nil {
				t.Fatalf("error = %v (%T), want *xerr.Error", err, err)
			}
			if got := e.PublicCode(); got != tc.want {
				t.Errorf("code = %q, want %q", got, tc.want)
			}
			if e.Kind != xerr.Invalid {
				t.Errorf("kind = %v, want %v", e.Kind, xerr.Invalid)
			}
			if e.Field != "file" {
				t.Errorf("field = %q, want %q", e.Field, "file")
			}
			if typ != "" || blocks != nil {
				t.Errorf("Extract = %q, %v with the error, want \"\", nil", typ, blocks)
			}
		})
	}
}

// TestCheckPDF checks the guard that keeps the PDF library from files that
// would crash or hang it, against well-formed controls of the same shape.
func TestCheckPDF(t *testing.T) {
	deflate := func(b []byte) string {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		_, _ = w.Write(b)
		_ = w.Close()
		return z.String()
	}
	catalog := deflate([]byte("1 0 <</Type /Catalog>>"))
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"generated", samplePDF(t, true), true},
		{"object stream", objStmPDF("/N 1 /First 4", "1 0 <</Type /Catalog>>"), true},
		{"object stream with an empty filter array", objStmPDF("/Filter [] /N 1 /First 4", "1 0 <</Type /Catalog>>"), true},
		{"object stream extending itself", objStmPDF("/N 1 /First 4 /Extends 2 0 R", "9 0 << >>"), false},
		{"object stream ending in a hex string", objStmPDF("/N 1 /First 4", "1 0 <</Type /Catalog /X <4142"), false},
		{"compressed object stream", objStmPDF("/Filter /FlateDecode /N 1 /First 4", catalog), true},
		{"object stream of 9 MiB", objStmPDF("/Filter /FlateDecode /N 1 /First 4", deflate(append([]byte("1 0 <</Type /Catalog>>"), bytes.Repeat([]byte{' '}, 9<<20)...))), false},
		{"predictor of a trillion columns", objStmPDF("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1000000000000 >> /N 1 /First 4", catalog), false},
		{"object stream without length extending itself", bytes.Replace(objStmPDF("/N 2 /First 8 /Extends 2 0 R", "1 0 9 5 <</Type /Catalog>> (x)"), []byte("/Length"), []byte("/Lxngth"), 1), false},
		{"object stream counting billions", objStmPDF("/N 9000000000 /First 4", "1 0 <</Type /Catalog>>"), false},
		{"object stream inside itself", selfContainedObjStm(), false},
		{"xref Prev cycle", rawPDF(func(x int) string { return fmt.Sprintf("/Prev %d ", x) }, "<< /Type /Catalog >>"), false},
		{"xref Prev elsewhere", rawPDF(func(x int) string { return "/Prev 9 " }, "<< /Type /Catalog >>"), false},
		{"startxref not on its own line", bytes.Replace(samplePDF(t, true), []byte("\nstartxref"), []byte(" startxref"), 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := extract.CheckPDF(tc.data); got != tc.want {
				t.Errorf("CheckPDF = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPDFPageTreeCycle checks that a page tree whose node lists itself among
// its kids (the library's own walker loops forever on it) is read in bounded
// time.
func TestPDFPageTreeCycle(t *testing.T) {
	content := "BT /F1 12 Tf 72 720 Td (Looping) Tj ET"
	data := rawPDF(nil,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, blocks, err := extract.Extract(context.Background(), "loop.pdf", data, "")
		if err != nil {
			t.Errorf("Extract error = %v, want none", err)
			return
		}
		if len(blocks) == 0 || blocks[0].Text != "Looping" {
			t.Errorf("blocks = %v, want the page's text first", blocks)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang, not a timing assertion
		t.Fatal("Extract did not return")
	}
}

// TestPDFBounds checks the bounds on the work one PDF may cause.
func TestPDFBounds(t *testing.T) {
	const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
	const text = "BT /F1 12 Tf 72 720 Td (text) Tj ET"
	stream := func(filter, data string) string {
		return fmt.Sprintf("<< /Length %d %s >>\nstream\n%s\nendstream", len(data), filter, data)
	}

	t.Run("decompression bomb page skipped", func(t *testing.T) {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		_, _ = w.Write(bytes.Repeat([]byte("1 "), 4<<20)) // 8 MiB of operands
		_ = w.Close()
		data := rawPDF(nil,
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
			stream("/Filter /FlateDecode", z.String()),
			font,
			"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>",
			stream("", text))
		check(t, "bomb.pdf", data, "", knowledge.TypePDF, []block{{"Page 2", "text"}})
	})

	t.Run("at most 2000 pages", func(t *testing.T) {
		kids := strings.Repeat("3 0 R ", 2001)
		data := rawPDF(nil,
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids ["+kids+"] /Count 2001 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
			stream("", text),
			font)
		_, blocks, err := extract.Extract(context.Background(), "long.pdf", data, "")
		if err != nil {
			t.Fatalf("Extract error = %v", err)
		}
		if n := len(blocks); n != 2000 || blocks[n-1].Heading != "Page 2000" {
			t.Errorf("got %d blocks, want 2000 ending with Page 2000", n)
		}
	})
}

// toUnicodePDF is a page showing content in F1, a composite font whose
// two-byte codes are mapped to text by the ToUnicode map cmap.
func toUnicodePDF(cmap, content string) []byte {
	return rawPDF(nil,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 /W [1 [600 500] 16 18 550] >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cmap), cmap))
}

const sampleCMap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Test def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
3 beginbfchar
<0001> <0048>
<0002> <00690021>
<0003> <D83DDE00>
endbfchar
2 beginbfrange
<0010> <0012> <0061>
<0020> <0021> [<00660069> <0020>]
endbfrange
1000000000000 beginbfchar
<0030> <00E9>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end`

func TestPDFToUnicode(t *testing.T) {
	tests := []struct {
		name, content string
		want          []block
	}{
		{"chars, ranges, arrays, surrogates", "BT /F1 12 Tf 72 720 Td <0001000200100011001200200030> Tj <0021> Tj <0003> Tj ET",
			[]block{{"Page 1", "Hi!abcfié 😀"}}},
		{"unknown codes dropped", "BT /F1 12 Tf 72 720 Td <0099000100990002> Tj ET", []block{{"Page 1", "Hi!"}}},
		{"odd byte at the end", "BT /F1 12 Tf 72 720 Td <000100> Tj ET", []block{{"Page 1", "H"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "cmap.pdf", toUnicodePDF(sampleCMap, tc.content), "", knowledge.TypePDF, tc.want)
		})
	}
}

// TestPDFLayout checks how positioned text becomes words, lines and
// paragraphs.
func TestPDFLayout(t *testing.T) {
	tests := []struct {
		name, content string
		want          []block
	}{
		{"kerning gap is a word space", "BT /F1 10 Tf 72 720 Td [(Hello) -300 (world) 20 (s)] TJ ET",
			[]block{{"Page 1", "Hello worlds"}}},
		{"lines of a paragraph joined, gap splits", "BT /F1 10 Tf 12 TL 72 720 Td (one) Tj T* (two) Tj 0 -40 Td (three) Tj ET",
			[]block{{"Page 1", "one two"}, {"Page 1", "three"}}},
		{"separate text objects on a line", "BT /F1 10 Tf 72 720 Td (left) Tj ET BT /F1 10 Tf 200 720 Td (right) Tj ET",
			[]block{{"Page 1", "left right"}}},
		{"text in a form XObject", "q /Fm1 Do Q", nil},
		{"blank page", "", []block{{"Page 2", "after a blank page"}}},
		{"unknown font is dropped, not garbled", "BT /F9 10 Tf 72 720 Td (x) Tj /F1 10 Tf 0 -12 Td (kept) Tj ET",
			[]block{{"Page 1", "kept"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			switch {
			case tc.content == "":
				content := "BT /F1 10 Tf 72 720 Td (after a blank page) Tj ET"
				data = rawPDF(nil,
					"<< /Type /Catalog /Pages 2 0 R >>",
					"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
					"<< /Type /Page /Parent 2 0 R >>",
					"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 6 0 R >> >> /Contents 5 0 R >>",
					fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
					"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
			case tc.want == nil:
				form := "BT /F1 10 Tf 72 720 Td (in a form) Tj ET"
				data = rawPDF(nil,
					"<< /Type /Catalog /Pages 2 0 R >>",
					"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
					"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> /Contents 4 0 R >>",
					fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(tc.content), tc.content),
					"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
					fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] /Length %d >>\nstream\n%s\nendstream", len(form), form))
				tc.want = []block{{"Page 1", "in a form"}}
			default:
				data = onePagePDF(tc.content)
			}
			check(t, "layout.pdf", data, "", knowledge.TypePDF, tc.want)
		})
	}
}

// TestOutputBounded checks that text never grows past the input, even from
// entities whose text is longer than their name.
func TestOutputBounded(t *testing.T) {
	for _, file := range []string{"a.html", "a.md"} {
		in := []byte(strings.Repeat("&nGt;&nLt;", 10_000))
		_, blocks, err := extract.Extract(context.Background(), file, in, "")
		if err != nil {
			t.Fatalf("Extract(%s) error = %v", file, err)
		}
		total := 0
		for _, b := range blocks {
			total += len(b.Text)
		}
		if total > len(in) {
			t.Errorf("%s: total text = %d bytes, want at most the input's %d", file, total, len(in))
		}
	}
}

// An upload whose request has ended is not extracted to the end: the PDF
// parser stops at its next check and Extract reports the caller gone.
func TestExtractStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, data := range map[string][]byte{"a.pdf": samplePDF(t, true), "a.md": []byte("# Title\n\nSome text.\n")} {
		_, blocks, err := extract.Extract(ctx, name, data, "")
		if !xerr.Is(err, xerr.Unavailable) || blocks != nil {
			t.Errorf("%s with an ended context: %d blocks, %v; want Unavailable", name, len(blocks), err)
		}
	}
	// A context that ends while the PDF is parsed (it answers its first
	// question, during the parse, as live): the parser asks again before
	// the end, and stops.
	ended := &endsAfter{Context: context.Background(), live: 1}
	if _, _, err := extract.Extract(ended, "a.pdf", samplePDF(t, true), ""); !xerr.Is(err, xerr.Unavailable) || ended.asked < 2 {
		t.Errorf("a context ending mid-parse: %v after %d checks; want Unavailable", err, ended.asked)
	}
}

// endsAfter is a context that reports itself cancelled once it has been
// asked more than live times.
type endsAfter struct {
	context.Context
	live, asked int
}

func (c *endsAfter) Err() error {
	if c.asked++; c.asked > c.live {
		return context.Canceled
	}
	return nil
}
