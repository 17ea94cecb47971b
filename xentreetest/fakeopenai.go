package xentreetest

import (
	"testing"

	"github.com/xentree/xentree/ai"
)

// FakeOpenAI is an OpenAI Chat Completions server for tests. It serves
// POST /v1/chat/completions, so a provider's base URL is URL()+"/v1":
// chat.completion JSON, or, for "stream": true, "data:" lines of
// chat.completion.chunk objects ending with a usage chunk (when
// stream_options.include_usage is set) and "data: [DONE]".
//
//	fake := xentreetest.NewFakeOpenAI(t)
//	fake.FailNext(xentreetest.FailRateLimit)
//	p, _ := openai.New(openai.Config{APIKey: "sk-test", BaseURL: fake.URL() + "/v1"})
type FakeOpenAI struct {
	*FakeAI
}

// NewFakeOpenAI starts a FakeOpenAI that stops when the test ends.
func NewFakeOpenAI(t testing.TB) *FakeOpenAI {
	t.Helper()
	return &FakeOpenAI{newFakeAI(t, openAIWire{})}
}

type openAIWire struct{}

func (openAIWire) path() string { return "/v1/chat/completions" }

func (openAIWire) parse(r *FakeRequest) {
	r.Model, _ = r.Body["model"].(string)
	r.Stream, _ = r.Body["stream"].(bool)
	r.MaxTokens = max(number(r.Body, "max_tokens"), number(r.Body, "max_completion_tokens"))
	msgs, _ := r.Body["messages"].([]any)
	for _, m := range msgs {
		m, _ := m.(map[string]any)
		role, _ := m["role"].(string)
		content := text(m["content"])
		if role == "system" || role == "developer" {
			if r.System != "" {
				r.System += "\n\n"
			}
			r.System += content
			continue
		}
		r.Messages = append(r.Messages, ai.Message{Role: role, Content: content})
	}
}

func (openAIWire) errorBody(f Failure, msg string) any {
	typ, code := "invalid_request_error", any(nil)
	switch f {
	case FailRateLimit:
		typ, code = "requests", "rate_limit_exceeded"
	case FailServerError:
		typ = "server_error"
	case FailUnauthorized:
		code = "invalid_api_key"
	}
	return map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}}
}

func (openAIWire) message(x exchange) any {
	return map[string]any{
		"id":      "chatcmpl-fake-" + x.id,
		"object":  "chat.completion",
		"created": Start.Unix(),
		"model":   x.model(),
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": x.reply, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": "stop",
		}},
		"usage": openAIUsage(x),
	}
}

func (w openAIWire) streamStart(s sse, x exchange) {
	s.send("", w.chunk(x, map[string]any{"role": "assistant", "content": ""}, nil))
}

func (w openAIWire) streamPiece(s sse, x exchange, piece string) {
	s.send("", w.chunk(x, map[string]any{"content": piece}, nil))
}

func (w openAIWire) streamEnd(s sse, x exchange) {
	s.send("", w.chunk(x, map[string]any{}, "stop"))
	if includeUsage(x.req) {
		c := w.chunk(x, nil, nil)
		c["choices"] = []any{}
		c["usage"] = openAIUsage(x)
		s.send("", c)
	}
	s.send("", []byte("[DONE]"))
}

// streamError is what OpenAI sends when it fails after the stream began.
func (openAIWire) streamError(s sse, x exchange) {
	s.send("", map[string]any{"error": map[string]any{
		"message": "The server had an error while processing your request. Sorry about that!",
		"type":    "server_error", "param": nil, "code": nil,
	}})
}

func (openAIWire) chunk(x exchange, delta map[string]any, finish any) map[string]any {
	c := map[string]any{
		"id":      "chatcmpl-fake-" + x.id,
		"object":  "chat.completion.chunk",
		"created": Start.Unix(),
		"model":   x.model(),
		"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
	}
	// With include_usage OpenAI sends "usage": null on every chunk but the last.
	if includeUsage(x.req) {
		c["usage"] = nil
	}
	return c
}

func includeUsage(r FakeRequest) bool {
	opts, _ := r.Body["stream_options"].(map[string]any)
	b, _ := opts["include_usage"].(bool)
	return b
}

func openAIUsage(x exchange) map[string]any {
	return map[string]any{
		"prompt_tokens":     x.prompt,
		"completion_tokens": x.completion,
		"total_tokens":      x.prompt + x.completion,
	}
}
