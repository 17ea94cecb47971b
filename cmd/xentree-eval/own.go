package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/knowledge"
)

// ownFigures are the project's own retrieval figures
// (knowledge/testdata/eval, which TestRetrievalQuality also measures).
type ownFigures struct {
	Questions, Documents int
	Recall5, MRR         float64 // a hit holds the question's passage; MRR over the first 10
}

// ownEval uploads the own evaluation set as user's documents and asks its
// questions: a hit is relevant when it comes from the question's document
// and holds its passage.
func ownEval(ctx context.Context, eng *xentree.Engine, user xentree.User, dir string) (ownFigures, error) {
	var f ownFigures
	var qs []struct{ Question, Document, Passage string }
	b, err := os.ReadFile(filepath.Join(dir, "questions.json"))
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &qs); err != nil {
		return f, fmt.Errorf("%s: %v", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	if err != nil {
		return f, err
	}
	docs := map[string]string{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return f, err
		}
		d, err := eng.CreateDocument(ctx, user, knowledge.CreateRequest{File: data, FileName: filepath.Base(name)})
		if err != nil {
			return f, fmt.Errorf("%s: %w", name, err)
		}
		docs[filepath.Base(name)] = d.ID
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		return f, err
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	found := 0
	for _, q := range qs {
		res, err := eng.SearchKnowledge(ctx, user, knowledge.SearchRequest{Query: q.Question, Limit: 10})
		if err != nil {
			return f, err
		}
		for i, r := range res.Results {
			if r.DocumentID == docs[q.Document] && strings.Contains(norm(r.Text), norm(q.Passage)) {
				f.MRR += 1 / float64(i+1)
				if i < 5 {
					found++
				}
				break
			}
		}
	}
	f.Questions, f.Documents = len(qs), len(docs)
	if f.Questions == 0 {
		return f, fmt.Errorf("%s: no questions", dir)
	}
	f.Recall5, f.MRR = float64(found)/float64(len(qs)), f.MRR/float64(len(qs))
	return f, nil
}
