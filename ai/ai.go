// Package ai is Xentree's seam to language models: a Provider interface,
// the request and response types every provider speaks, and a Router that
// resolves "auto" and explicit provider ids.
//
// Implementations: ai/local (offline, deterministic, the default and what
// tests use), ai/openai (any OpenAI-compatible server) and ai/anthropic.
// Providers report failures as xerr kinds: a provider that is down, slow or
// misconfigured is Unavailable, an upstream rate limit after retries is
// RateLimited, and a cancelled context comes back as the context's error.
package ai

import (
	"context"
	"sort"

	"github.com/xentree/xentree/internal/xerr"
)

// Roles of a message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Passage is retrieved knowledge handed to a provider to ground its answer.
// Providers cite passages by their 1-based position, as [1], [2], ...
type Passage struct {
	DocumentID string
	ChunkID    string
	Title      string
	Text       string
}

// Request is one generation.
type Request struct {
	System    string    // instructions; may be empty
	Messages  []Message // the conversation, oldest first; the last is the user's turn
	Language  string    // the user's language tag ("en", "de", "pt-BR"), a hint
	Model     string    // "" for the provider's default
	MaxTokens int       // 0 for the provider's default
	Passages  []Passage // knowledge to answer from, if any
}

// LastUser returns the content of the last user message.
func (r Request) LastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == RoleUser {
			return r.Messages[i].Content
		}
	}
	return ""
}

// Usage counts tokens as the provider reports them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Response is a finished generation.
type Response struct {
	Content string
	Model   string
	Usage   *Usage // nil when the provider did not report it
}

// Delta is one streamed piece of content.
type Delta struct {
	Content string
}

// Provider generates text.
type Provider interface {
	ID() string           // stable id used in requests: "local", "openai", "anthropic"
	Name() string         // human name
	Models() []string     // models a client may ask for
	DefaultModel() string // used when Request.Model is empty
	Generate(ctx context.Context, req Request) (Response, error)
	// Stream calls fn with each piece of content as it arrives and returns the
	// whole response. If fn returns an error the stream stops with it. On
	// failure mid-stream the returned Response holds what arrived so far.
	Stream(ctx context.Context, req Request, fn func(Delta) error) (Response, error)
}

// Info describes a provider for clients.
type Info struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Models       []string `json:"models"`
	DefaultModel string   `json:"default_model"`
	Available    bool     `json:"available"`
}

// ProvidersResponse lists the AI providers a client may choose; "auto"
// picks Default. It is what GET /api/core/providers answers.
type ProvidersResponse struct {
	Default   string `json:"default"`
	Providers []Info `json:"providers"`
}

// Auto asks the router for the configured default provider.
const Auto = "auto"

// Router resolves provider ids.
type Router struct {
	byID map[string]Provider
	ids  []string
	def  string
}

// NewRouter returns a router over ps whose "auto" is def (which must be one
// of ps).
func NewRouter(def string, ps ...Provider) (*Router, error) {
	r := &Router{byID: map[string]Provider{}, def: def}
	for _, p := range ps {
		if _, dup := r.byID[p.ID()]; dup {
			return nil, xerr.Newf(xerr.Invalid, "ai: provider %q configured twice", p.ID())
		}
		r.byID[p.ID()] = p
		r.ids = append(r.ids, p.ID())
	}
	if _, ok := r.byID[def]; !ok {
		return nil, xerr.Newf(xerr.Invalid, "ai: default provider %q is not configured", def)
	}
	sort.Strings(r.ids)
	return r, nil
}

// Resolve returns the provider for id ("" and "auto" mean the default).
func (r *Router) Resolve(id string) (Provider, error) {
	if id == "" || id == Auto {
		id = r.def
	}
	p, ok := r.byID[id]
	if !ok {
		return nil, &xerr.Error{Kind: xerr.Invalid, Field: "provider", Code: "unknown_provider",
			Message: "unknown provider " + quote(id) + "; see GET /api/core/providers"}
	}
	return p, nil
}

// Default is the id "auto" resolves to.
func (r *Router) Default() string { return r.def }

// List describes every provider, sorted by id.
func (r *Router) List() []Info {
	out := make([]Info, 0, len(r.ids))
	for _, id := range r.ids {
		p := r.byID[id]
		out = append(out, Info{ID: id, Name: p.Name(), Models: p.Models(), DefaultModel: p.DefaultModel(), Available: true})
	}
	return out
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// ValidModel checks that model is "" or one the provider offers. Providers
// that accept any model name (an OpenAI-compatible server) list none.
func ValidModel(p Provider, model string) error {
	if model == "" || len(p.Models()) == 0 {
		if len(model) > 200 {
			return xerr.InvalidField("model", "must be at most 200 characters")
		}
		return nil
	}
	for _, m := range p.Models() {
		if m == model {
			return nil
		}
	}
	return xerr.InvalidField("model", "is not offered by provider "+quote(p.ID()))
}
