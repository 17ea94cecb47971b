package xentree

import (
	"context"
	"strings"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/xtime"
)

func (e *Engine) convLimits() conversation.Limits {
	return conversation.Limits{
		MaxTitleChars:   e.cfg.Limits.MaxTitleChars,
		MaxMessageBytes: e.cfg.Limits.MaxMessageBytes,
		MaxNoteBytes:    e.cfg.Limits.MaxNoteBytes,
		MaxHistory:      e.cfg.AI.MaxHistory,
	}
}

var errConversationNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "conversation not found"}

// notFoundAs turns a store NotFound into err, so messages name what is missing.
func notFoundAs(err error, nf *xerr.Error) error {
	if xerr.Is(err, xerr.NotFound) {
		return nf
	}
	return err
}

// CreateConversation starts a conversation for user. A non-empty
// InitialQuery is stored as its first user message.
func (e *Engine) CreateConversation(ctx context.Context, user User, req conversation.CreateRequest) (conversation.Conversation, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Conversation{}, err
	}
	req.Normalize()
	if err := req.Validate(e.convLimits()); err != nil {
		return conversation.Conversation{}, err
	}
	c := conversation.Conversation{ID: ids.New(), Title: req.Title, Source: req.Source}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if req.InitialQuery != "" {
			c.MessageCount = 1
		}
		if err := tx.ConversationInsert(ctx, user.ID, &c); err != nil {
			return err
		}
		if err := tx.OutboxIndex(ctx, conversation.TypeConversation, c.ID); err != nil {
			return err
		}
		if req.InitialQuery == "" {
			return nil
		}
		m := conversation.Message{ID: ids.New(), ConversationID: c.ID, Role: "user", Content: req.InitialQuery}
		if err := tx.MessageInsert(ctx, user.ID, &m, nil); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeMessage, m.ID)
	})
	return c, err
}

// ListConversations returns user's conversations, most recently updated first.
func (e *Engine) ListConversations(ctx context.Context, user User, p Page) (List[conversation.Conversation], error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return List[conversation.Conversation]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[conversation.Conversation]{}, err
	}
	var cs []conversation.Conversation
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		cs, err = tx.ConversationList(ctx, user.ID, after, limit+1)
		return err
	})
	return makeList(cs, limit, func(c conversation.Conversation) cursor.Position {
		return cursor.Position{Key: c.UpdatedAt.Millis(), ID: c.ID}
	}), err
}

// GetConversation returns one of user's conversations.
func (e *Engine) GetConversation(ctx context.Context, user User, id string) (conversation.Conversation, error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return conversation.Conversation{}, err
	}
	var c conversation.Conversation
	if !ids.Valid(id) {
		return c, errConversationNotFound
	}
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.ConversationGet(ctx, user.ID, id)
		return err
	})
	return c, notFoundAs(err, errConversationNotFound)
}

// ListMessages returns a conversation's messages, oldest first.
func (e *Engine) ListMessages(ctx context.Context, user User, conversationID string, p Page) (List[conversation.Message], error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return List[conversation.Message]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[conversation.Message]{}, err
	}
	if !ids.Valid(conversationID) {
		return List[conversation.Message]{}, errConversationNotFound
	}
	var ms []conversation.Message
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConversationGet(ctx, user.ID, conversationID); err != nil {
			return notFoundAs(err, errConversationNotFound)
		}
		ms, err = tx.MessageList(ctx, conversationID, after, limit+1)
		return err
	})
	return makeList(ms, limit, func(m conversation.Message) cursor.Position {
		return cursor.Position{Key: m.CreatedAt.Millis(), ID: m.ID}
	}), err
}

