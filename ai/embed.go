package ai

import "context"

// Embedder turns texts into vectors whose cosine similarity stands for
// closeness of meaning, for semantic search. ai/openai implements it for
// any server that speaks OpenAI's embeddings API.
type Embedder interface {
	// Model names the vectors: vectors of different models (or sizes) are
	// never compared, and a change of Model means every text is embedded
	// again.
	Model() string
	// Embed returns one vector per text, in order, all of one length. It
	// reports failures as xerr kinds, as providers do (see UpstreamError).
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
