// Package openai is the ai.Provider for OpenAI and every server that speaks
// its Chat Completions API (Ollama, vLLM, LM Studio, ...), and an
// ai.Embedder for its embeddings API. It speaks the wire format itself, on
// net/http and encoding/json: POST /chat/completions, streamed as
// Server-Sent Events of chat.completion.chunk objects ending with
// "data: [DONE]" when "stream" is true, and POST /embeddings. (The official
// openai-go SDK did this before, at 37 MB of the release binary; see the
// README's "Release build".)
//
// Failed attempts are retried as the SDK retried them: 408, 409, 429, 5xx
// and network failures, with backoff, honouring Retry-After (see
// internal/aihttp). This package bounds each call with Config.Timeout and
// turns failures into xerr kinds (see ai.UpstreamError). The API key is sent
// to the server, as "Authorization: Bearer", and nowhere else: it is never
// part of an error or a log line.
package openai

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/aihttp"
	"github.com/xentree/xentree/internal/sse"
	"github.com/xentree/xentree/internal/xerr"
)

// Defaults of Config.
const (
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultModel      = "gpt-4o-mini"
	DefaultID         = "openai"
	DefaultName       = "OpenAI"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 2
)

// Config configures a Provider. Only APIKey is needed for OpenAI itself.
type Config struct {
	// APIKey authenticates with the server; local servers such as Ollama
	// need none. The process environment is never consulted.
	APIKey string
	// BaseURL is the API root, DefaultBaseURL when empty. Any
	// OpenAI-compatible server works, e.g. http://localhost:11434/v1 (Ollama).
	BaseURL string
	// Model is used when a request names none; DefaultModel when empty.
	Model string
	// Models are the models clients may ask for. Empty accepts any name, as
	// compatible servers host whatever their operator pulled.
	Models []string
	// ID is the provider id in requests, DefaultID when empty; set it to run
	// several compatible servers side by side ("ollama", "vllm").
	ID string
	// Name is the human name, DefaultName when empty.
	Name string
	// Timeout bounds a Generate call, retries included, and, for Stream, the
	// wait for each piece, so that a long answer that keeps arriving is not
	// cut off. DefaultTimeout when zero.
	Timeout time.Duration
	// MaxRetries is how often a 429, 5xx or network failure is retried;
	// DefaultMaxRetries when zero, none when negative.
	MaxRetries int
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
}

// Provider talks to an OpenAI-compatible server.
type Provider struct {
	ai.Identity
	client  *aihttp.Client
	timeout time.Duration
	apiKey  string // also to scrub it from upstream text
	// legacyMaxTokens sends max_tokens rather than max_completion_tokens; see New.
	legacyMaxTokens bool
}

var _ ai.Provider = (*Provider)(nil)

var errIncomplete = errors.New("openai: stream ended without a finish_reason")

// New returns a Provider for cfg. It does not contact the server.
func New(cfg Config) (*Provider, error) {
	p := &Provider{
		Identity: ai.NewIdentity(cmp.Or(cfg.ID, DefaultID), cmp.Or(cfg.Name, DefaultName), cmp.Or(cfg.Model, DefaultModel), cfg.Models),
		timeout:  cfg.Timeout,
		apiKey:   cfg.APIKey,
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	base, u, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	// OpenAI deprecated max_tokens and rejects it for its reasoning models,
	// while compatible servers (Ollama, LM Studio, older vLLM) only know
	// max_tokens. So only OpenAI's own API gets max_completion_tokens.
	p.legacyMaxTokens = u.Hostname() != "api.openai.com"

	if p.client, err = newClient(base, p.apiKey, cfg.MaxRetries, cfg.HTTPClient); err != nil {
		return nil, err
	}
	return p, nil
}

// checkBaseURL returns base, or DefaultBaseURL when empty, if it is an
// http(s) URL.
func checkBaseURL(base string) (string, *url.URL, error) {
	base = cmp.Or(base, DefaultBaseURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, xerr.Newf(xerr.Invalid, "openai: base URL %q is not an http(s) URL", base)
	}
	return base, u, nil
}

// newClient is a client that sends only what its arguments say: the
// process environment (OPENAI_API_KEY, OPENAI_ORG_ID, ...) is never read,
// so no ambient key or organization reaches another server.
// retries: DefaultMaxRetries when zero, none when negative.
func newClient(base, apiKey string, retries int, hc *http.Client) (*aihttp.Client, error) {
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	h := http.Header{"User-Agent": {"xentree"}}
	if apiKey != "" {
		h.Set("Authorization", "Bearer "+apiKey)
	}
	return aihttp.New(aihttp.Config{BaseURL: base, Header: h, MaxRetries: retries, HTTPClient: hc})
}

// The Chat Completions wire format, as far as this package uses it.
type (
	chatRequest struct {
		Model               string         `json:"model"`
		Messages            []ai.Message   `json:"messages"`
		MaxTokens           int            `json:"max_tokens,omitempty"`
		MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
		Stream              bool           `json:"stream,omitempty"`
		StreamOptions       *streamOptions `json:"stream_options,omitempty"`
	}
	streamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	}
	// chatCompletion is a chat.completion object, or a
	// chat.completion.chunk of a stream, whose choices carry a delta
	// rather than a message.
	chatCompletion struct {
		Model   string `json:"model"`
		Choices []struct {
			Message      chatContent `json:"message"`
			Delta        chatContent `json:"delta"`
			FinishReason string      `json:"finish_reason"`
		} `json:"choices"`
		Usage *chatUsage `json:"usage"` // null or absent but in a stream's last chunk
		// Error is set on an error event inside a stream.
		Error json.RawMessage `json:"error"`
	}
	chatContent struct {
		Content string `json:"content"`
	}
	chatUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
)