// DeleteConversation deletes a conversation with its messages and learning
// sessions; its notes stay, unlinked. Search forgets them at once: hits are
// checked against the store before they are returned.
func (e *Engine) DeleteConversation(ctx context.Context, user User, id string) error {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return err
	}
	if !ids.Valid(id) {
		return errConversationNotFound
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		msgIDs, noteIDs, err := tx.ConversationDelete(ctx, user.ID, id)
		if err != nil {
			return err
		}
		if err := tx.OutboxDelete(ctx, id); err != nil {
			return err
		}
		for _, m := range msgIDs {
			if err := tx.OutboxDelete(ctx, m); err != nil {
				return err
			}
		}
		for _, nid := range noteIDs {
			n, err := tx.NoteGet(ctx, user.ID, nid)
			if err != nil {
				return err
			}
			if err := tx.OutboxIndex(ctx, conversation.TypeNote, n.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return notFoundAs(err, errConversationNotFound)
}

var errNoteNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "note not found"}

// ListNotes returns user's notes, most recently updated first; with a
// conversationID only that conversation's.
func (e *Engine) ListNotes(ctx context.Context, user User, conversationID string, p Page) (List[conversation.Note], error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return List[conversation.Note]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[conversation.Note]{}, err
	}
	if conversationID != "" && !ids.Valid(conversationID) {
		return List[conversation.Note]{}, errConversationNotFound
	}
	var ns []conversation.Note
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		if conversationID != "" {
			if _, err := tx.ConversationGet(ctx, user.ID, conversationID); err != nil {
				return notFoundAs(err, errConversationNotFound)
			}
		}
		ns, err = tx.NoteList(ctx, user.ID, conversationID, after, limit+1)
		return err
	})
	return makeList(ns, limit, func(n conversation.Note) cursor.Position {
		return cursor.Position{Key: n.UpdatedAt.Millis(), ID: n.ID}
	}), err
}

// CreateNote stores a note, linked to one of user's conversations if named.
func (e *Engine) CreateNote(ctx context.Context, user User, req conversation.NoteCreateRequest) (conversation.Note, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Note{}, err
	}
	if err := req.Validate(e.convLimits()); err != nil {
		return conversation.Note{}, err
	}
	n := conversation.Note{ID: ids.New(), Title: req.Title, Content: req.Content}
	if req.ConversationID != "" {
		if !ids.Valid(req.ConversationID) {
			return n, errConversationNotFound
		}
		n.ConversationID = &req.ConversationID
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if n.ConversationID != nil {
			if _, err := tx.ConversationGet(ctx, user.ID, *n.ConversationID); err != nil {
				return notFoundAs(err, errConversationNotFound)
			}
		}
		if err := tx.NoteInsert(ctx, user.ID, &n); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeNote, n.ID)
	})
	return n, err
}

// UpdateNote changes a note's title or content.
func (e *Engine) UpdateNote(ctx context.Context, user User, id string, req conversation.NoteUpdateRequest) (conversation.Note, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Note{}, err
	}
	if err := req.Validate(e.convLimits()); err != nil {
		return conversation.Note{}, err
	}
	if !ids.Valid(id) {
		return conversation.Note{}, errNoteNotFound
	}
	var n conversation.Note
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.NoteGet(ctx, user.ID, id); err != nil {
			return err
		}
		before := n
		setIf(&n.Title, req.Title)
		setIf(&n.Content, req.Content)
		if n.Title == "" && strings.TrimSpace(n.Content) == "" { // as a created note
			return xerr.InvalidField("content", "a note needs a title or content")
		}
		if n == before {
			return nil // nothing changes, updated_at included; nothing to reindex
		}
		if err := tx.NoteUpdate(ctx, user.ID, &n); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeNote, n.ID)
	})
	return n, notFoundAs(err, errNoteNotFound)
}

// DeleteNote deletes a note.
func (e *Engine) DeleteNote(ctx context.Context, user User, id string) error {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return err
	}
	if !ids.Valid(id) {
		return errNoteNotFound
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.NoteDelete(ctx, user.ID, id); err != nil {
			return err
		}
		return tx.OutboxDelete(ctx, id)
	})
	return notFoundAs(err, errNoteNotFound)
}

// StartConversationSession starts a learning session in a conversation. If
// one is already active it is returned unchanged, so a repeated start (a
// double click, a retry) does not reset the clock.
func (e *Engine) StartConversationSession(ctx context.Context, user User, conversationID string) (conversation.Session, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Session{}, err
	}
	return e.sessionOp(ctx, user, conversationID, func(tx *store.Tx, s store.ConversationSessionRow, found bool) (store.ConversationSessionRow, error) {
		if found && s.EndedAt == 0 {
			return s, nil
		}
		s = store.ConversationSessionRow{ID: ids.New(), ConversationID: conversationID, StartedAt: tx.NowMillis(), LastActivityAt: tx.NowMillis()}
		return s, tx.ConversationSessionInsert(ctx, user.ID, s)
	})
}

