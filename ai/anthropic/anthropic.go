// Package anthropic is the ai.Provider for Anthropic's Messages API. It
// speaks the wire format itself, on net/http and encoding/json: POST
// /v1/messages with the x-api-key and anthropic-version headers, streamed as
// the Server-Sent Events message_start, content_block_delta,
// message_delta, message_stop (and ping, error) when "stream" is true. (The
// official anthropic-sdk-go SDK did this before, at 23 MB of the release
// binary; see the README's "Release build".)
//
// Failed attempts are retried as the SDK retried them: 408, 409, 429, 5xx
// (529, overloaded, included) and network failures, with backoff, honouring
// Retry-After (see internal/aihttp). This package bounds each call with
// Config.Timeout and turns failures into xerr kinds (see ai.UpstreamError),
// including an error event in the middle of a stream. The API key is sent
// to Anthropic and nowhere else: it is never part of an error or a log line.
package anthropic

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/aihttp"
	"github.com/xentree/xentree/internal/sse"
	"github.com/xentree/xentree/internal/xerr"
)

// Defaults of Config.
const (
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultModel is the current Sonnet: the balance of quality, speed
	// and price a learning assistant wants.
	DefaultModel      = "claude-sonnet-5-5"
	DefaultID         = "anthropic"
	DefaultName       = "Anthropic"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 2
	// DefaultMaxTokens is sent when a request sets no limit, because the
	// Messages API requires one.
	DefaultMaxTokens = 1024
	// APIVersion is the anthropic-version header: the API version whose
	// wire format this package speaks, the one anthropic-sdk-go v2.15.0 sent.
	APIVersion = "2026-10-21"
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
	client    *aihttp.Client
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
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	// Config alone says what is sent: no ANTHROPIC_* variable, no profile
	// file is read.
	h := http.Header{"User-Agent": {"xentree"}, "X-Api-Key": {p.apiKey}, "Anthropic-Version": {APIVersion}}
	c, err := aihttp.New(aihttp.Config{BaseURL: base, Header: h, MaxRetries: retries, HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, xerr.Newf(xerr.Invalid, "anthropic: base URL %q is not an http(s) URL", base)
	}
	p.client = c
	return p, nil
}

// The Messages API wire format, as far as this package uses it.
type (
	messageRequest struct {
		Model     string      `json:"model"`
		MaxTokens int         `json:"max_tokens"`
		Messages  []message   `json:"messages"`
		System    []textBlock `json:"system,omitempty"`
		Stream    bool        `json:"stream,omitempty"`
	}
	message struct {
		Role    string      `json:"role"`
		Content []textBlock `json:"content"`
	}
	textBlock struct {
		Type string `json:"type"` // "text"
		Text string `json:"text"`
	}
	// messageResponse is a message, also as message_start carries it.
	messageResponse struct {
		Model   string      `json:"model"`
		Content []textBlock `json:"content"`
		Usage   usageCounts `json:"usage"`
	}
	// usageCounts are a message's token counts; in message_delta, only
	// those that changed are present.
	usageCounts struct {
		InputTokens              *int64 `json:"input_tokens"`
		CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
		OutputTokens             *int64 `json:"output_tokens"`
	}
	// streamEvent is any event of a stream; which fields are set depends
	// on Type.
	streamEvent struct {
		Type    string          `json:"type"`
		Message messageResponse `json:"message"` // message_start
		Delta   textBlock       `json:"delta"`   // content_block_delta: type "text_delta"
		Usage   usageCounts     `json:"usage"`   // message_delta
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
	var msg messageResponse
	if err := p.client.PostJSON(call, "/v1/messages", body, &msg); err != nil {
		return ai.Response{}, p.fail(ctx, call, err)
	}
	var content strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			content.WriteString(b.Text)
		}
	}
	var t tokens
	t.add(msg.Usage)
	return ai.Response{Content: content.String(), Model: cmp.Or(msg.Model, body.Model), Usage: t.usage()}, nil
}

// tokens are the counts of a message, its prompt in three parts.
type tokens struct{ input, cacheWrite, cacheRead, output int64 }

