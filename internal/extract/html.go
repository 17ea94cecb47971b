package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"

	"github.com/xentree/xentree/knowledge"
)

// HTML is read with the tokenizer rather than the tree parser: it is linear,
// keeps no tree in memory, and block boundaries are all the reader needs.
// Optional end tags (</p>, </li>) do not matter because any block element,
// opening or closing, ends the block being read.

// htmlReader holds the state of one document.
type htmlReader struct {
	b       *builder
	text    strings.Builder // the block being read
	hasText bool            // text holds more than whitespace
	skip    string          // the element whose content is being dropped, or ""
	depth   int             // how many skip elements are open
	level   int             // the heading being read (1 to 6), or 0
	head    strings.Builder // its text
}

func extractHTML(data []byte) []knowledge.Block {
	r := &htmlReader{b: newBuilder(len(data))}
	z := html.NewTokenizer(bytes.NewReader(data))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // io.EOF, or nothing more the tokenizer can read
			r.endHeading()
			r.flush()
			return r.b.result()
		case html.TextToken:
			if r.skip == "" {
				r.write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			hidden := hasAttr && isHiddenElement(z)
			r.start(string(name), tt == html.SelfClosingTagToken, hidden)
		case html.EndTagToken:
			name, _ := z.TagName()
			r.end(string(name))
		}
	}
}

func (r *htmlReader) write(t []byte) {
	if r.level > 0 {
		r.head.Write(t)
		return
	}
	r.text.Write(t)
	if !r.hasText && len(bytes.TrimSpace(t)) > 0 {
		r.hasText = true
	}
}

func (r *htmlReader) flush() {
	r.b.add(r.text.String())
	r.text.Reset()
	r.hasText = false
}

func (r *htmlReader) endHeading() {
	if r.level > 0 {
		r.b.heading(r.level, r.head.String())
		r.level = 0
		r.head.Reset()
	}
}

func (r *htmlReader) start(name string, selfClosing, hidden bool) {
	if r.skip != "" {
		switch {
		case name == r.skip && !selfClosing && !isVoidElement(name):
			if r.depth == 1 && hasOptionalEnd(name) {
				// <li hidden>a<li>b: the second item closes the first.
				r.skip, r.depth = "", 0
				break
			}
			r.depth++
			return
		case r.skip == "head" && !inHead(name):
			// The body began without </head>, as the parser would see it.
			r.skip, r.depth = "", 0
		default:
			return
		}
	}
	if (hidden || isDroppedElement(name)) && !selfClosing && !isVoidElement(name) {
		r.skip, r.depth = name, 1
		return
	}
	if level := headingLevel(name); level > 0 {
		r.endHeading()
		r.flush()
		r.level = level
		return
	}
	if r.level > 0 {
		if !endsHeading(name) {
			if isBlockElement(name) {
				r.head.WriteByte(' ') // <br>, <div>: words apart, one heading
			}
			return
		}
		r.endHeading()
	}
	switch {
	case name == "td" || name == "th":
		if r.hasText {
			r.text.WriteString(" | ")
		}
	case isBlockElement(name):
		r.flush()
	}
}

func (r *htmlReader) end(name string) {
	if r.skip != "" {
		if name == r.skip {
			r.depth--
			if r.depth == 0 {
				r.skip = ""
			}
		}
		return
	}
	if headingLevel(name) > 0 {
		r.endHeading()
		return
	}
	if r.level > 0 {
		if isBlockElement(name) {
			r.head.WriteByte(' ')
		}
		return
	}
	if isBlockElement(name) {
		r.flush()
	}
}

// isHiddenElement reports the hidden attribute, aria-hidden="true" or an
// inline display:none: text a reader of the page never sees.
func isHiddenElement(z *html.Tokenizer) bool {
	for {
		key, val, more := z.TagAttr()
		switch string(key) {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(string(val)), "true") {
				return true
			}
		case "style":
			s := strings.ToLower(strings.Join(strings.Fields(string(val)), ""))
			if strings.Contains(s, "display:none") {
				return true
			}
		}
		if !more {
			return false
		}
	}
}

// isDroppedElement reports elements whose content is never visible text.
// <title> is dropped with <head>: the document's title is stored apart.
func isDroppedElement(name string) bool {
	switch name {
	case "script", "style", "noscript", "template", "svg", "head", "title", "iframe",
		"object", "canvas", "select", "datalist":
		return true
	}
	return false
}

// isBlockElement reports elements that start a new block of text: those
// rendered as blocks (or line breaks) that hold running text.
func isBlockElement(name string) bool {
	switch name {
	case "address", "article", "aside", "blockquote", "body", "br", "caption", "center",
		"dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
		"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
		"html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
		"summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "option", "textarea":
		return true
	}
	return false
}

// endsHeading reports block content that cannot be part of a heading, so an
// unclosed <h1> does not swallow the page.
func endsHeading(name string) bool {
	switch name {
	case "p", "li", "ul", "ol", "dl", "table", "tr", "pre", "blockquote", "section",
		"article", "main", "header", "footer", "nav", "aside", "form", "body", "hr":
		return true
	}
	return false
}

func headingLevel(name string) int {
	if len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' {
		return int(name[1] - '0')
	}
	return 0
}

// isVoidElement reports elements that have no content and no end tag.
func isVoidElement(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
		"param", "source", "track", "wbr":
		return true
	}
	return false
}

// hasOptionalEnd reports elements whose next sibling of the same name closes
// them without an end tag.
func hasOptionalEnd(name string) bool {
	switch name {
	case "p", "li", "dt", "dd", "tr", "td", "th", "option":
		return true
	}
	return false
}

// inHead reports elements that may appear in <head>; any other start tag
// means the body began.
func inHead(name string) bool {
	switch name {
	case "title", "meta", "link", "style", "script", "noscript", "base", "template":
		return true
	}
	return false
}
