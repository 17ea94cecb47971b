package xentree

import (
	"context"
	"errors"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/ai/local"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// systemPrompt frames every conversation.
const systemPrompt = "You are Xentree, a patient learning assistant. Answer clearly and concisely, " +
	"check understanding with a short follow-up question when it helps, and say so when you are not sure."

// ProvidersResponse lists the AI providers a client may choose:
// ai.ProvidersResponse.
type ProvidersResponse = ai.ProvidersResponse

// ListProviders describes the configured AI providers; "auto" picks Default.
func (e *Engine) ListProviders(ctx context.Context, user User) ProvidersResponse {
	return ProvidersResponse{Default: ai.Auto, Providers: e.ai.List()}
}

// Chat generates an answer. With ConversationID the user's message and the
// answer are stored in that conversation and its stored history is the
// context; otherwise ConversationHistory is. Every call counts against
// Config.ChatRateLimit for the user, as does every ChatStream.
func (e *Engine) Chat(ctx context.Context, user User, req conversation.ChatRequest) (conversation.ChatResponse, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.ChatResponse{}, err
	}
	return e.chat(ctx, user, req, nil)
}

// ChatStream is Chat that hands each piece of the answer to fn as it
// arrives. If the caller goes away (ctx cancelled, or fn fails), generation
// stops and the partial answer is stored marked incomplete.
func (e *Engine) ChatStream(ctx context.Context, user User, req conversation.ChatRequest, fn func(delta string) error) (conversation.ChatResponse, error) {
	if err := user.Allow(auth.ScopeConversationsWrite); err != nil {
		return conversation.ChatResponse{}, err
	}
	if fn == nil {
		fn = func(string) error { return nil }
	}
	return e.chat(ctx, user, req, fn)
}

