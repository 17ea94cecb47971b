// Package conversation is the conversations domain: conversations and their
// messages, chat requests and responses, notes, per-conversation learning
// sessions, and search over a user's own content. It holds types and pure
// rules only; the Engine (package xentree) applies them.
package conversation

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// DefaultTitle is a new conversation's title when none is given.
const DefaultTitle = "New Conversation"

// Limits the rules need; the Engine fills them from its Config.
type Limits struct {
	MaxTitleChars   int
	MaxMessageBytes int
	MaxNoteBytes    int
	MaxHistory      int // items in ChatRequest.ConversationHistory
}

// Conversation is ConversationResponse in the spec.
type Conversation struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Source       string     `json:"source"`
	MessageCount int        `json:"message_count"`
	CreatedAt    xtime.Time `json:"created_at"`
	UpdatedAt    xtime.Time `json:"updated_at"`
}

// CreateRequest is ConversationCreateRequest.
type CreateRequest struct {
	Title        string `json:"title,omitempty"`
	InitialQuery string `json:"initial_query,omitempty"`
	Source       string `json:"source,omitempty"`
}

// MaxSource bounds CreateRequest.Source, a client's free label ("web", "ios").
const MaxSource = 100

// Normalize trims and applies defaults.
func (r *CreateRequest) Normalize() {
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		r.Title = DefaultTitle
	}
	r.Source = strings.TrimSpace(r.Source)
	if strings.TrimSpace(r.InitialQuery) == "" {
		r.InitialQuery = ""
	}
}

// Validate checks a normalised request.
func (r *CreateRequest) Validate(l Limits) error {
	if err := textrule.Line("title", r.Title, l.MaxTitleChars); err != nil {
		return err
	}
	if err := textrule.Line("source", r.Source, MaxSource); err != nil {
		return err
	}
	return textrule.Body("initial_query", r.InitialQuery, l.MaxMessageBytes)
}

// Message is one stored turn.
type Message struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Role           string     `json:"role"`
	Content        string     `json:"content"`
	Provider       string     `json:"provider,omitempty"`
	Model          string     `json:"model,omitempty"`
	Incomplete     bool       `json:"incomplete,omitempty"`
	Citations      []Citation `json:"citations,omitempty"`
	CreatedAt      xtime.Time `json:"created_at"`
}

// Citation names a knowledge passage an answer used.
type Citation struct {
	DocumentID string `json:"document_id"`
	ChunkID    string `json:"chunk_id"`
	Title      string `json:"title"`
	Snippet    string `json:"snippet"`
}

