// Package anthropic is the ai.Provider for Anthropic's Messages API, built on
// the official anthropic-sdk-go SDK.
//
// The SDK retries 429, 5xx and 529 (overloaded) answers with backoff,
// honouring Retry-After; this package bounds each call with Config.Timeout
// and turns failures into xerr kinds (see ai.UpstreamError), including an
// error event in the middle of a stream. The API key is sent to Anthropic and
// nowhere else: it is never part of an error or a log line.
package anthropic

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/xerr"
)

// Defaults of Config.
const (
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultModel is the SDK's current Sonnet: the balance of quality,
	// speed and price a learning assistant wants.
	DefaultModel      = sdk.ModelClaudeSonnet5_5
	DefaultID         = "anthropic"
	DefaultName       = "Anthropic"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 2
	// DefaultMaxTokens is sent when a request sets no limit, because the
	// Messages API requires one.
	DefaultMaxTokens = 1024
)

// Config configures a Provider. Only APIKey is needed.
type Config struct {
	// APIKey authenticates with Anthropic; New fails without it. The process
	// environment is never consulted.
	APIKey string
	// BaseURL is the API root, DefaultBaseURL when empty (a gateway or a
	// test server).
	BaseURL string
	// Model is used when a request names none; DefaultModel when empty.
	Model string
	// Models are the models clients may ask for. Empty accepts any name.
	Models []string
	// ID is the provider id in requests, DefaultID when empty.
	ID string
	// Name is the human name, DefaultName when empty.
	Name string
	// Timeout bounds a Generate call, retries included, and, for Stream, the
	// wait for each event, so that a long answer that keeps arriving is not
	// cut off. DefaultTimeout when zero.
	Timeout time.Duration
	// MaxRetries is how often a 429, 5xx, 529 or network failure is retried;
	// DefaultMaxRetries when zero, none when negative.
	MaxRetries int
	// MaxTokens limits answers of requests that set no limit;
	// DefaultMaxTokens when zero.
	MaxTokens int
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
}

// Provider talks to Anthropic.
type Provider struct {
	ai.Identity
	client    sdk.Client
	timeout   time.Duration
	maxTokens int
	apiKey    string // also to scrub it from upstream text
}

var _ ai.Provider = (*Provider)(nil)

var errIncomplete = errors.New("anthropic: stream ended before message_stop")

// New returns a Provider for cfg. It does not contact Anthropic.
func New(cfg Config) (*Provider, error) {
	p := &Provider{
		Identity:  ai.NewIdentity(cmp.Or(cfg.ID, DefaultID), cmp.Or(cfg.Name, DefaultName), cmp.Or(cfg.Model, DefaultModel), cfg.Models),
		timeout:   cfg.Timeout,
		maxTokens: cfg.MaxTokens,
		apiKey:    cfg.APIKey,
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.maxTokens <= 0 {
		p.maxTokens = DefaultMaxTokens
	}
	if p.apiKey == "" {
		return nil, xerr.New(xerr.Invalid, "anthropic: no API key: set Config.APIKey")
	}
	base := cmp.Or(cfg.BaseURL, DefaultBaseURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, xerr.Newf(xerr.Invalid, "anthropic: base URL %q is not an http(s) URL", base)
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	opts := []option.RequestOption{
		// The SDK would otherwise also look for credentials in profile files
		// and take ANTHROPIC_BASE_URL; an embedded engine is configured by
		// its Config alone.
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(base),
		option.WithAPIKey(p.apiKey),
		option.WithMaxRetries(retries),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	p.client = sdk.NewClient(opts...)
	return p, nil
}

// Generate answers req in one response.
func (p *Provider) Generate(ctx context.Context, req ai.Request) (ai.Response, error) {
	params, err := p.params(req)
	if err != nil {
		return ai.Response{}, err
	}
	call, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// An explicit request timeout stops the SDK from refusing large
	// max_tokens without streaming; call's deadline is the one that counts.
	msg, err := p.client.Messages.New(call, params, option.WithRequestTimeout(p.timeout))
	if err != nil {
		return ai.Response{}, p.fail(ctx, call, err)
	}
	var content strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			content.WriteString(b.Text)
		}
	}
	return ai.Response{
		Content: content.String(),
		Model:   cmp.Or(string(msg.Model), string(params.Model)),
		Usage:   usage(msg.Usage.InputTokens+msg.Usage.CacheCreationInputTokens+msg.Usage.CacheReadInputTokens, msg.Usage.OutputTokens),
	}, nil
}

// Stream answers req, handing fn each text_delta as it arrives.
func (p *Provider) Stream(ctx context.Context, req ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	params, err := p.params(req)
	if err != nil {
		return ai.Response{}, err
	}
	call, relay, stop := ai.NewRelay(ctx, p.timeout, fn)
	defer stop()
	resp := ai.Response{Model: string(params.Model)}
	var input, cacheWrite, cacheRead, output int64
	stopped := false
	stream := p.client.Messages.NewStreaming(call, params)
	defer stream.Close()
	for stream.Next() {
		if err := relay.Event(); err != nil {
			resp.Content = relay.Content()
			return resp, p.fail(ctx, call, err)
		}
		ev := stream.Current()
		switch ev.Type {
		case "message_start":
			if ev.Message.Model != "" {
				resp.Model = string(ev.Message.Model)
			}
			u := ev.Message.Usage
			input, cacheWrite, cacheRead, output = u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, u.OutputTokens
		case "message_delta":
			// Its counts are cumulative totals, each sent only when it changed.
			u := ev.Usage
			if u.JSON.InputTokens.Valid() {
				input = u.InputTokens
			}
			if u.JSON.CacheCreationInputTokens.Valid() {
				cacheWrite = u.CacheCreationInputTokens
			}
			if u.JSON.CacheReadInputTokens.Valid() {
				cacheRead = u.CacheReadInputTokens
			}
			if u.JSON.OutputTokens.Valid() {
				output = u.OutputTokens
			}
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" {
				if err := relay.Piece(ev.Delta.Text); err != nil {
					resp.Content = relay.Content()
					return resp, err
				}
			}
		case "message_stop":
			stopped = true
		}
		relay.Waiting()
	}
	resp.Content = relay.Content()
	if err := stream.Err(); err != nil {
		return resp, p.fail(ctx, call, err)
	}
	// A connection closed cleanly before message_stop ends the SDK's stream
	// without an error, yet the answer is cut short.
	if !stopped {
		return resp, p.fail(ctx, call, errIncomplete)
	}
	resp.Usage = usage(input+cacheWrite+cacheRead, output)
	return resp, nil
}