// Generate answers req in one response.
func (p *Provider) Generate(ctx context.Context, req ai.Request) (ai.Response, error) {
	body, err := p.body(req)
	if err != nil {
		return ai.Response{}, err
	}
	call, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var c chatCompletion
	if err := p.client.PostJSON(call, "/chat/completions", body, &c); err != nil {
		return ai.Response{}, p.fail(ctx, call, err)
	}
	resp := ai.Response{Model: cmp.Or(c.Model, body.Model), Usage: usage(c.Usage)}
	if len(c.Choices) > 0 {
		resp.Content = c.Choices[0].Message.Content
	}
	return resp, nil
}

// Stream answers req, handing fn each piece as it arrives. It asks for the
// usage chunk OpenAI sends last (stream_options.include_usage).
func (p *Provider) Stream(ctx context.Context, req ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	body, err := p.body(req)
	if err != nil {
		return ai.Response{}, err
	}
	body.Stream = true
	body.StreamOptions = &streamOptions{IncludeUsage: true}
	return ai.StreamUpstream(ctx, p.timeout, fn, p.upstream(), ai.Response{Model: body.Model},
		func(call context.Context) (io.ReadCloser, error) {
			return p.client.PostStream(call, "/chat/completions", body)
		}, readStream)
}

// readStream relays the chunks of a streamed answer from r, noting the
// model and usage in resp. It ends without error only at "data: [DONE]"
// after a chunk with a finish_reason.
func readStream(r io.Reader, relay *ai.Relay, resp *ai.Response) error {
	finished := false
	for ev, err := range sse.NewReader(r, sse.MaxLine).All() {
		if err != nil {
			return err
		}
		if bytes.HasPrefix(ev.Data, []byte("[DONE]")) {
			break
		}
		if err := relay.Event(); err != nil {
			return err
		}
		var chunk chatCompletion
		if err := aihttp.Decode(ev.Data, &chunk); err != nil {
			return err
		}
		if len(chunk.Error) > 0 && string(chunk.Error) != "null" {
			e := aihttp.ParseError(0, nil, ev.Data)
			e.InStream = true
			return e
		}
		if chunk.Model != "" {
			resp.Model = chunk.Model
		}
		if chunk.Usage != nil {
			resp.Usage = usage(chunk.Usage)
		}
		if len(chunk.Choices) > 0 {
			finished = finished || chunk.Choices[0].FinishReason != ""
			if err := relay.Piece(chunk.Choices[0].Delta.Content); err != nil {
				return err
			}
		}
		relay.Waiting()
	}
	// Every compatible server marks a complete answer with a
	// finish_reason, so its absence means the answer was cut short, even
	// when the connection closed cleanly.
	if !finished {
		return errIncomplete
	}
	return nil
}

// body builds the Chat Completions request for req.
func (p *Provider) body(req ai.Request) (chatRequest, error) {
	if err := ai.ValidModel(p, req.Model); err != nil {
		return chatRequest{}, err
	}
	msgs := make([]ai.Message, 0, len(req.Messages)+1)
	if sys := ai.SystemPrompt(req); sys != "" {
		msgs = append(msgs, ai.Message{Role: ai.RoleSystem, Content: sys})
	}
	for _, m := range req.Messages {
		switch m.Role {
		case ai.RoleAssistant, ai.RoleSystem:
		default:
			m.Role = ai.RoleUser
		}
		msgs = append(msgs, m)
	}
	body := chatRequest{Model: cmp.Or(req.Model, p.DefaultModel()), Messages: msgs}
	if req.MaxTokens > 0 {
		if p.legacyMaxTokens {
			body.MaxTokens = req.MaxTokens
		} else {
			body.MaxCompletionTokens = req.MaxTokens
		}
	}
	return body, nil
}

// fail classifies err; ctx is the caller's context, call the one the request ran in.
func (p *Provider) fail(ctx, call context.Context, err error) error {
	return ai.CallError(ctx, call, p.timeout, err, p.upstream())
}

// upstream describes the provider for failures.
func (p *Provider) upstream() ai.Upstream { return ai.Upstream{Provider: p.Name(), Secret: p.apiKey} }

func usage(u *chatUsage) *ai.Usage {
	if u == nil {
		return nil
	}
	return &ai.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}