// HistoryItem is one turn a client sends as context.
type HistoryItem struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest asks for an AI response.
type ChatRequest struct {
	Message             string        `json:"message"`
	Provider            string        `json:"provider,omitempty"`
	ConversationHistory []HistoryItem `json:"conversation_history,omitempty"`
	UserLanguage        string        `json:"user_language,omitempty"`
	ConversationID      string        `json:"conversation_id,omitempty"`
	Model               string        `json:"model,omitempty"`
	UseKnowledge        bool          `json:"use_knowledge,omitempty"`
	Stream              bool          `json:"stream,omitempty"`
	// IdempotencyKey makes appending to ConversationID safe to retry: a
	// request with a key already used in the conversation replays the
	// stored exchange instead of appending another. Over REST it may also
	// come as the Idempotency-Key or Last-Event-ID header.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// CodeIdempotencyKeyReused is the error code (409) of a chat whose
// idempotency key was already used in its conversation for another message.
const CodeIdempotencyKeyReused = "idempotency_key_reused"

// MaxIdempotencyKey bounds an idempotency key, in characters.
const MaxIdempotencyKey = 200

// Validate checks a ChatRequest's shape.
func (r *ChatRequest) Validate(l Limits) error {
	if strings.TrimSpace(r.Message) == "" {
		return xerr.InvalidField("message", "is required")
	}
	if err := textrule.Body("message", r.Message, l.MaxMessageBytes); err != nil {
		return err
	}
	if len(r.ConversationHistory) > l.MaxHistory {
		return &xerr.Error{Kind: xerr.Invalid, Field: "conversation_history", Message: "must have at most " + strconv.Itoa(l.MaxHistory) + " items"}
	}
	for _, h := range r.ConversationHistory {
		switch h.Role {
		case "user", "assistant", "system":
		default:
			return xerr.InvalidField("conversation_history", "role must be user, assistant or system")
		}
		if err := textrule.Body("conversation_history", h.Content, l.MaxMessageBytes); err != nil {
			return err
		}
	}
	if err := textrule.Line("idempotency_key", r.IdempotencyKey, MaxIdempotencyKey); err != nil {
		return err
	}
	if r.UserLanguage != "" {
		return textrule.Language("user_language", r.UserLanguage)
	}
	return nil
}

// Usage is token usage as reported by the provider.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatResponse is the answer.
type ChatResponse struct {
	Content        string     `json:"content"`
	Provider       string     `json:"provider"`
	Model          string     `json:"model"`
	Usage          *Usage     `json:"usage"`
	ConversationID string     `json:"conversation_id,omitempty"`
	MessageID      string     `json:"message_id,omitempty"`
	Citations      []Citation `json:"citations,omitempty"`
	Incomplete     bool       `json:"incomplete,omitempty"`
}

// Note is a user's note, optionally linked to a conversation.
type Note struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Content        string     `json:"content"`
	ConversationID *string    `json:"conversation_id"`
	CreatedAt      xtime.Time `json:"created_at"`
	UpdatedAt      xtime.Time `json:"updated_at"`
}

// NoteCreateRequest creates a note.
type NoteCreateRequest struct {
	Title          string `json:"title"`
	Content        string `json:"content"`
	ConversationID string `json:"conversation_id,omitempty"`
}

// Validate checks a note to create.
func (r *NoteCreateRequest) Validate(l Limits) error {
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" && strings.TrimSpace(r.Content) == "" {
		return xerr.InvalidField("content", "a note needs a title or content")
	}
	if err := textrule.Line("title", r.Title, l.MaxTitleChars); err != nil {
		return err
	}
	return textrule.Body("content", r.Content, l.MaxNoteBytes)
}

// NoteUpdateRequest changes a note; nil fields stay.
type NoteUpdateRequest struct {
	Title   *string `json:"title,omitempty"`
	Content *string `json:"content,omitempty"`
}

// Validate checks a note update.
func (r *NoteUpdateRequest) Validate(l Limits) error {
	if r.Title != nil {
		t := strings.TrimSpace(*r.Title)
		r.Title = &t
		if err := textrule.Line("title", t, l.MaxTitleChars); err != nil {
			return err
		}
	}
	if r.Content != nil {
		return textrule.Body("content", *r.Content, l.MaxNoteBytes)
	}
	return nil
}

// Session statuses.
const (
	SessionActive = "active"
	SessionEnded  = "ended"
	SessionNone   = "none"
)

// IdleGap is the longest pause between activities that still counts as
// learning time; a longer one counts as nothing.
const IdleGap = 5 * time.Minute

// Session is a learning session in one conversation (ConversationSession).
type Session struct {
	SessionID      string      `json:"session_id,omitempty"`
	ConversationID string      `json:"conversation_id,omitempty"`
	Status         string      `json:"status"`
	StartedAt      *xtime.Time `json:"started_at,omitempty"`
	LastActivityAt *xtime.Time `json:"last_activity_at,omitempty"`
	EndedAt        *xtime.Time `json:"ended_at,omitempty"`
	ActiveSeconds  int64       `json:"active_seconds"`
}

// ActiveGain is how much of the gap between two activities counts: all of
// it up to IdleGap, none of a longer one (the learner was away).
func ActiveGain(last, now time.Time) time.Duration {
	gap := now.Sub(last)
	if gap <= 0 || gap > IdleGap {
		return 0
	}
	return gap
}

