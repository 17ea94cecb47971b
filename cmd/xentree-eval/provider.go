package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/xel"
)

// aiFromEnv configures the remote providers as `xentree serve` does
// (XENTREE_OPENAI_API_KEY, XENTREE_OPENAI_BASE_URL, XENTREE_OPENAI_MODEL,
// the same for ANTHROPIC, XENTREE_DEFAULT_PROVIDER), with OPENAI_API_KEY
// and ANTHROPIC_API_KEY accepted for the keys.
func aiFromEnv() xentree.AIConfig {
	first := func(names ...string) string {
		for _, n := range names {
			if v := os.Getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	var c xentree.AIConfig
	c.Default = first("XENTREE_DEFAULT_PROVIDER")
	c.OpenAI.APIKey = first("XENTREE_OPENAI_API_KEY", "OPENAI_API_KEY")
	c.OpenAI.BaseURL = first("XENTREE_OPENAI_BASE_URL")
	c.OpenAI.Model = first("XENTREE_OPENAI_MODEL")
	c.Anthropic.APIKey = first("XENTREE_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")
	c.Anthropic.BaseURL = first("XENTREE_ANTHROPIC_BASE_URL")
	c.Anthropic.Model = first("XENTREE_ANTHROPIC_MODEL")
	return c
}

// embeddingsFromEnv configures hybrid knowledge search as `xentree serve`
// does: XENTREE_EMBEDDINGS_MODEL (off when empty), _URL, _API_KEY and
// _DIMENSIONS.
func embeddingsFromEnv() (xentree.EmbeddingsConfig, error) {
	c := xentree.EmbeddingsConfig{Model: os.Getenv("XENTREE_EMBEDDINGS_MODEL"),
		BaseURL: os.Getenv("XENTREE_EMBEDDINGS_URL"), APIKey: os.Getenv("XENTREE_EMBEDDINGS_API_KEY")}
	var err error
	if v := os.Getenv("XENTREE_EMBEDDINGS_DIMENSIONS"); v != "" {
		if c.Dimensions, err = strconv.Atoi(v); err != nil {
			err = fmt.Errorf("XENTREE_EMBEDDINGS_DIMENSIONS=%q: %v", v, err)
		}
	}
	return c, err
}

// providerRun grades essays through the Engine's evaluation path, the one
// POST /api/xel/evaluate takes, with the named provider: the model grades
// against the rubric (xel.RubricPrompt) and its JSON is validated; when it
// fails twice the Engine falls back to the offline scorer, and such essays
// are counted and left out of the provider's figures.
func providerRun(ctx context.Context, cfg xentree.AIConfig, provider string, es []essay, workers int, out, log io.Writer) error {
	eng, user, done, err := evalEngine(ctx, xentree.Config{AI: cfg, DisableIndex: true}, log)
	if err != nil {
		return err
	}
	defer done()

	evs := make([]xel.Evaluation, len(es))
	errs := make([]error, len(es))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for i := range next {
				evs[i], errs[i] = eng.Evaluate(ctx, user, xel.EvaluateRequest{Kind: xel.KindWriting, Text: es[i].Text, Provider: provider})
			}
		})
	}
	for i := range es {
		if ctx.Err() != nil {
			break
		}
		next <- i
		if (i+1)%10 == 0 {
			fmt.Fprintf(log, "xentree-eval: %d/%d essays sent\n", i+1, len(es))
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}

	var graded []essay
	var got, offline []scores
	fellBack, model := 0, ""
	for i, ev := range evs {
		if errs[i] != nil {
			return fmt.Errorf("essay %s: %w", es[i].ID, errs[i])
		}
		if ev.Provider == "local" && provider != "local" {
			fellBack++
			continue
		}
		model = ev.Provider + " " + ev.Model
		s := scores{"overall": float64(ev.OverallScore)}
		for k, c := range ev.Criteria {
			s[k] = float64(c.Score)
		}
		graded = append(graded, es[i])
		got = append(got, s)
		offline = append(offline, offlineScores(es[i]))
	}
	fmt.Fprintf(out, "provider %q (%s): %d held-out essays sent, %d graded by it, %d fell back to the offline scorer\n",
		provider, model, len(es), len(graded), fellBack)
	if len(graded) < 3 {
		return fmt.Errorf("too few essays graded by the provider to measure")
	}
	fmt.Fprintln(out, formatRhos("provider", len(graded), rhos(graded, got)))
	fmt.Fprintln(out, formatRhos("offline", len(graded), rhos(graded, offline))+"  (the same essays)")
	return nil
}
