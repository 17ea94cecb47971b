package xentree

import (
	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/ai/anthropic"
	"github.com/xentree/xentree/ai/local"
	"github.com/xentree/xentree/ai/openai"
)

// OpenAIConfig configures the OpenAI-compatible provider (OpenAI, Ollama,
// vLLM, LM Studio: set BaseURL). See package ai/openai for defaults.
type OpenAIConfig = openai.Config

// AnthropicConfig configures the Anthropic provider. See package ai/anthropic.
type AnthropicConfig = anthropic.Config

// EmbeddingsConfig configures the embeddings API of hybrid knowledge search
// (OpenAI or any compatible server). See package ai/openai.
type EmbeddingsConfig = openai.EmbeddingsConfig

// newEmbedder returns the configured embedder, or nil when embeddings are
// off (no model).
func newEmbedder(c AIConfig) (ai.Embedder, error) {
	if c.Embeddings.Model == "" {
		return nil, nil
	}
	return openai.NewEmbedder(c.Embeddings)
}

// newRouter builds the provider router: the offline provider always, the
// remote ones when configured, then the embedder's own.
func newRouter(c AIConfig) (*ai.Router, error) {
	ps := []ai.Provider{local.New()}
	auto := local.ID
	if c.Anthropic.APIKey != "" {
		p, err := anthropic.New(c.Anthropic)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		auto = p.ID()
	}
	if c.OpenAI.APIKey != "" || c.OpenAI.BaseURL != "" {
		p, err := openai.New(c.OpenAI)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		auto = p.ID()
	}
	ps = append(ps, c.Providers...)
	def := c.Default
	if def == "" || def == ai.Auto {
		def = auto
	}
	return ai.NewRouter(def, ps...)
}
