// Command xentree-eval measures Xentree's quality against human-judged data
// that lives outside the repository (../shared/eval by default; it is
// licensed for evaluation only and is never copied into the project).
//
//	xentree-eval writing [-data DIR/ellipse-dev.csv] [-fit] [-provider NAME -n N]
//	xentree-eval retrieval [-data DIR/cisi] [-authors] [-own knowledge/testdata/eval]
//
// writing: the offline writing scorer (xel.ScoreWriting) against the human
// scores of the ELLIPSE corpus: Spearman's rho of the overall score against
// Overall, and of the vocabulary, grammar and coherence criteria against
// Vocabulary, Grammar and Cohesion, on a fixed held-out fifth of the essays
// and on the rest (the part the scorer's weights were fitted on). -fit
// refits those weights on the tuning part and prints them as Go source;
// -provider routes the essays through an AI provider configured from the
// environment instead (see docs/evaluation.md).
//
// retrieval: knowledge search (Engine.SearchKnowledge) on the CISI test
// collection, through the public API of an Engine in a temporary folder,
// beside a plain BM25 baseline computed in the same run over the same
// documents: nDCG@10, recall@10 and MAP over the first 50 documents. It
// also prints the project's own retrieval figures (recall@5, MRR). With
// XENTREE_EMBEDDINGS_MODEL (and _URL, _API_KEY, _DIMENSIONS) set, as for
// `xentree serve`, the engine's search is hybrid.
//
// EVAL_DIR overrides the data folder.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

const usage = `usage: xentree-eval writing [-data FILE] [-fit] [-provider NAME] [-n N]
       xentree-eval retrieval [-data DIR] [-authors] [-own DIR]

Data comes from $EVAL_DIR (default ../shared/eval).`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "xentree-eval:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "writing":
		return writingCmd(ctx, args[1:], out)
	case "retrieval":
		return retrievalCmd(ctx, args[1:], out)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(out, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// evalDir is where the shared evaluation data lives.
func evalDir() string {
	if d := os.Getenv("EVAL_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "eval")
}
