package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/xtime"
)

// ConversationInsert stores c for userID with created and updated set to tx.Now.
func (tx *Tx) ConversationInsert(ctx context.Context, userID string, c *conversation.Conversation) error {
	c.CreatedAt = xtime.Of(tx.Now)
	c.UpdatedAt = c.CreatedAt
	_, err := tx.exec(ctx, `INSERT INTO conversations (id, user_id, title, source, message_count, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, userID, c.Title, c.Source, c.MessageCount, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

const conversationCols = `id, title, source, message_count, created_at, updated_at`

func scanConversation(row interface{ Scan(...any) error }) (conversation.Conversation, error) {
	var c conversation.Conversation
	var created, updated int64
	err := row.Scan(&c.ID, &c.Title, &c.Source, &c.MessageCount, &created, &updated)
	c.CreatedAt, c.UpdatedAt = xtime.FromMillis(created), xtime.FromMillis(updated)
	return c, err
}

// ConversationGet returns userID's conversation id; another user's is NotFound.
func (tx *Tx) ConversationGet(ctx context.Context, userID, id string) (conversation.Conversation, error) {
	c, err := scanConversation(tx.queryRow(ctx, `SELECT `+conversationCols+` FROM conversations WHERE id = ? AND user_id = ?`, id, userID))
	return c, mapErr(err)
}

// ConversationList returns up to limit of userID's conversations, most
// recently updated first, after the cursor position if given.
func (tx *Tx) ConversationList(ctx context.Context, userID string, after *cursor.Position, limit int) ([]conversation.Conversation, error) {
	q := `SELECT ` + conversationCols + ` FROM conversations WHERE user_id = ?`
	args := []any{userID}
	q, args = byUpdatedNewest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanConversation)
}

// ConversationTouch records added messages and moves the conversation to now.
func (tx *Tx) ConversationTouch(ctx context.Context, id string, added int) error {
	res, err := tx.exec(ctx, `UPDATE conversations SET message_count = message_count + ?, updated_at = ? WHERE id = ?`,
		added, tx.NowMillis(), id)
	return mustAffect(res, err)
}

// ConversationDelete deletes userID's conversation with its messages and
// sessions, unlinks its notes, and returns the ids whose index entries must
// go (messages) or change (notes).
func (tx *Tx) ConversationDelete(ctx context.Context, userID, id string) (messageIDs, noteIDs []string, err error) {
	if _, err := tx.ConversationGet(ctx, userID, id); err != nil {
		return nil, nil, err
	}
	scanID := func(row interface{ Scan(...any) error }) (string, error) {
		var s string
		return s, row.Scan(&s)
	}
	if messageIDs, err = queryAll(ctx, tx, `SELECT id FROM messages WHERE conversation_id = ?`, []any{id}, scanID); err != nil {
		return nil, nil, err
	}
	if noteIDs, err = queryAll(ctx, tx, `SELECT id FROM notes WHERE conversation_id = ?`, []any{id}, scanID); err != nil {
		return nil, nil, err
	}
	_, err = tx.exec(ctx, `DELETE FROM conversations WHERE id = ? AND user_id = ?`, id, userID)
	return messageIDs, noteIDs, mapErr(err)
}

// MessageInsert stores m (CreatedAt set to tx.Now) with its token usage.
func (tx *Tx) MessageInsert(ctx context.Context, userID string, m *conversation.Message, usage *conversation.Usage) error {
	m.CreatedAt = xtime.Of(tx.Now)
	var cites any
	if len(m.Citations) > 0 {
		b, err := json.Marshal(m.Citations)
		if err != nil {
			return err
		}
		cites = string(b)
	}
	var pt, ct any
	if usage != nil {
		pt, ct = usage.PromptTokens, usage.CompletionTokens
	}
	_, err := tx.exec(ctx, `INSERT INTO messages (id, conversation_id, user_id, role, content, provider, model, incomplete,
		citations, prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.ConversationID, userID, m.Role, m.Content, m.Provider, m.Model, m.Incomplete, cites, pt, ct, tx.NowMillis())
	return mapErr(err)
}

const messageCols = `id, conversation_id, role, content, provider, model, incomplete, citations, created_at`

func scanMessage(row interface{ Scan(...any) error }) (conversation.Message, error) {
	return scanMessageWith(row)
}

// scanMessageWith scans messageCols, then any further columns into extra.
func scanMessageWith(row interface{ Scan(...any) error }, extra ...any) (conversation.Message, error) {
	var m conversation.Message
	var cites sql.NullString
	var created int64
	dst := append([]any{&m.ID, &m.ConversationID, &m.Role, &m.Content, &m.Provider, &m.Model, &m.Incomplete, &cites, &created}, extra...)
	if err := row.Scan(dst...); err != nil {
		return m, err
	}
	m.CreatedAt = xtime.FromMillis(created)
	if cites.Valid {
		if err := json.Unmarshal([]byte(cites.String), &m.Citations); err != nil {
			return m, err
		}
	}
	return m, nil
}

// Exchange is a chat exchange stored under an idempotency key: the question,
// its answer and the answer's usage (nil when the provider reported none).
type Exchange struct {
	Question, Answer conversation.Message
	Usage            *conversation.Usage
}

// ExchangeGet returns the exchange appended to conversationID under key, or
// NotFound.
func (tx *Tx) ExchangeGet(ctx context.Context, conversationID, key string) (Exchange, error) {
	var x Exchange
	var qID, aID string
	if err := tx.queryRow(ctx, `SELECT question_id, answer_id FROM chat_exchanges WHERE conversation_id = ? AND idempotency_key = ?`,
		conversationID, key).Scan(&qID, &aID); err != nil {
		return x, mapErr(err)
	}
	var err error
	if x.Question, err = scanMessage(tx.queryRow(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, qID)); err != nil {
		return x, mapErr(err)
	}
	var pt, ct sql.NullInt64
	row := tx.queryRow(ctx, `SELECT `+messageCols+`, prompt_tokens, completion_tokens FROM messages WHERE id = ?`, aID)
	if x.Answer, err = scanMessageWith(row, &pt, &ct); err != nil {
		return x, mapErr(err)
	}
	if pt.Valid || ct.Valid {
		x.Usage = &conversation.Usage{PromptTokens: int(pt.Int64), CompletionTokens: int(ct.Int64), TotalTokens: int(pt.Int64 + ct.Int64)}
	}
	return x, nil
}

// ExchangeInsert records that questionID and answerID were appended to
// conversationID under key: Conflict when the key is already taken there.
func (tx *Tx) ExchangeInsert(ctx context.Context, conversationID, key, questionID, answerID string) error {
	_, err := tx.exec(ctx, `INSERT INTO chat_exchanges (conversation_id, idempotency_key, question_id, answer_id, created_at)
		VALUES (?, ?, ?, ?, ?)`, conversationID, key, questionID, answerID, tx.NowMillis())
	return mapErr(err)
}

// MessageList returns up to limit messages of a conversation, oldest first.
func (tx *Tx) MessageList(ctx context.Context, conversationID string, after *cursor.Position, limit int) ([]conversation.Message, error) {
	q := `SELECT ` + messageCols + ` FROM messages WHERE conversation_id = ?`
	args := []any{conversationID}
	q, args = byCreatedOldest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanMessage)
}