// Search types.
const (
	TypeMessage      = "message"
	TypeConversation = "conversation"
	TypeNote         = "note"
	TypeTranscript   = "transcript"
	TypeDocument     = "document"
)

// SearchTypes are the values GET /api/core/search accepts in types.
var SearchTypes = []string{TypeMessage, TypeConversation, TypeNote, TypeTranscript, TypeDocument}

// MaxQuery bounds a search query.
const MaxQuery = 500

// SearchRequest is GET /api/core/search.
type SearchRequest struct {
	Query  string   `json:"q"`
	Types  []string `json:"types,omitempty"`
	Limit  int      `json:"limit,omitempty"`
	Offset int      `json:"offset,omitempty"`
}

// MaxSearchOffset bounds deep paging, which costs Bleve more at each page.
const MaxSearchOffset = 1000

// Validate checks a search request and applies the default limit.
func (r *SearchRequest) Validate(defLimit, maxLimit int) error {
	r.Query = textrule.Query(r.Query)
	if r.Query == "" {
		return xerr.InvalidField("q", "is required")
	}
	if err := textrule.Line("q", r.Query, MaxQuery); err != nil {
		return err
	}
	for _, t := range r.Types {
		if !slices.Contains(SearchTypes, t) {
			return xerr.InvalidField("types", "must be a comma-separated list of message, conversation, note, transcript, document")
		}
	}
	// Each type is a clause of the query per word: a type named twice (or
	// eight thousand times in one URL) is searched once.
	r.Types = slices.Compact(slices.Sorted(slices.Values(r.Types)))
	if r.Limit == 0 {
		r.Limit = defLimit
	}
	if r.Limit < 1 || r.Limit > maxLimit {
		return xerr.InvalidField("limit", "must be between 1 and "+strconv.Itoa(maxLimit))
	}
	if r.Offset < 0 || r.Offset > MaxSearchOffset {
		return xerr.InvalidField("offset", "must be between 0 and "+strconv.Itoa(MaxSearchOffset))
	}
	return nil
}

// SearchHit is one result.
//
// ID is the resource a client opens: a document hit's is the document's
// (GET /api/knowledge/documents/{id}), with the matching passage in ChunkID.
type SearchHit struct {
	Type           string     `json:"type"`
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id,omitempty"`
	DocumentID     string     `json:"document_id,omitempty"`
	ChunkID        string     `json:"chunk_id,omitempty"`
	Title          string     `json:"title,omitempty"`
	Snippet        string     `json:"snippet"`
	Score          float64    `json:"score"`
	CreatedAt      xtime.Time `json:"created_at"`
}

// SearchResponse is a page of hits; Total counts all matches the caller may see.
type SearchResponse struct {
	Query string      `json:"query"`
	Total uint64      `json:"total"`
	Hits  []SearchHit `json:"hits"`
}

// SearchStatus reports the index's health (admins only).
type SearchStatus struct {
	Documents     uint64         `json:"documents"`
	Pending       int64          `json:"pending"`
	LagSeconds    float64        `json:"lag_seconds"`
	LastIndexedAt *xtime.Time    `json:"last_indexed_at"`
	Healthy       bool           `json:"healthy"`
	Reindex       *ReindexStatus `json:"reindex,omitempty"`
}

// ReindexStatus is the progress of a rebuild from SQLite.
type ReindexStatus struct {
	Running bool `json:"running"`
	Indexed int  `json:"indexed"`
	// Total is what the store held when the rebuild began; rows written
	// during it are indexed too, so Indexed may end above it.
	Total      int         `json:"total"`
	StartedAt  xtime.Time  `json:"started_at"`
	FinishedAt *xtime.Time `json:"finished_at,omitempty"`
	Error      string      `json:"error,omitempty"`
}
