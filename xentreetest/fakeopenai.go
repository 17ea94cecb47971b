package xentreetest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/xentree/xentree/ai"
)

// FakeOpenAI is an OpenAI Chat Completions server for tests. It serves
// POST /v1/chat/completions, so a provider's base URL is URL()+"/v1":
// chat.completion JSON, or, for "stream": true, "data:" lines of
// chat.completion.chunk objects ending with a usage chunk (when
// stream_options.include_usage is set) and "data: [DONE]". It also serves
// POST /v1/embeddings with deterministic vectors (see SetEmbeddingSynonyms);
// failures queued with FailNext apply to either route.
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

// DefaultFakeEmbeddingDimensions is the length of the fake's vectors when a
// request asks for none.
const DefaultFakeEmbeddingDimensions = 256

// SetEmbeddingSynonyms makes each group of words embed as one feature, so
// that texts sharing no word but a group come out close: a stand-in for
// meaning. Without it a word is its own feature. Words are matched in lower
// case.
//
// The fake's embeddings (POST /v1/embeddings, OpenAI's response shape,
// "float" or "base64" encoding) are deterministic: each word of a text
// (letters and digits, lower-cased) adds 1 to the dimension its feature
// hashes to (FNV-1a modulo the length: the request's "dimensions", else
// DefaultFakeEmbeddingDimensions), and the vector is scaled to unit length,
// as OpenAI's are. Usage counts words as tokens.
func (f *FakeOpenAI) SetEmbeddingSynonyms(groups ...[]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.synonyms = map[string]string{}
	for _, g := range groups {
		for _, w := range g {
			f.synonyms[strings.ToLower(w)] = "\x00" + strings.ToLower(g[0])
		}
	}
}

func (openAIWire) embeddingsPath() string { return "/v1/embeddings" }

func (openAIWire) parseEmbeddings(r *FakeRequest) {
	r.Model, _ = r.Body["model"].(string)
	switch in := r.Body["input"].(type) {
	case string:
		r.Input = []string{in}
	case []any:
		for _, x := range in {
			switch x := x.(type) {
			case string:
				r.Input = append(r.Input, x)
			default: // token ids: their numbers stand for words
				b, _ := json.Marshal(x)
				r.Input = append(r.Input, strings.Trim(strings.ReplaceAll(string(b), ",", " "), "[]"))
			}
		}
	}
}

func (openAIWire) embeddings(r FakeRequest, feature func(string) string) any {
	dims := number(r.Body, "dimensions")
	if dims <= 0 {
		dims = DefaultFakeEmbeddingDimensions
	}
	b64 := r.Body["encoding_format"] == "base64"
	data := make([]any, len(r.Input))
	words := 0
	for i, text := range r.Input {
		v := fakeVector(text, dims, feature)
		words += countWords(text)
		var emb any = v
		if b64 {
			buf := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(float32(x)))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
	}
	model := r.Model
	if model == "" {
		model = "fake-embedding-model"
	}
	return map[string]any{"object": "list", "data": data, "model": model,
		"usage": map[string]any{"prompt_tokens": words, "total_tokens": words}}
}

// fakeVector is the fake's embedding of text: a hashed bag of features.
func fakeVector(text string, dims int, feature func(string) string) []float64 {
	v := make([]float64, dims)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		h := fnv.New32a()
		h.Write([]byte(feature(w)))
		v[h.Sum32()%uint32(dims)]++
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= norm
		}
	}
	return v
}
