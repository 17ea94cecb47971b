package openai_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/ai/openai"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xentreetest"
)

func newEmbedder(t *testing.T, fake *xentreetest.FakeOpenAI, edit func(*openai.EmbeddingsConfig)) *openai.Embedder {
	t.Helper()
	cfg := openai.EmbeddingsConfig{APIKey: apiKey, BaseURL: fake.URL() + "/v1", Model: "text-embedding-3-small"}
	if edit != nil {
		edit(&cfg)
	}
	e, err := openai.NewEmbedder(cfg)
	if err != nil {
		t.Fatalf("NewEmbedder: %v", err)
	}
	return e
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// The embeddings request is OpenAI's: model, the texts as an array,
// dimensions when set, float encoding, the key as a bearer token; texts go
// in batches and come back in order.
func TestEmbedWireFormat(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	fake.SetEmbeddingSynonyms([]string{"car", "automobile"})
	e := newEmbedder(t, fake, func(c *openai.EmbeddingsConfig) { c.Dimensions = 32; c.Batch = 2 })
	var _ ai.Embedder = e
	if got, want := e.Model(), "text-embedding-3-small@32"; got != want {
		t.Errorf("Model() = %q, want %q", got, want)
	}
	texts := []string{"car engine", "Automobile ENGINE!", "glaciers carve valleys"}
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) != 32 {
		t.Fatalf("got %d vectors of length %d, want 3 of 32", len(vs), len(vs[0]))
	}
	if c := cosine(vs[0], vs[1]); c < 0.999 {
		t.Errorf("cosine(car engine, automobile engine) = %.3f, want 1 (synonyms)", c)
	}
	if c := cosine(vs[0], vs[2]); c > 0.5 {
		t.Errorf("cosine(car engine, glaciers) = %.3f, want low", c)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2 (batches of 2)", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/embeddings" || r.Model != "text-embedding-3-small" || r.Body["dimensions"] != float64(32) ||
		r.Body["encoding_format"] != "float" || strings.Join(r.Input, "|") != "car engine|Automobile ENGINE!" {
		t.Errorf("request = %s %+v", r.Path, r.Body)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+apiKey {
		t.Errorf("Authorization = %q", got)
	}
	if got := reqs[1].Input; len(got) != 1 || got[0] != texts[2] {
		t.Errorf("second batch = %q", got)
	}
	if m := newEmbedder(t, fake, nil).Model(); m != "text-embedding-3-small" {
		t.Errorf("Model() without dimensions = %q", m)
	}
}

// Failures are reported as providers report them: retried 429s succeed,
// a refused key is Unavailable without the key in the error.
func TestEmbedFailures(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	e := newEmbedder(t, fake, nil)
	fake.FailNext(xentreetest.FailRateLimit, xentreetest.FailServerError)
	if _, err := e.Embed(context.Background(), []string{"retried"}); err != nil {
		t.Errorf("after a 429 and a 500: %v", err)
	}
	fake.FailNext(xentreetest.FailUnauthorized)
	_, err := e.Embed(context.Background(), []string{"refused"})
	if xerr.KindOf(err) != xerr.Unavailable || xerr.CodeOf(err) != ai.CodeProviderMisconfigured {
		t.Errorf("401: %v (kind %v), want Unavailable %s", err, xerr.KindOf(err), ai.CodeProviderMisconfigured)
	}
	checkNoKey(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"cancelled"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNewEmbedderChecksConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  openai.EmbeddingsConfig
	}{
		{"no model", openai.EmbeddingsConfig{}},
		{"bad URL", openai.EmbeddingsConfig{Model: "m", BaseURL: "ftp://x"}},
		{"negative dimensions", openai.EmbeddingsConfig{Model: "m", Dimensions: -1}},
		{"huge batch", openai.EmbeddingsConfig{Model: "m", Batch: 5000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := openai.NewEmbedder(tc.cfg); xerr.KindOf(err) != xerr.Invalid {
				t.Errorf("err = %v, want Invalid", err)
			}
		})
	}
}

// A vector with a value that is not a number is refused, not read as zero.
func TestEmbedMistypedVector(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.6,"0.8"]}]}`))
	}))
	defer srv.Close()
	e, err := openai.NewEmbedder(openai.EmbeddingsConfig{Model: "m", BaseURL: srv.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if vs, err := e.Embed(context.Background(), []string{"x"}); xerr.KindOf(err) != xerr.Unavailable {
		t.Errorf("Embed = %v, %v, want Unavailable", vs, err)
	}
}
