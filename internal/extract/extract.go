// Package extract turns an uploaded document (text, Markdown, HTML or PDF)
// into text blocks for the knowledge base: paragraphs, list items, table rows
// and code blocks, each under the path of headings it sits in.
//
// It decides the document's type from its bytes first and its name and
// declared content type second, because clients often send a generic or
// wrong type, and refuses anything that is not one of the four supported
// kinds rather than index binary noise. Every error is an *xerr.Error of kind
// Invalid on the field "file", with a stable code:
//
//   - unsupported_document_type: not text, Markdown, HTML or PDF (an image, an
//     archive, a binary file renamed .txt, text that is not UTF-8).
//   - document_unreadable: a PDF that cannot be read: malformed, truncated,
//     encrypted, or a file named .pdf (or declared application/pdf) that is
//     not a PDF at all.
//   - empty_document: no text at all, such as an empty file, whitespace only
//     or a PDF without a text layer (a scan).
//
// The text of every block is trimmed, valid UTF-8, free of control
// characters (tabs and newlines included: whitespace runs become one space),
// and the total text never exceeds the size of the input (eight times its
// size for a PDF, whose text is compressed), so no input can blow up.
package extract

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
)

// Error codes of Extract. They are public: clients may switch on them.
const (
	CodeUnsupported = "unsupported_document_type"
	CodeUnreadable  = "document_unreadable"
	CodeEmpty       = "empty_document"
)

// field is the multipart field the document arrives in, named in every error
// so a client can point at it.
const field = "file"

func errUnsupported() error {
	return &xerr.Error{Kind: xerr.Invalid, Code: CodeUnsupported, Field: field,
		Message: "only text, Markdown, HTML and PDF documents are supported"}
}

func errUnreadable() error {
	return &xerr.Error{Kind: xerr.Invalid, Code: CodeUnreadable, Field: field,
		Message: "the PDF could not be read: it may be damaged, truncated or password-protected"}
}

func errEmpty() error {
	return &xerr.Error{Kind: xerr.Invalid, Code: CodeEmpty, Field: field,
		Message: "the document contains no text"}
}

// Extract sniffs the type of data from its bytes and its file name (and the
// client's declared content type, which may be "" and is only a hint), and
// returns the content type (one of knowledge.TypeText, TypeMarkdown, TypeHTML,
// TypePDF) and the document's text as blocks.
//
// The type is decided in this order: bytes starting with "%PDF-" are a PDF
// whatever the name; a name ending .pdf, or a declared application/pdf, on
// anything else is document_unreadable; images, audio, video, archives and
// fonts are refused; everything else must be UTF-8 text (a leading BOM is
// dropped) and is Markdown when named .md, .markdown or .mdown or declared
// text/markdown, HTML when named .html or .htm, declared text/html or when it
// starts like an HTML page (<!doctype html or <html; for a file not named
// .txt nor declared text/plain, also what net/http.DetectContentType calls
// HTML), and plain text otherwise.
//
// Blocks by type:
//   - Plain text: one block per paragraph (paragraphs are separated by blank
//     lines); Heading is always "".
//   - Markdown: one block per paragraph, list item, blockquote paragraph,
//     table row (cells joined with " | ") and fenced code block, with inline
//     markup and YAML front matter removed. ATX and one-line setext headings
//     set the heading path.
//   - HTML: the visible text of each block element (script, style, head,
//     template, svg, iframe, noscript and hidden elements are dropped); h1–h6
//     set the heading path and table cells are joined with " | ".
//   - PDF: one block per paragraph of each page (lines closer together than
//     about 1.6 times the font size are one paragraph), with Heading
//     "Page N" (1-based) so a chunk never spans two pages and an answer can
//     cite the page. Only the first 2,000 pages are read; encrypted PDFs are
//     refused even when they open without a password. Work is bounded
//     (decompressed content, font maps, nesting, and at worst 20 seconds):
//     past a bound, the text read so far is returned.
//
// A heading with nothing under it (a Markdown or HTML document of headings
// only, say) becomes a block of its own whose text is the heading.
//
// A ctx that ends stops a PDF's parsing at its next page or few hundred
// operators (the slow format; the others take well under a second for the
// largest upload) and Extract returns Unavailable: the caller has gone.
func Extract(ctx context.Context, name string, data []byte, declared string) (contentType string, blocks []knowledge.Block, err error) {
	contentType, body, err := sniff(name, data, declared)
	if err != nil {
		return "", nil, err
	}
	switch contentType {
	case knowledge.TypePDF:
		blocks, err = extractPDF(ctx, body)
	case knowledge.TypeHTML:
		blocks = extractHTML(body)
	case knowledge.TypeMarkdown:
		blocks = extractMarkdown(body)
	default:
		blocks = extractText(body)
	}
	if ctx.Err() != nil { // whatever the parser made of its cut-short work
		err = xerr.Wrap(xerr.Unavailable, ctx.Err(), "upload cancelled while its text was extracted")
	}
	if err != nil {
		return "", nil, err
	}
	if len(blocks) == 0 {
		return "", nil, errEmpty()
	}
	return contentType, blocks, nil
}