func (e *Engine) chat(ctx context.Context, user User, req conversation.ChatRequest, fn func(string) error) (conversation.ChatResponse, error) {
	// Grounding reads the knowledge base: a key needs the scope that
	// knowledge search needs, or it could read documents through chat.
	if req.UseKnowledge {
		if err := user.Allow(auth.ScopeRAGRead); err != nil {
			return conversation.ChatResponse{}, err
		}
	}
	if wait := e.chatByUser.Take(ctx, user.ID); wait > 0 {
		return conversation.ChatResponse{}, errTooManyRequests(wait)
	}
	if err := req.Validate(e.convLimits()); err != nil {
		return conversation.ChatResponse{}, err
	}
	p, err := e.ai.Resolve(req.Provider)
	if err != nil {
		return conversation.ChatResponse{}, err
	}
	if err := ai.ValidModel(p, req.Model); err != nil {
		return conversation.ChatResponse{}, err
	}
	aiReq := ai.Request{System: systemPrompt, Language: req.UserLanguage, Model: req.Model}
	convID := req.ConversationID
	if convID != "" {
		if !ids.Valid(convID) {
			return conversation.ChatResponse{}, errConversationNotFound
		}
		var history []conversation.Message
		var done *store.Exchange
		err := e.db.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.ConversationGet(ctx, user.ID, convID); err != nil {
				return notFoundAs(err, errConversationNotFound)
			}
			if req.IdempotencyKey != "" {
				x, err := tx.ExchangeGet(ctx, convID, req.IdempotencyKey)
				if err == nil {
					done = &x
					return nil
				}
				if !xerr.Is(err, xerr.NotFound) {
					return err
				}
			}
			var err error
			history, err = tx.MessageRecent(ctx, convID, e.cfg.AI.MaxHistory)
			return err
		})
		if err != nil {
			return conversation.ChatResponse{}, err
		}
		if done != nil {
			return replayExchange(req, *done, fn)
		}
		for _, m := range history {
			aiReq.Messages = append(aiReq.Messages, ai.Message{Role: m.Role, Content: m.Content})
		}
	} else {
		for _, h := range req.ConversationHistory {
			aiReq.Messages = append(aiReq.Messages, ai.Message{Role: h.Role, Content: h.Content})
		}
	}
	aiReq.Messages = trimHistory(aiReq.Messages, e.cfg.AI.ContextTokens)
	aiReq.Messages = append(aiReq.Messages, ai.Message{Role: ai.RoleUser, Content: req.Message})
	var cites []conversation.Citation
	// The offline provider has nothing to answer from but what it is
	// handed, so it always gets the knowledge base's passages when the
	// caller may read them (the contract: its answers are grounded in the
	// user's own knowledge base). Unasked, it is best effort: finding
	// nothing, or a search that fails (no index, too busy), leaves the
	// answer as it would be without.
	switch {
	case req.UseKnowledge:
		if aiReq.Passages, cites, err = e.groundChat(ctx, user, req.Message); err != nil {
			return conversation.ChatResponse{}, err
		}
	case p.ID() == local.ID && e.ix != nil && user.Allow(auth.ScopeRAGRead) == nil:
		if aiReq.Passages, cites, err = e.groundChat(ctx, user, req.Message); err != nil {
			e.log.WarnContext(ctx, "offline chat: knowledge search failed, answering without it", "err", err)
			aiReq.Passages, cites, err = nil, nil, nil
		}
	}

	var resp ai.Response
	// stopped is fn's own error: the caller stopped the stream (an SSE
	// client gone, say), which is neither the provider's failure nor
	// reported as one.
	var stopped error
	relay := func(s string) error {
		if err := fn(s); err != nil {
			stopped = err
			return err
		}
		return nil
	}
	switch {
	case req.UseKnowledge && len(aiReq.Passages) == 0:
		// Grounding was asked for and nothing was found: say so rather
		// than let a model answer from nowhere.
		resp.Content = nothingFound
		if fn != nil {
			err = relay(nothingFound)
		}
	default:
		if fn == nil {
			resp, err = p.Generate(ctx, aiReq)
		} else {
			resp, err = p.Stream(ctx, aiReq, func(d ai.Delta) error { return relay(d.Content) })
		}
		if err != nil && stopped == nil && ctx.Err() != nil {
			stopped = ctx.Err() // the caller went away: the call was cancelled, not failed
		}
		if stopped != nil {
			err = stopped
			e.pstats.add(p.ID(), nil, resp.Usage) // the provider answered until told to stop
		} else {
			e.pstats.add(p.ID(), err, resp.Usage)
		}
	}
	out := conversation.ChatResponse{Content: resp.Content, Provider: p.ID(), Model: resp.Model, ConversationID: convID}
	if len(cites) > 0 {
		out.Citations = citedOnly(resp.Content, cites)
	}
	if out.Model == "" {
		out.Model = modelOr(req.Model, p.DefaultModel())
	}
	if resp.Usage != nil {
		out.Usage = &conversation.Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens}
	}
	if err != nil {
		if resp.Content == "" || convID == "" {
			return out, streamError(err, stopped)
		}
		out.Incomplete = true
	}
	if convID != "" {
		// Stored even when the client has gone: the partial answer is part of
		// the conversation. A fresh, bounded context, since ctx may be cancelled.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// The question and its answer are stored together, so a provider
		// that fails outright leaves nothing behind and a retry is clean.
		q := conversation.Message{ID: ids.New(), ConversationID: convID, Role: ai.RoleUser, Content: req.Message}
		m := conversation.Message{ID: ids.New(), ConversationID: convID, Role: ai.RoleAssistant, Content: resp.Content,
			Provider: p.ID(), Model: out.Model, Incomplete: out.Incomplete, Citations: out.Citations}
		serr := e.db.Write(sctx, func(tx *store.Tx) error {
			if err := tx.MessageInsert(sctx, user.ID, &q, nil); err != nil {
				return err
			}
			if err := tx.OutboxIndex(sctx, conversation.TypeMessage, q.ID); err != nil {
				return err
			}
			if err := tx.MessageInsert(sctx, user.ID, &m, out.Usage); err != nil {
				return err
			}
			if err := tx.ConversationTouch(sctx, convID, 2); err != nil {
				return err
			}
			if req.IdempotencyKey != "" {
				if err := tx.ExchangeInsert(sctx, convID, req.IdempotencyKey, q.ID, m.ID); xerr.Is(err, xerr.Conflict) {
					return errKeyTaken
				} else if err != nil {
					return err
				}
			}
			return tx.OutboxIndex(sctx, conversation.TypeMessage, m.ID)
		})
		if serr == errKeyTaken {
			// A request with the same key (a retry that overlapped this
			// one) stored its exchange first: answer with that one, and
			// append nothing.
			var x store.Exchange
			if serr = e.db.Read(sctx, func(tx *store.Tx) (err error) {
				x, err = tx.ExchangeGet(sctx, convID, req.IdempotencyKey)
				return err
			}); serr == nil {
				return replayExchange(req, x, nil)
			}
		}
		if xerr.Is(serr, xerr.NotFound) {
			// The conversation was deleted while the answer was generated.
			serr = errConversationNotFound
		}
		if serr != nil {
			return out, serr
		}
		out.MessageID = m.ID
	}
	if err != nil {
		return out, streamError(err, stopped)
	}
	return out, nil
}

