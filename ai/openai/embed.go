package openai

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/aihttp"
	"github.com/xentree/xentree/internal/xerr"
)

// DefaultEmbeddingsBatch is how many texts EmbeddingsConfig.Batch sends in
// one request by default.
const DefaultEmbeddingsBatch = 64

// EmbeddingsConfig configures an Embedder: OpenAI's POST /embeddings, or any
// server that speaks it (Ollama, vLLM, LM Studio, ...). Only Model is
// needed for OpenAI itself (with APIKey); the rest have defaults.
type EmbeddingsConfig struct {
	// Model is the embedding model, e.g. "text-embedding-3-small" or, on
	// Ollama, "nomic-embed-text". Required: without it there is no Embedder.
	Model string
	// BaseURL is the API root, DefaultBaseURL when empty.
	BaseURL string
	// APIKey authenticates with the server; local servers need none. The
	// process environment is never consulted.
	APIKey string
	// Dimensions asks for vectors of this length (OpenAI's text-embedding-3
	// models can shorten theirs); 0 takes the model's own length. Shorter
	// vectors cost less to store and to search.
	Dimensions int
	// Batch is how many texts one request carries; DefaultEmbeddingsBatch
	// when zero.
	Batch int
	// Timeout bounds one request, retries included; DefaultTimeout when zero.
	Timeout time.Duration
	// MaxRetries is how often a 429, 5xx or network failure is retried;
	// DefaultMaxRetries when zero, none when negative.
	MaxRetries int
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
}

// Embedder embeds texts through an OpenAI-compatible embeddings API.
type Embedder struct {
	client  *aihttp.Client
	model   string
	dims    int
	batch   int
	timeout time.Duration
	apiKey  string
	name    string
}

var _ ai.Embedder = (*Embedder)(nil)

// NewEmbedder returns an Embedder for cfg. It does not contact the server.
func NewEmbedder(cfg EmbeddingsConfig) (*Embedder, error) {
	if cfg.Model == "" {
		return nil, xerr.New(xerr.Invalid, "openai: an embeddings model is required")
	}
	if cfg.Dimensions < 0 {
		return nil, xerr.New(xerr.Invalid, "openai: embeddings dimensions must not be negative")
	}
	base, u, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	e := &Embedder{model: cfg.Model, dims: cfg.Dimensions, batch: cmp.Or(cfg.Batch, DefaultEmbeddingsBatch),
		timeout: cmp.Or(cfg.Timeout, DefaultTimeout), apiKey: cfg.APIKey, name: "embeddings at " + u.Host}
	if e.batch < 1 || e.batch > 2048 {
		return nil, xerr.New(xerr.Invalid, "openai: embeddings batch must be between 1 and 2048")
	}
	if e.client, err = newClient(base, cfg.APIKey, cfg.MaxRetries, cfg.HTTPClient); err != nil {
		return nil, err
	}
	return e, nil
}

// Model is the model, with the requested length when one is set
// ("text-embedding-3-small@256"), so that vectors of other lengths are
// never compared with these.
func (e *Embedder) Model() string {
	if e.dims > 0 {
		return e.model + "@" + strconv.Itoa(e.dims)
	}
	return e.model
}

// Embed embeds texts, Batch at a time.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for from := 0; from < len(texts); from += e.batch {
		vs, err := e.embed(ctx, texts[from:min(from+e.batch, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// The embeddings wire format, as far as this package uses it.
type (
	embeddingsRequest struct {
		Model          string   `json:"model"`
		Input          []string `json:"input"`
		EncodingFormat string   `json:"encoding_format"`
		Dimensions     int      `json:"dimensions,omitempty"`
	}
	embeddingsResponse struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
)

func (e *Embedder) embed(ctx context.Context, texts []string) ([][]float32, error) {
	body := embeddingsRequest{Model: e.model, Input: texts, EncodingFormat: "float", Dimensions: e.dims}
	call, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var res embeddingsResponse
	err := e.post(call, body, &res)
	if err == nil {
		var out [][]float32
		if out, err = e.vectors(res, len(texts)); err == nil {
			return out, nil
		}
	}
	return nil, ai.CallError(ctx, call, e.timeout, err, ai.Upstream{Provider: e.name, Secret: e.apiKey})
}

// post sends one embeddings request. Its answer is decoded strictly, unlike
// a chat answer's: a number of the wrong type would corrupt a vector
// silently.
func (e *Embedder) post(ctx context.Context, body embeddingsRequest, res *embeddingsResponse) error {
	r, err := e.client.Post(ctx, "/embeddings", "application/json", body)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(res); err != nil {
		return fmt.Errorf("openai: decoding the embeddings: %w", err)
	}
	return nil
}

// vectors checks an embeddings answer for n texts and puts its vectors in
// the texts' order.
func (e *Embedder) vectors(res embeddingsResponse, n int) ([][]float32, error) {
	if len(res.Data) != n {
		return nil, fmt.Errorf("openai: %d embeddings for %d texts", len(res.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range res.Data {
		i := d.Index
		if i < 0 || i >= len(out) || out[i] != nil || len(d.Embedding) == 0 || (e.dims > 0 && len(d.Embedding) != e.dims) {
			return nil, fmt.Errorf("openai: embedding %d of %d malformed (length %d)", i, n, len(d.Embedding))
		}
		out[i] = d.Embedding
	}
	for _, v := range out[min(1, n):] {
		if len(v) != len(out[0]) {
			return nil, fmt.Errorf("openai: embeddings of different lengths")
		}
	}
	return out, nil
}