// MessageRecent returns the last n messages of a conversation, oldest first.
func (tx *Tx) MessageRecent(ctx context.Context, conversationID string, n int) ([]conversation.Message, error) {
	ms, err := queryAll(ctx, tx, `SELECT `+messageCols+` FROM messages WHERE conversation_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, []any{conversationID, n}, scanMessage)
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, err
}

// NoteInsert stores a note for userID.
func (tx *Tx) NoteInsert(ctx context.Context, userID string, n *conversation.Note) error {
	n.CreatedAt = xtime.Of(tx.Now)
	n.UpdatedAt = n.CreatedAt
	_, err := tx.exec(ctx, `INSERT INTO notes (id, user_id, conversation_id, title, content, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, userID, n.ConversationID, n.Title, n.Content, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

const noteCols = `id, title, content, conversation_id, created_at, updated_at`

func scanNote(row interface{ Scan(...any) error }) (conversation.Note, error) {
	var n conversation.Note
	var conv sql.NullString
	var created, updated int64
	err := row.Scan(&n.ID, &n.Title, &n.Content, &conv, &created, &updated)
	if conv.Valid {
		n.ConversationID = &conv.String
	}
	n.CreatedAt, n.UpdatedAt = xtime.FromMillis(created), xtime.FromMillis(updated)
	return n, err
}

// NoteGet returns userID's note; another user's is NotFound.
func (tx *Tx) NoteGet(ctx context.Context, userID, id string) (conversation.Note, error) {
	n, err := scanNote(tx.queryRow(ctx, `SELECT `+noteCols+` FROM notes WHERE id = ? AND user_id = ?`, id, userID))
	return n, mapErr(err)
}

// NoteUpdate writes title and content and sets UpdatedAt to tx.Now.
func (tx *Tx) NoteUpdate(ctx context.Context, userID string, n *conversation.Note) error {
	n.UpdatedAt = xtime.Of(tx.Now)
	res, err := tx.exec(ctx, `UPDATE notes SET title = ?, content = ?, updated_at = ? WHERE id = ? AND user_id = ?`,
		n.Title, n.Content, tx.NowMillis(), n.ID, userID)
	return mustAffect(res, err)
}

// NoteDelete deletes userID's note.
func (tx *Tx) NoteDelete(ctx context.Context, userID, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM notes WHERE id = ? AND user_id = ?`, id, userID)
	return mustAffect(res, err)
}

// NoteList returns userID's notes, most recently updated first, optionally
// only those of one conversation.
func (tx *Tx) NoteList(ctx context.Context, userID, conversationID string, after *cursor.Position, limit int) ([]conversation.Note, error) {
	q := `SELECT ` + noteCols + ` FROM notes WHERE user_id = ?`
	args := []any{userID}
	if conversationID != "" {
		q += ` AND conversation_id = ?`
		args = append(args, conversationID)
	}
	q, args = byUpdatedNewest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanNote)
}

// SessionRow is a learning session with millisecond times.
type ConversationSessionRow struct {
	ID             string
	ConversationID string
	StartedAt      int64
	LastActivityAt int64
	EndedAt        int64
	ActiveMS       int64
}

// ConversationSessionLatest returns the newest session of a conversation, or NotFound.
func (tx *Tx) ConversationSessionLatest(ctx context.Context, conversationID string) (ConversationSessionRow, error) {
	var s ConversationSessionRow
	var ended sql.NullInt64
	err := tx.queryRow(ctx, `SELECT id, conversation_id, started_at, last_activity_at, ended_at, active_ms
		FROM conversation_sessions WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, conversationID).
		Scan(&s.ID, &s.ConversationID, &s.StartedAt, &s.LastActivityAt, &ended, &s.ActiveMS)
	s.EndedAt = ended.Int64
	return s, mapErr(err)
}

// ConversationSessionInsert starts a session; a second active one is a Conflict.
func (tx *Tx) ConversationSessionInsert(ctx context.Context, userID string, s ConversationSessionRow) error {
	_, err := tx.exec(ctx, `INSERT INTO conversation_sessions (id, conversation_id, user_id, started_at, last_activity_at, active_ms)
		VALUES (?, ?, ?, ?, ?, 0)`, s.ID, s.ConversationID, userID, s.StartedAt, s.LastActivityAt)
	return mapErr(err)
}

// ConversationSessionUpdate writes a session's activity and end.
func (tx *Tx) ConversationSessionUpdate(ctx context.Context, s ConversationSessionRow) error {
	res, err := tx.exec(ctx, `UPDATE conversation_sessions SET last_activity_at = ?, ended_at = ?, active_ms = ? WHERE id = ?`,
		s.LastActivityAt, nullMillis(s.EndedAt), s.ActiveMS, s.ID)
	return mustAffect(res, err)
}

// Visible is what search needs to show a hit that SQLite confirms.
type Visible struct {
	ConversationID string
	Title          string
	CreatedAt      int64
}

// VisibleMessages returns which of ids are userID's messages that still exist.
func (tx *Tx) VisibleMessages(ctx context.Context, userID string, ids []string) (map[string]Visible, error) {
	return tx.visible(ctx, `SELECT m.id, m.conversation_id, c.title, m.created_at FROM messages m
		JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = ? AND m.id IN `, userID, ids)
}

// VisibleConversations returns which of ids are userID's conversations.
func (tx *Tx) VisibleConversations(ctx context.Context, userID string, ids []string) (map[string]Visible, error) {
	return tx.visible(ctx, `SELECT id, id, title, created_at FROM conversations WHERE user_id = ? AND id IN `, userID, ids)
}

// VisibleNotes returns which of ids are userID's notes.
func (tx *Tx) VisibleNotes(ctx context.Context, userID string, ids []string) (map[string]Visible, error) {
	return tx.visible(ctx, `SELECT id, COALESCE(conversation_id, ''), title, created_at FROM notes WHERE user_id = ? AND id IN `, userID, ids)
}

func (tx *Tx) visible(ctx context.Context, prefix, userID string, ids []string) (map[string]Visible, error) {
	out := make(map[string]Visible, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, args := inList([]any{userID}, ids)
	rows, err := tx.query(ctx, prefix+list, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v Visible
		if err := rows.Scan(&id, &v.ConversationID, &v.Title, &v.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		out[id] = v
	}
	return out, mapErr(rows.Err())
}

// SearchSource is one row of searchable content, for rebuilding the index.
type SearchSource struct {
	Type      string
	ID        string
	UserID    string // "" for an organization's content
	OrgID     string
	ParentID  string
	Title     string
	Body      string
	CreatedAt int64
	Position  int // a chunk's place in its document
}

// sourceQuery reads one searchable type's rows as SearchSources: sel is the
// SELECT without its WHERE clause and id the column holding the row id.
type sourceQuery struct {
	sel, id string
	scan    func(row interface{ Scan(...any) error }) (SearchSource, error)
}

// searchSource returns how rows of typ are read; false for a type the store
// does not hold.
func searchSource(typ string) (sourceQuery, bool) {
	plain := func(sel string) sourceQuery {
		return sourceQuery{sel: sel, id: "id", scan: func(row interface{ Scan(...any) error }) (SearchSource, error) {
			s := SearchSource{Type: typ}
			return s, row.Scan(&s.ID, &s.UserID, &s.ParentID, &s.Title, &s.Body, &s.CreatedAt)
		}}
	}
	switch typ {
	case conversation.TypeConversation:
		return plain(`SELECT id, user_id, '', title, '', created_at FROM conversations`), true
	case conversation.TypeMessage:
		return plain(`SELECT id, user_id, conversation_id, '', content, created_at FROM messages`), true
	case conversation.TypeNote:
		return plain(`SELECT id, user_id, COALESCE(conversation_id, ''), title, content, created_at FROM notes`), true
	case conversation.TypeTranscript:
		return transcriptSource, true
	case knowledge.TypeChunk:
		return chunkSource, true
	}
	return sourceQuery{}, false
}

// SearchSources pages through every row of one searchable type in id order,
// after afterID: what a rebuild of the index reads.
func (tx *Tx) SearchSources(ctx context.Context, typ, afterID string, limit int) ([]SearchSource, error) {
	src, ok := searchSource(typ)
	if !ok {
		return nil, nil
	}
	return queryAll(ctx, tx, src.sel+` WHERE `+src.id+` > ? ORDER BY `+src.id+` LIMIT ?`, []any{afterID, limit}, src.scan)
}

// SearchSourcesByID returns the rows of one searchable type among ids, in no
// particular order; an id without a row (deleted since) is left out. This is
// what the indexer reads for the outbox's references, so a change is indexed
// exactly as a rebuild would index it.
func (tx *Tx) SearchSourcesByID(ctx context.Context, typ string, ids []string) ([]SearchSource, error) {
	src, ok := searchSource(typ)
	if !ok || len(ids) == 0 {
		return nil, nil
	}
	list, args := inList(nil, ids)
	return queryAll(ctx, tx, src.sel+` WHERE `+src.id+` IN `+list, args, src.scan)
}

// inList returns the placeholder list "(?,?,...)" for ids (at least one)
// and args with ids appended, for an IN condition.
func inList(args []any, ids []string) (string, []any) {
	for _, id := range ids {
		args = append(args, id)
	}
	return "(?" + strings.Repeat(",?", len(ids)-1) + ")", args
}

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *Tx, q string, args []any, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}