// add takes the counts u has; each is a total, not an increment.
func (t *tokens) add(u usageCounts) {
	for _, f := range []struct {
		from *int64
		to   *int64
	}{{u.InputTokens, &t.input}, {u.CacheCreationInputTokens, &t.cacheWrite}, {u.CacheReadInputTokens, &t.cacheRead}, {u.OutputTokens, &t.output}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
}

// usage builds ai.Usage. Anthropic counts cached prompt tokens apart from
// input_tokens; they are added in, as they are prompt all the same.
func (t tokens) usage() *ai.Usage {
	prompt := t.input + t.cacheWrite + t.cacheRead
	return &ai.Usage{PromptTokens: int(prompt), CompletionTokens: int(t.output), TotalTokens: int(prompt + t.output)}
}

// Stream answers req, handing fn each text_delta as it arrives.
func (p *Provider) Stream(ctx context.Context, req ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	body, err := p.body(req)
	if err != nil {
		return ai.Response{}, err
	}
	body.Stream = true
	return ai.StreamUpstream(ctx, p.timeout, fn, p.upstream(), ai.Response{Model: body.Model},
		func(call context.Context) (io.ReadCloser, error) {
			return p.client.PostStream(call, "/v1/messages", body)
		}, readStream)
}

// readStream relays the text deltas of a streamed message from r, noting
// the model and, once the message is complete, its usage in resp. It ends
// without error only at the end of the stream after message_stop.
func readStream(r io.Reader, relay *ai.Relay, resp *ai.Response) error {
	var t tokens
	stopped := false
	for sv, err := range sse.NewReader(r, sse.MaxLine).All() {
		if err != nil {
			return err
		}
		// As in the SDK: pings and unnamed events are skipped (and do not
		// count as the server's activity), an error event ends the stream.
		switch sv.Type {
		case "ping", "message":
			continue
		case "error":
			e := aihttp.ParseError(0, nil, sv.Data)
			e.Status, e.InStream = errorStatus[e.Type], true // 0, so Unavailable, for a type we do not know
			return e
		}
		if err := relay.Event(); err != nil {
			return err
		}
		var ev streamEvent
		if err := aihttp.Decode(sv.Data, &ev); err != nil {
			return err
		}
		switch ev.Type {
		case "message_start":
			if ev.Message.Model != "" {
				resp.Model = ev.Message.Model
			}
			t = tokens{}
			t.add(ev.Message.Usage)
		case "message_delta":
			// Its counts are cumulative totals, each sent only when it changed.
			t.add(ev.Usage)
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" {
				if err := relay.Piece(ev.Delta.Text); err != nil {
					return err
				}
			}
		case "message_stop":
			stopped = true
		}
		relay.Waiting()
	}
	// A connection closed cleanly before message_stop ends the stream
	// without an error, yet the answer is cut short.
	if !stopped {
		return errIncomplete
	}
	resp.Usage = t.usage()
	return nil
}

// body builds the Messages API request for req.
func (p *Provider) body(req ai.Request) (messageRequest, error) {
	if err := ai.ValidModel(p, req.Model); err != nil {
		return messageRequest{}, err
	}
	system := []string{ai.SystemPrompt(req)}
	msgs := make([]message, 0, len(req.Messages))
	for _, m := range req.Messages {
		// The API rejects empty text blocks, and an empty turn says nothing.
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		switch m.Role {
		case ai.RoleAssistant:
		case ai.RoleSystem:
			// The Messages API has no system turns, only the system param.
			system = append(system, m.Content)
			continue
		default:
			m.Role = ai.RoleUser
		}
		msgs = append(msgs, message{Role: m.Role, Content: []textBlock{{Type: "text", Text: m.Content}}})
	}
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = p.maxTokens
	}
	body := messageRequest{Model: cmp.Or(req.Model, p.DefaultModel()), MaxTokens: maxTokens, Messages: msgs}
	if s := strings.TrimSpace(strings.Join(system, "\n\n")); s != "" {
		body.System = []textBlock{{Type: "text", Text: s}}
	}
	return body, nil
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

// fail classifies err; ctx is the caller's context, call the one the request ran in.
func (p *Provider) fail(ctx, call context.Context, err error) error {
	return ai.CallError(ctx, call, p.timeout, err, p.upstream())
}

// upstream describes the provider for failures.
func (p *Provider) upstream() ai.Upstream { return ai.Upstream{Provider: p.Name(), Secret: p.apiKey} }