var errNoActiveSession = &xerr.Error{Kind: xerr.Conflict, Code: "no_active_session", Message: "this conversation has no active learning session; start one first"}

// RecordConversationActivity counts the time since the last activity as
// learning time, unless the gap was longer than conversation.IdleGap.
func (e *Engine) RecordConversationActivity(ctx context.Context, user User, conversationID string) (conversation.Session, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Session{}, err
	}
	return e.sessionOp(ctx, user, conversationID, func(tx *store.Tx, s store.ConversationSessionRow, found bool) (store.ConversationSessionRow, error) {
		if !found || s.EndedAt != 0 {
			return s, errNoActiveSession
		}
		s = touch(tx, s)
		return s, tx.ConversationSessionUpdate(ctx, s)
	})
}

// EndConversationSession ends the active session, counting the last gap.
func (e *Engine) EndConversationSession(ctx context.Context, user User, conversationID string) (conversation.Session, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.Session{}, err
	}
	return e.sessionOp(ctx, user, conversationID, func(tx *store.Tx, s store.ConversationSessionRow, found bool) (store.ConversationSessionRow, error) {
		if !found || s.EndedAt != 0 {
			return s, errNoActiveSession
		}
		s = touch(tx, s)
		s.EndedAt = s.LastActivityAt // now, or a later activity a clock ahead recorded
		return s, tx.ConversationSessionUpdate(ctx, s)
	})
}

// ConversationSessionStatus returns the newest session, or status "none".
func (e *Engine) ConversationSessionStatus(ctx context.Context, user User, conversationID string) (conversation.Session, error) {
	if err := user.Allow(auth.ScopeConversationsRead); err != nil {
		return conversation.Session{}, err
	}
	if !ids.Valid(conversationID) {
		return conversation.Session{}, errConversationNotFound
	}
	var out conversation.Session
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConversationGet(ctx, user.ID, conversationID); err != nil {
			return notFoundAs(err, errConversationNotFound)
		}
		s, err := tx.ConversationSessionLatest(ctx, conversationID)
		if xerr.Is(err, xerr.NotFound) {
			out = conversation.Session{Status: conversation.SessionNone}
			return nil
		}
		out = sessionView(s)
		return err
	})
	return out, err
}

func touch(tx *store.Tx, s store.ConversationSessionRow) store.ConversationSessionRow {
	s.ActiveMS += conversation.ActiveGain(xtime.FromMillis(s.LastActivityAt).Time, tx.Now).Milliseconds()
	// Never back: a node whose clock runs behind (or a clock stepped back)
	// would otherwise have the next activity count time twice.
	s.LastActivityAt = max(s.LastActivityAt, tx.NowMillis())
	return s
}

func (e *Engine) sessionOp(ctx context.Context, user User, conversationID string,
	fn func(tx *store.Tx, s store.ConversationSessionRow, found bool) (store.ConversationSessionRow, error)) (conversation.Session, error) {
	if !ids.Valid(conversationID) {
		return conversation.Session{}, errConversationNotFound
	}
	var out store.ConversationSessionRow
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConversationGet(ctx, user.ID, conversationID); err != nil {
			return notFoundAs(err, errConversationNotFound)
		}
		s, err := tx.ConversationSessionLatest(ctx, conversationID)
		if err != nil && !xerr.Is(err, xerr.NotFound) {
			return err
		}
		out, err = fn(tx, s, err == nil)
		return err
	})
	if err != nil {
		return conversation.Session{}, err
	}
	return sessionView(out), nil
}

func sessionView(s store.ConversationSessionRow) conversation.Session {
	v := conversation.Session{
		SessionID: s.ID, ConversationID: s.ConversationID, Status: conversation.SessionActive,
		StartedAt: xtime.PtrFromMillis(s.StartedAt), LastActivityAt: xtime.PtrFromMillis(s.LastActivityAt),
		EndedAt: xtime.PtrFromMillis(s.EndedAt), ActiveSeconds: s.ActiveMS / 1000,
	}
	if s.EndedAt != 0 {
		v.Status = conversation.SessionEnded
	}
	return v
}
