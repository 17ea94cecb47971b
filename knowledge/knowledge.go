// Package knowledge holds the knowledge-base domain: documents, their text
// blocks and chunks, the search and question-answering requests, and the
// pure rules that validate them and cut text into overlapping chunks. It
// does no I/O; the Engine (package xentree) stores documents and chunks in
// SQLite, indexes chunks, and asks a provider for grounded answers.
package knowledge

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// Content types a document may have.
const (
	TypeText     = "text/plain"
	TypeMarkdown = "text/markdown"
	TypeHTML     = "text/html"
	TypePDF      = "application/pdf"
)

// TypeChunk is the search type of document chunks, as GET /api/core/search
// names it.
const TypeChunk = "document"

// ChunkTitle is the title a chunk is indexed and shown under: its
// document's title and, when it has one, its heading path.
func ChunkTitle(docTitle, heading string) string {
	if heading == "" {
		return docTitle
	}
	return docTitle + " > " + heading
}

// Block is a run of text from a document: a paragraph, a list item, a table
// row, a page's text. Heading is the path of headings it sits under, joined
// with " > " ("Setup > Linux"), or "" before the first heading.
type Block struct {
	Heading string
	Text    string
}

// Document is a stored document as its readers see it.
type Document struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	ContentType    string     `json:"content_type"`
	SizeBytes      int64      `json:"size_bytes"`
	ChunkCount     int        `json:"chunk_count"`
	OrganizationID string     `json:"organization_id,omitempty"`
	CreatedAt      xtime.Time `json:"created_at"`
}

// Field limits (ours).
const (
	MaxTitle       = 200
	MaxQuery       = 1000
	DefaultLimit   = 5
	MaxLimit       = 50
	DefaultTopK    = 5
	MaxTopK        = 20
	MaxDocumentIDs = 100
)

// CreateRequest adds a document: JSON {title, content, content_type?,
// organization_id?}, or an uploaded file (File and FileName, set by the
// transport from a multipart upload; Content is then unused). Without
// OrganizationID the document is the caller's own.
type CreateRequest struct {
	Title          string `json:"title,omitempty"`
	Content        string `json:"content,omitempty"`
	ContentType    string `json:"content_type,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`

	File     []byte `json:"-"`
	FileName string `json:"-"`
}

// Normalize trims the text fields.
func (r *CreateRequest) Normalize() {
	r.Title = strings.TrimSpace(r.Title)
	r.ContentType = strings.ToLower(strings.TrimSpace(r.ContentType))
	if i := strings.IndexByte(r.ContentType, ';'); i >= 0 {
		r.ContentType = strings.TrimSpace(r.ContentType[:i]) // "text/plain; charset=utf-8"
	}
	r.OrganizationID = strings.TrimSpace(r.OrganizationID)
	r.FileName = strings.TrimSpace(r.FileName)
}

// Validate checks a normalised request; the content itself is checked by
// extraction.
func (r CreateRequest) Validate() error {
	if err := textrule.Line("title", r.Title, MaxTitle); err != nil {
		return err
	}
	if r.File == nil {
		if r.Title == "" {
			return xerr.InvalidField("title", "is required")
		}
		switch r.ContentType {
		case "", TypeText, TypeMarkdown, TypeHTML:
		default:
			return xerr.InvalidField("content_type", "must be text/plain, text/markdown or text/html (upload a PDF as a file)")
		}
	}
	return nil
}

// DefaultTitle is the title of an upload that has none: its file name
// without the extension, or "Untitled document".
func DefaultTitle(fileName string) string {
	base := fileName
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	base = strings.Join(strings.FieldsFunc(base, func(r rune) bool { return textrule.IsControl(r) || unicode.IsSpace(r) }), " ")
	if base == "" || !utf8.ValidString(base) {
		return "Untitled document"
	}
	if utf8.RuneCountInString(base) > MaxTitle {
		base = string([]rune(base)[:MaxTitle])
	}
	return base
}

// SearchRequest searches the knowledge the caller may see (KnowledgeSearchRequest).
type SearchRequest struct {
	Query          string   `json:"query"`
	Limit          int      `json:"limit,omitempty"`
	OrganizationID string   `json:"organization_id,omitempty"`
	DocumentIDs    []string `json:"document_ids,omitempty"`
}

// Validate checks the request and sets the default limit.
func (r *SearchRequest) Validate() error {
	r.Query = textrule.Query(r.Query)
	if err := validateQuery(r.Query); err != nil {
		return err
	}
	if r.Limit == 0 {
		r.Limit = DefaultLimit
	}
	if r.Limit < 1 || r.Limit > MaxLimit {
		return xerr.InvalidField("limit", "must be between 1 and "+strconv.Itoa(MaxLimit))
	}
	if len(r.DocumentIDs) > MaxDocumentIDs {
		return xerr.InvalidField("document_ids", "must name at most "+strconv.Itoa(MaxDocumentIDs)+" documents")
	}
	return nil
}

func validateQuery(q string) error {
	if q == "" {
		return xerr.InvalidField("query", "is required")
	}
	return textrule.Line("query", q, MaxQuery)
}

// SearchResult is one retrieved chunk.
type SearchResult struct {
	DocumentID string  `json:"document_id"`
	ChunkID    string  `json:"chunk_id"`
	Title      string  `json:"title"`
	Snippet    string  `json:"snippet"` // HTML: matches in <mark>, the rest escaped
	Text       string  `json:"text"`
	Score      float64 `json:"score"`
}

// SearchResponse is the answer to a knowledge search.
type SearchResponse struct {
	Query   string         `json:"query"`
	Results []SearchResult `json:"results"`
}

// RAGRequest asks a question to be answered from the knowledge base.
type RAGRequest struct {
	Query          string `json:"query"`
	TopK           int    `json:"top_k,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
	Provider       string `json:"provider,omitempty"`
}

// Validate checks the request and sets the default top_k.
func (r *RAGRequest) Validate() error {
	r.Query = textrule.Query(r.Query)
	if err := validateQuery(r.Query); err != nil {
		return err
	}
	if r.TopK == 0 {
		r.TopK = DefaultTopK
	}
	if r.TopK < 1 || r.TopK > MaxTopK {
		return xerr.InvalidField("top_k", "must be between 1 and "+strconv.Itoa(MaxTopK))
	}
	return nil
}

// RAGResponse is a grounded answer and the passages it cites.
type RAGResponse struct {
	Answer    string                  `json:"answer"`
	Citations []conversation.Citation `json:"citations"`
	Provider  string                  `json:"provider"`
	Model     string                  `json:"model"`
}