// params builds the Messages API request for req.
func (p *Provider) params(req ai.Request) (sdk.MessageNewParams, error) {
	if err := ai.ValidModel(p, req.Model); err != nil {
		return sdk.MessageNewParams{}, err
	}
	system := []string{ai.SystemPrompt(req)}
	msgs := make([]sdk.MessageParam, 0, len(req.Messages))
	for _, m := range req.Messages {
		// The API rejects empty text blocks, and an empty turn says nothing.
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		switch m.Role {
		case ai.RoleAssistant:
			msgs = append(msgs, sdk.NewAssistantMessage(sdk.NewTextBlock(m.Content)))
		case ai.RoleSystem:
			// The Messages API has no system turns, only the system param.
			system = append(system, m.Content)
		default:
			msgs = append(msgs, sdk.NewUserMessage(sdk.NewTextBlock(m.Content)))
		}
	}
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = p.maxTokens
	}
	params := sdk.MessageNewParams{
		Model:     cmp.Or(req.Model, p.DefaultModel()),
		MaxTokens: int64(maxTokens),
		Messages:  msgs,
	}
	if s := strings.TrimSpace(strings.Join(system, "\n\n")); s != "" {
		params.System = []sdk.TextBlockParam{{Text: s}}
	}
	return params, nil
}

// errorStatus is the HTTP status Anthropic uses for each error type, for
// error events inside a stream, which arrive on a 200 response.
var errorStatus = map[string]int{
	"invalid_request_error": http.StatusBadRequest,
	"authentication_error":  http.StatusUnauthorized,
	"billing_error":         http.StatusPaymentRequired,
	"permission_error":      http.StatusForbidden,
	"not_found_error":       http.StatusNotFound,
	"request_too_large":     http.StatusRequestEntityTooLarge,
	"rate_limit_error":      http.StatusTooManyRequests,
	"api_error":             http.StatusInternalServerError,
	"timeout_error":         http.StatusGatewayTimeout,
	"overloaded_error":      529,
}

// fail classifies err; ctx is the caller's context, call the one the SDK ran in.
func (p *Provider) fail(ctx, call context.Context, err error) error {
	u := ai.Upstream{Provider: p.Name(), Secret: p.apiKey, Cause: err}
	var apiErr *sdk.Error
	switch {
	case call.Err() != nil && ctx.Err() == nil:
		u.TimedOut = true
		u.Cause = errors.New("no answer within " + p.timeout.String())
	case errors.As(err, &apiErr):
		u.Status = apiErr.StatusCode
		typ := string(apiErr.Type())
		// The SDK's error text carries the raw upstream body and URL; keep
		// what an operator needs.
		u.Cause = fmt.Errorf("anthropic: upstream status %d %s: %s", apiErr.StatusCode, typ, apiErr.Message)
		if apiErr.StatusCode < 400 {
			u.Status = errorStatus[typ] // 0, so Unavailable, for a type we do not know
			u.Cause = fmt.Errorf("anthropic: error event mid-stream %s: %s", typ, apiErr.Message)
		} else if apiErr.Response != nil {
			u.Header = apiErr.Response.Header
		}
	}
	return ai.UpstreamError(ctx, u)
}

// usage builds ai.Usage. Anthropic counts cached prompt tokens apart from
// input_tokens; callers add them in, as they are prompt all the same.
func usage(prompt, completion int64) *ai.Usage {
	return &ai.Usage{
		PromptTokens:     int(prompt),
		CompletionTokens: int(completion),
		TotalTokens:      int(prompt + completion),
	}
}
