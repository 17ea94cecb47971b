package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
)

func (a *api) conversationRoutes() []route {
	const tag = "Conversations"
	return []route{
		{Method: "GET", Path: "/api/core/providers", Summary: "List available AI providers", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: xentree.ProvidersResponse{}, Handle: a.providers},
		{Method: "POST", Path: "/api/core/chat", Summary: "Generate an AI response (SSE when stream is true or Accept is text/event-stream)", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 200, Request: conversation.ChatRequest{}, Response: conversation.ChatResponse{}, Stream: true, Handle: a.chat,
			Headers: map[string]string{
				"Idempotency-Key": "the exchange's idempotency key when the body has no idempotency_key: a retry with the same key and message appends nothing and answers with the stored exchange",
				"Last-Event-ID":   "sent by SSE clients when they reconnect: the id of the last event seen, which is the exchange's idempotency key; used when neither the body nor Idempotency-Key has one",
			}},
		{Method: "GET", Path: "/api/core/conversations", Summary: "List conversations for the current user, most recently updated first", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: listOf{conversation.Conversation{}}, Query: pageParams, Handle: paged(noArg, func(ctx context.Context, u xentree.User, _ string, p xentree.Page) (xentree.List[conversation.Conversation], error) {
				return a.eng.ListConversations(ctx, u, p)
			})},
		{Method: "POST", Path: "/api/core/conversations", Summary: "Create a conversation", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 201, Request: conversation.CreateRequest{}, Response: conversation.Conversation{}, Handle: withBody(201, true, a.eng.CreateConversation)},
		{Method: "GET", Path: "/api/core/conversations/{conversation_id}", Summary: "Get one conversation (ours: not in the seed's contract)", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: conversation.Conversation{}, Handle: reply(func(r *http.Request, u xentree.User) (conversation.Conversation, error) {
				return a.eng.GetConversation(r.Context(), u, r.PathValue("conversation_id"))
			})},
		{Method: "DELETE", Path: "/api/core/conversations/{conversation_id}", Summary: "Delete a conversation with its messages and sessions", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 204, Handle: a.deleteConversation},
		{Method: "GET", Path: "/api/core/conversations/{conversation_id}/messages", Summary: "Get messages for a conversation, oldest first", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: listOf{conversation.Message{}}, Query: pageParams, Handle: paged(pathValue("conversation_id"), a.eng.ListMessages)},
		{Method: "GET", Path: "/api/core/search", Summary: "Search indexed user content", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: conversation.SearchResponse{},
			Query: []string{"q", "types", "limit", "offset"}, Required: []string{"q"}, Handle: a.search},
		{Method: "GET", Path: "/api/core/search/status", Summary: "Search index status (admins)", Tag: tag,
			Auth: bearer, Scope: "api:admin", Admin: true, Status: 200, Response: conversation.SearchStatus{}, Handle: a.searchStatus},
		{Method: "POST", Path: "/api/core/search/reindex", Summary: "Rebuild the search index from the store in the background (admins)", Tag: tag,
			Auth: bearer, Scope: "api:admin", Admin: true, Status: 202, Response: map[string]string{}, Handle: a.reindex},
		{Method: "POST", Path: "/api/core/conversations/{conversation_id}/session/start", Summary: "Start a learning session (returns the active one if any)", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 201, Response: conversation.Session{}, Handle: a.sessionOp(a.eng.StartConversationSession, 201)},
		{Method: "POST", Path: "/api/core/conversations/{conversation_id}/session/activity", Summary: "Record learning activity", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 200, Response: conversation.Session{}, Handle: a.sessionOp(a.eng.RecordConversationActivity, 200)},
		{Method: "POST", Path: "/api/core/conversations/{conversation_id}/session/end", Summary: "End the learning session", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 200, Response: conversation.Session{}, Handle: a.sessionOp(a.eng.EndConversationSession, 200)},
		{Method: "GET", Path: "/api/core/conversations/{conversation_id}/session/status", Summary: "Learning session status ({status: none} if never started)", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: conversation.Session{}, Handle: a.sessionOp(a.eng.ConversationSessionStatus, 200)},
		{Method: "GET", Path: "/api/core/notes", Summary: "List notes, most recently updated first", Tag: tag,
			Auth: bearer, Scope: "conversations:read", Status: 200, Response: listOf{conversation.Note{}},
			Query: append([]string{"conversation_id"}, pageParams...), Handle: paged(func(r *http.Request) string { return r.URL.Query().Get("conversation_id") }, a.eng.ListNotes)},
		{Method: "POST", Path: "/api/core/notes", Summary: "Create a note", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 201, Request: conversation.NoteCreateRequest{}, Response: conversation.Note{}, Handle: withBody(201, false, a.eng.CreateNote)},
		{Method: "PUT", Path: "/api/core/notes/{note_id}", Summary: "Update a note", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 200, Request: conversation.NoteUpdateRequest{}, Response: conversation.Note{}, Handle: a.updateNote},
		{Method: "DELETE", Path: "/api/core/notes/{note_id}", Summary: "Delete a note", Tag: tag,
			Auth: bearer, Scope: "conversations:write", Status: 204, Handle: a.deleteNote},
	}
}