// streamError is a chat's failure: the caller's own stop (Unavailable, its
// cause kept: a write to a client that has gone is no server fault), or the
// provider's.
func streamError(err, stopped error) error {
	if stopped != nil {
		return xerr.Wrap(xerr.Unavailable, stopped, "the chat was stopped by its caller")
	}
	return providerError(err)
}

// errKeyTaken says an exchange with the request's idempotency key was
// stored while this one was generated.
var errKeyTaken = &xerr.Error{Kind: xerr.Conflict, Message: "idempotency key taken"}

// replayExchange answers a request whose idempotency key was used before
// in its conversation with the exchange stored then; nothing is appended.
// The key must come with the same message: reusing it for another is a
// Conflict, as the question it stands for cannot be both.
func replayExchange(req conversation.ChatRequest, x store.Exchange, fn func(string) error) (conversation.ChatResponse, error) {
	if x.Question.Content != req.Message {
		return conversation.ChatResponse{}, &xerr.Error{Kind: xerr.Conflict, Code: conversation.CodeIdempotencyKeyReused, Field: "idempotency_key",
			Message: "this idempotency key was used for another message in this conversation"}
	}
	a := x.Answer
	out := conversation.ChatResponse{Content: a.Content, Provider: a.Provider, Model: a.Model, Usage: x.Usage,
		ConversationID: a.ConversationID, MessageID: a.ID, Citations: a.Citations, Incomplete: a.Incomplete}
	if fn != nil && a.Content != "" {
		if err := fn(a.Content); err != nil {
			return out, streamError(err, err) // the caller stopped the replay, as a live stream says
		}
	}
	return out, nil
}

// providerError classifies what a provider returned: its own kinds pass,
// a cancelled caller is Unavailable, anything else is an unavailable provider.
func providerError(err error) error {
	if xerr.As(err) != nil {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return xerr.Wrap(xerr.Unavailable, err, "the request was cancelled before the answer was complete")
	}
	return &xerr.Error{Kind: xerr.Unavailable, Code: "provider_unavailable", Message: "the AI provider failed", Err: err}
}

func modelOr(m, def string) string {
	if m != "" {
		return m
	}
	return def
}

// trimHistory keeps the newest messages that fit in budget tokens.
func trimHistory(msgs []ai.Message, budget int) []ai.Message {
	total := 0
	for i := len(msgs) - 1; i >= 0; i-- {
		total += local.CountTokens(msgs[i].Content)
		if total > budget {
			return msgs[i+1:]
		}
	}
	return msgs
}
