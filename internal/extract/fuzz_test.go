package extract_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/extract"
	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
)

// fuzzExtract runs Extract and checks what must hold for any input: an
// Invalid error, or blocks of a known type whose texts are non-empty,
// trimmed, valid UTF-8 without control characters, and no longer in total
// than the input (eight times the input for a PDF).
func fuzzExtract(t *testing.T, name string, data []byte) {
	typ, blocks, err := extract.Extract(context.Background(), name, data, "")
	if err != nil {
		if e := xerr.As(err); e == nil || e.Kind != xerr.Invalid || e.Field != "file" {
			t.Fatalf("error = %#v, want an Invalid *xerr.Error on file", err)
		}
		return
	}
	switch typ {
	case knowledge.TypeText, knowledge.TypeMarkdown, knowledge.TypeHTML, knowledge.TypePDF:
	default:
		t.Fatalf("content type = %q, want a supported one", typ)
	}
	if len(blocks) == 0 {
		t.Fatal("no blocks and no error")
	}
	total := 0
	for i, b := range blocks {
		if b.Text == "" || b.Text != strings.TrimSpace(b.Text) {
			t.Fatalf("block %d text = %q, want non-empty and trimmed", i, b.Text)
		}
		for _, s := range []string{b.Text, b.Heading} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, textrule.IsControl) {
				t.Fatalf("block %d = %q, want valid UTF-8 without control characters", i, s)
			}
		}
		total += len(b.Text)
	}
	limit := len(data)
	if typ == knowledge.TypePDF {
		limit *= 8 // a PDF's text is compressed
	}
	if total > limit {
		t.Fatalf("total text = %d bytes, want at most %d", total, limit)
	}
}

func FuzzExtractText(f *testing.F) {
	for _, s := range []string{
		"", "hello", "a\n\nb\r\nc", "\ufeffBOM", "tab\there", "\x1b[31mred\x1b[0m log line here",
		"\xff\xfe\x00h", "caf\xe9", "\x89PNG\r\n\x1a\n", "%PDF-1.4 text", "<p>tag</p>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, "f.txt", data) })
}

func FuzzExtractMarkdown(f *testing.F) {
	for _, s := range []string{
		"# A\n## B\ntext\n# C",
		"---\ntitle: x\n---\nbody",
		"Title\n===\n\npara *em* **b** _u_ ~~s~~ `c` [l](u \"t\") ![i](s) <http://a.b> <b>t</b> &amp;",
		"- a\n- [x] b\n  1. c\n> q\n> > qq",
		"| a | b |\n|---|:-:|\n| 1 | 2\\|3 |",
		"```go\ncode\n```\n~~~\nx",
		"[[[[[[a](b)](c)](d)](e)](f)](g)",
		"``` ` `` ``` ` `` [x](<y z>) \\* \\\n<!-- c\n-->",
		"*_*_*_ _*_*_* a_b_c **x__y**",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, "f.md", data) })
}

func FuzzExtractHTML(f *testing.F) {
	for _, s := range []string{
		"<!doctype html><html><head><title>t</title></head><body><h1>A</h1><p>x &amp; y</p></body></html>",
		"<div hidden><div>a</div></div><p aria-hidden=true>b</p><p style='display:none'>c</p>d",
		"<script>if (a < b) {}</script><style>p{}</style><svg><svg></svg></svg>e",
		"<table><tr><th>a<td>b<tr><td>c</table><ul><li>x<li hidden>y<li>z</ul>",
		"<h1>unclosed<p>para<h2>two</h3>three<br>four",
		"<head><title>x<body>y", "&nGt;&amp;&#0;&#x1F600;&bogus;",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, "f.html", data) })
}

func FuzzExtractPDF(f *testing.F) {
	compressed := samplePDF(f, true)
	uncompressed := samplePDF(f, false)
	for _, seed := range [][]byte{
		compressed,
		uncompressed,
		compressed[:len(compressed)/2],
		uncompressed[:len(uncompressed)-20],
		[]byte("%PDF-1.4 garbage"),
		[]byte("%PDF-1.4\n%%EOF"),
		selfContainedObjStm(),
		toUnicodePDF(sampleCMap, "BT /F1 12 Tf 72 720 Td <0001000200100011001200200030> Tj ET"),
		objStmPDF("/N 1 /First 4", "1 0 <</Type /Catalog /Pages 9 0 R>>"),
		onePagePDF("BT /F1 12 Tf 72 720 Td [(A) -300 (B)] TJ 0 -14 Td (C) ' ET"),
		onePagePDF("BT /F1 12 Tf (\\101\\777 \\q) Tj <41 42> Tj /N#41 ET <4"),
		onePagePDF("q q q 1 0 0 1 5 5 cm BT /F1 12 Tf 2 Tz 3 Tc 4 Tw 5 Ts 6 TL 1 2 3 4 5 6 Tm (x) Tj ET Q"),
		rawPDF(func(x int) string { return fmt.Sprintf("/Prev %d ", x) }, "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] >>"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, "f.pdf", data) })
}

// FuzzClean: the fast path of clean gives what the rune-by-rune one does.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb", "caf\u00e9", "a\u00a0b", "a~b\x7f", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := extract.Clean(s), extract.CleanRunes(s); got != want {
			t.Fatalf("clean(%q) = %q, want %q", s, got, want)
		}
	})
}