var pageParams = []string{"limit", "cursor"}

// noArg is the arg reader of lists that take nothing but the page.
func noArg(*http.Request) string { return "" }

// pageOf reads limit and cursor from the query string.
func pageOf(r *http.Request) (xentree.Page, error) {
	q := r.URL.Query()
	p := xentree.Page{Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, xerr.InvalidField("limit", "must be an integer")
		}
		if n == 0 {
			return p, xerr.InvalidField("limit", "must be at least 1")
		}
		p.Limit = n
	}
	return p, nil
}

func (a *api) providers(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	writeJSON(w, http.StatusOK, a.eng.ListProviders(r.Context(), u))
	return nil
}

func (a *api) deleteConversation(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	if err := a.eng.DeleteConversation(r.Context(), u, r.PathValue("conversation_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) search(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	q := r.URL.Query()
	req := conversation.SearchRequest{Query: q.Get("q")}
	if t := q.Get("types"); t != "" {
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				req.Types = append(req.Types, s)
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"limit", &req.Limit}, {"offset", &req.Offset}} {
		if s := q.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return xerr.InvalidField(f.name, "must be an integer")
			}
			*f.dst = n
		}
	}
	res, err := a.eng.Search(r.Context(), u, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *api) searchStatus(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	st, err := a.eng.SearchStatus(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (a *api) reindex(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	if err := a.eng.Reindex(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "started"})
	return nil
}

func (a *api) sessionOp(op func(ctx context.Context, u xentree.User, id string) (conversation.Session, error), status int) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		s, err := op(r.Context(), u, r.PathValue("conversation_id"))
		if err != nil {
			return err
		}
		writeJSON(w, status, s)
		return nil
	}
}

func (a *api) updateNote(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	var req conversation.NoteUpdateRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return err
	}
	n, err := a.eng.UpdateNote(r.Context(), u, r.PathValue("note_id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (a *api) deleteNote(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	if err := a.eng.DeleteNote(r.Context(), u, r.PathValue("note_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chat answers with JSON, or streams Server-Sent Events: "delta" events with
// {"content": piece}, then one "done" event carrying the ChatResponse (or an
// "error" event with the error envelope if it fails after streaming began).
func (a *api) chat(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	var req conversation.ChatRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return err
	}
	// A retry names the exchange it repeats: by the body's key, the usual
	// Idempotency-Key header, or, for an SSE client reconnecting by itself,
	// the Last-Event-ID it last saw (every event's id is the key).
	for _, h := range []string{"Idempotency-Key", "Last-Event-ID"} {
		if req.IdempotencyKey == "" {
			req.IdempotencyKey = strings.TrimSpace(r.Header.Get(h))
		}
	}
	sse := req.Stream || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	if sse && req.IdempotencyKey == "" && req.ConversationID != "" {
		// So that a reconnect, which sends the id back, replays instead of
		// appending the exchange again.
		req.IdempotencyKey = ids.New()
	}
	if !sse {
		resp, err := a.eng.Chat(r.Context(), u, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
	rc := http.NewResponseController(w)
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("X-Accel-Buffering", "no") // proxies must not buffer the stream
		w.WriteHeader(http.StatusOK)
	}
	id := ""
	if req.ConversationID != "" {
		id = req.IdempotencyKey
	}
	resp, err := a.eng.ChatStream(r.Context(), u, req, func(delta string) error {
		start()
		if err := writeEvent(w, id, "delta", map[string]string{"content": delta}); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && !started {
		return err
	}
	start()
	if err != nil {
		_, body := a.errorBody(r, err)
		_ = writeEvent(w, id, "error", body)
	} else {
		_ = writeEvent(w, id, "done", resp)
	}
	_ = rc.Flush()
	return nil
}

// writeEvent writes one SSE event; id, when not empty, is its id line.
func writeEvent(w http.ResponseWriter, id, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(b)+len(id)+len(event)+24)
	if id != "" {
		buf = append(buf, "id: "...)
		buf = append(buf, id...)
		buf = append(buf, '\n')
	}
	buf = append(buf, "event: "...)
	buf = append(buf, event...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, b...)
	buf = append(buf, "\n\n"...)
	_, err = w.Write(buf)
	return err
}
