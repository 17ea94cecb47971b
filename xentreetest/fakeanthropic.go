package xentreetest

import (
	"testing"

	"github.com/xentree/xentree/ai"
)

// FakeAnthropic is an Anthropic Messages API server for tests. It serves
// POST /v1/messages, so a provider's base URL is URL(): message JSON, or,
// for "stream": true, the named events message_start, content_block_start,
// ping, content_block_delta (text_delta), content_block_stop, message_delta
// (with usage) and message_stop.
//
//	fake := xentreetest.NewFakeAnthropic(t)
//	fake.FailNext(xentreetest.FailStreamError) // an overloaded_error mid-stream
//	p, _ := anthropic.New(anthropic.Config{APIKey: "sk-ant-test", BaseURL: fake.URL()})
type FakeAnthropic struct {
	*FakeAI
}

// NewFakeAnthropic starts a FakeAnthropic that stops when the test ends.
func NewFakeAnthropic(t testing.TB) *FakeAnthropic {
	t.Helper()
	return &FakeAnthropic{newFakeAI(t, anthropicWire{})}
}

type anthropicWire struct{}

func (anthropicWire) path() string { return "/v1/messages" }

func (anthropicWire) parse(r *FakeRequest) {
	r.Model, _ = r.Body["model"].(string)
	r.Stream, _ = r.Body["stream"].(bool)
	r.MaxTokens = number(r.Body, "max_tokens")
	r.System = text(r.Body["system"])
	msgs, _ := r.Body["messages"].([]any)
	for _, m := range msgs {
		m, _ := m.(map[string]any)
		role, _ := m["role"].(string)
		r.Messages = append(r.Messages, ai.Message{Role: role, Content: text(m["content"])})
	}
}

func (anthropicWire) errorBody(f Failure, msg string) any {
	typ := "invalid_request_error"
	switch f {
	case FailRateLimit:
		typ = "rate_limit_error"
	case FailServerError:
		typ = "api_error"
	case FailUnauthorized:
		typ = "authentication_error"
	}
	return errorEvent(typ, msg)
}

func errorEvent(typ, msg string) map[string]any {
	return map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}}
}

func (anthropicWire) message(x exchange) any {
	return map[string]any{
		"id":            "msg_fake_" + x.id,
		"type":          "message",
		"role":          "assistant",
		"model":         x.model(),
		"content":       []any{map[string]any{"type": "text", "text": x.reply}},
		"stop_reason":   "end_turn",
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": x.prompt, "output_tokens": x.completion},
	}
}

func (anthropicWire) streamStart(s sse, x exchange) {
	s.send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id":            "msg_fake_" + x.id,
		"type":          "message",
		"role":          "assistant",
		"model":         x.model(),
		"content":       []any{},
		"stop_reason":   nil,
		"stop_sequence": nil,
		// Anthropic counts the first output token at the start.
		"usage": map[string]any{"input_tokens": x.prompt, "output_tokens": 1},
	}})
	s.send("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	s.send("ping", map[string]any{"type": "ping"})
}

func (anthropicWire) streamPiece(s sse, _ exchange, piece string) {
	s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
		"delta": map[string]any{"type": "text_delta", "text": piece}})
}

func (anthropicWire) streamEnd(s sse, x exchange) {
	s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	s.send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": x.completion}})
	s.send("message_stop", map[string]any{"type": "message_stop"})
}

// streamError is what Anthropic sends when it is overloaded mid-stream.
func (anthropicWire) streamError(s sse, _ exchange) {
	s.send("error", errorEvent("overloaded_error", "Overloaded"))
}
