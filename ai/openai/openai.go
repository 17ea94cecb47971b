// Package openai is the ai.Provider for OpenAI and every server that speaks
// its Chat Completions API (Ollama, vLLM, LM Studio, ...), built on the
// official openai-go SDK.
//
// The SDK retries 429 and 5xx answers with backoff, honouring Retry-After;
// this package bounds each call with Config.Timeout and turns failures into
// xerr kinds (see ai.UpstreamError). The API key is sent to the server and
// nowhere else: it is never part of an error or a log line.
package openai

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/xentree/xentree/ai"
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
	// HTTPClient sends the requests; the SDK's default client when nil.
	HTTPClient *http.Client
}

// Provider talks to an OpenAI-compatible server.
type Provider struct {
	ai.Identity
	client  sdk.Client
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

	p.client = newClient(base, p.apiKey, cfg.MaxRetries, cfg.HTTPClient)
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

// newClient is an SDK client that sends only what its arguments say.
// retries: DefaultMaxRetries when zero, none when negative.
func newClient(base, apiKey string, retries int, hc *http.Client) sdk.Client {
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithMaxRetries(retries),
	}
	// Only Config decides what is sent: the SDK's defaults read OPENAI_*
	// variables, whose key or organization must never reach another server.
	opts = append(opts, option.WithAPIKey(apiKey),
		option.WithHeaderDel("OpenAI-Organization"), option.WithHeaderDel("OpenAI-Project"))
	if apiKey == "" {
		opts = append(opts, option.WithHeaderDel("Authorization"))
	}
	if hc != nil {
		opts = append(opts, option.WithHTTPClient(hc))
	}
	return sdk.NewClient(opts...)
}

// Generate answers req in one response.
func (p *Provider) Generate(ctx context.Context, req ai.Request) (ai.Response, error) {
	params, err := p.params(req)
	if err != nil {
		return ai.Response{}, err
	}
	call, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c, err := p.client.Chat.Completions.New(call, params)
	if err != nil {
		return ai.Response{}, p.fail(ctx, call, err)
	}
	resp := ai.Response{Model: cmp.Or(c.Model, string(params.Model))}
	if len(c.Choices) > 0 {
		resp.Content = c.Choices[0].Message.Content
	}
	if c.JSON.Usage.Valid() {
		resp.Usage = usage(c.Usage)
	}
	return resp, nil
}

// Stream answers req, handing fn each piece as it arrives. It asks for the
// usage chunk OpenAI sends last (stream_options.include_usage).
func (p *Provider) Stream(ctx context.Context, req ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	params, err := p.params(req)
	if err != nil {
		return ai.Response{}, err
	}
	params.StreamOptions = sdk.ChatCompletionStreamOptionsParam{IncludeUsage: sdk.Bool(true)}

	call, relay, stop := ai.NewRelay(ctx, p.timeout, fn)
	defer stop()
	resp := ai.Response{Model: string(params.Model)}
	finished := false
	stream := p.client.Chat.Completions.NewStreaming(call, params)
	defer stream.Close()
	for stream.Next() {
		if err := relay.Event(); err != nil {
			resp.Content = relay.Content()
			return resp, p.fail(ctx, call, err)
		}
		chunk := stream.Current()
		if chunk.Model != "" {
			resp.Model = chunk.Model
		}
		if chunk.JSON.Usage.Valid() {
			resp.Usage = usage(chunk.Usage)
		}
		if len(chunk.Choices) > 0 {
			finished = finished || chunk.Choices[0].FinishReason != ""
			if err := relay.Piece(chunk.Choices[0].Delta.Content); err != nil {
				resp.Content = relay.Content()
				return resp, err
			}
		}
		relay.Waiting()
	}
	resp.Content = relay.Content()
	if err := stream.Err(); err != nil {
		return resp, p.fail(ctx, call, err)
	}
	// The SDK ends a stream quietly when the connection closes cleanly
	// without [DONE]; every compatible server marks a complete answer with a
	// finish_reason, so its absence means the answer was cut short.
	if !finished {
		return resp, p.fail(ctx, call, errIncomplete)
	}
	return resp, nil
}

// params builds the Chat Completions request for req.
func (p *Provider) params(req ai.Request) (sdk.ChatCompletionNewParams, error) {
	if err := ai.ValidModel(p, req.Model); err != nil {
		return sdk.ChatCompletionNewParams{}, err
	}
	msgs := make([]sdk.ChatCompletionMessageParamUnion, 0, len(req.Messages)+1)
	if sys := ai.SystemPrompt(req); sys != "" {
		msgs = append(msgs, sdk.SystemMessage(sys))
	}
	for _, m := range req.Messages {
		switch m.Role {
		case ai.RoleAssistant:
			msgs = append(msgs, sdk.AssistantMessage(m.Content))
		case ai.RoleSystem:
			msgs = append(msgs, sdk.SystemMessage(m.Content))
		default:
			msgs = append(msgs, sdk.UserMessage(m.Content))
		}
	}
	params := sdk.ChatCompletionNewParams{
		Model:    cmp.Or(req.Model, p.DefaultModel()),
		Messages: msgs,
	}
	if req.MaxTokens > 0 {
		if p.legacyMaxTokens {
			params.MaxTokens = sdk.Int(int64(req.MaxTokens))
		} else {
			params.MaxCompletionTokens = sdk.Int(int64(req.MaxTokens))
		}
	}
	return params, nil
}

// fail classifies err; ctx is the caller's context, call the one the SDK ran in.
func (p *Provider) fail(ctx, call context.Context, err error) error {
	return failure(ctx, call, err, p.Name(), p.apiKey, p.timeout)
}

// failure classifies an SDK error for a server named name, called with
// secret under timeout.
func failure(ctx, call context.Context, err error, name, secret string, timeout time.Duration) error {
	u := ai.Upstream{Provider: name, Secret: secret, Cause: err}
	var apiErr *sdk.Error
	switch {
	case call.Err() != nil && ctx.Err() == nil:
		u.TimedOut = true
		u.Cause = errors.New("no answer within " + timeout.String())
	case errors.As(err, &apiErr):
		u.Status = apiErr.StatusCode
		if apiErr.Response != nil {
			u.Header = apiErr.Response.Header
		}
		// The SDK's error text is only the status; an operator reading the
		// log wants the upstream's reason too.
		u.Cause = fmt.Errorf("openai: upstream status %d %s: %s", apiErr.StatusCode, apiErr.Type, apiErr.Message)
	}
	return ai.UpstreamError(ctx, u)
}

func usage(u sdk.CompletionUsage) *ai.Usage {
	return &ai.Usage{
		PromptTokens:     int(u.PromptTokens),
		CompletionTokens: int(u.CompletionTokens),
		TotalTokens:      int(u.TotalTokens),
	}
}