const utf8BOM = "\xef\xbb\xbf"

// sniff decides the content type and returns the bytes to parse (without a
// UTF-8 BOM).
func sniff(name string, data []byte, declared string) (string, []byte, error) {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return knowledge.TypePDF, data, nil
	}
	body := bytes.TrimPrefix(data, []byte(utf8BOM))
	if len(bytes.TrimSpace(body)) == 0 {
		return "", nil, errEmpty()
	}
	ext := extension(name)
	declared = mediaType(declared)
	if ext == ".pdf" || declared == knowledge.TypePDF {
		// The client says PDF but the bytes disagree: to the user this is a
		// PDF that cannot be opened, not an unsupported kind of document.
		return "", nil, errUnreadable()
	}
	if refusedFamily(http.DetectContentType(data)) {
		return "", nil, errUnsupported()
	}
	if !isText(body) {
		return "", nil, errUnsupported()
	}
	switch {
	case ext == ".md" || ext == ".markdown" || ext == ".mdown":
		return knowledge.TypeMarkdown, body, nil
	case ext == ".html" || ext == ".htm":
		return knowledge.TypeHTML, body, nil
	case declared == knowledge.TypeMarkdown || declared == "text/x-markdown":
		return knowledge.TypeMarkdown, body, nil
	case declared == knowledge.TypeHTML || declared == "application/xhtml+xml":
		return knowledge.TypeHTML, body, nil
	case startsLikeHTML(body):
		return knowledge.TypeHTML, body, nil
	case ext == ".txt" || ext == ".text" || (ext == "" && declared == knowledge.TypeText):
		// A text name (or, without a name, a declared text/plain) keeps text
		// that merely starts with a tag ("<b>note</b> ...") as written.
		return knowledge.TypeText, body, nil
	case strings.HasPrefix(http.DetectContentType(body), "text/html"):
		return knowledge.TypeHTML, body, nil
	}
	return knowledge.TypeText, body, nil
}

// extension returns the lower-case extension of the base of name, dot
// included. Both slashes separate folders: some clients send Windows paths.
func extension(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i:])
}

// mediaType returns the lower-case type/subtype of a Content-Type value,
// without parameters.
func mediaType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// refusedFamily reports the types DetectContentType finds that are never a
// document: a renamed image or archive is refused whatever its name.
func refusedFamily(t string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	switch mediaType(t) {
	case "application/zip", "application/x-gzip", "application/x-rar-compressed",
		"application/ogg", "application/wasm", "application/vnd.ms-fontobject":
		return true
	}
	return false
}

// isText reports whether b is UTF-8 text: valid, without NUL and with at most
// one control character (other than whitespace) in four, which leaves room
// for a log full of colour escapes. UTF-16 and other encodings fail here, as
// do binary files renamed .txt.
func isText(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	total, controls := 0, 0
	for _, r := range string(b) {
		total++
		if textrule.IsControl(r) && !unicode.IsSpace(r) {
			controls++
		}
	}
	return controls*4 <= total
}

// startsLikeHTML reports a document that opens as an HTML page, whatever its
// name says.
func startsLikeHTML(b []byte) bool {
	b = bytes.TrimLeftFunc(b, unicode.IsSpace)
	if len(b) > 16 {
		b = b[:16]
	}
	s := strings.ToLower(string(b))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html")
}
