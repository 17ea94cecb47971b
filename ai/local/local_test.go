package local

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xentree/xentree/ai"
)

func TestAnswer(t *testing.T) {
	cases := []struct {
		name string
		req  ai.Request
		want string // substring, or the whole answer after "="
	}{
		{"no model, English", ai.Request{Messages: []ai.Message{{Role: "user", Content: "What is the capital of Peru?"}}},
			"No AI model is configured"},
		{"no model, German", ai.Request{Language: "de-AT", Messages: []ai.Message{{Role: "user", Content: "Was ist die Hauptstadt von Peru?"}}},
			"kein KI-Modell"},
		{"unknown language falls back to English", ai.Request{Language: "xx", Messages: []ai.Message{{Role: "user", Content: "hello"}}},
			"No AI model"},
		{"recall from history", ai.Request{Messages: []ai.Message{
			{Role: "user", Content: "I study a lot. My chemistry exam is on the ninth of June."},
			{Role: "assistant", Content: "Good luck!"},
			{Role: "user", Content: "When is my chemistry exam?"},
		}}, `From earlier in this conversation: "My chemistry exam is on the ninth of June."`},
		// It quoted the question asked before, and its own earlier reply.
		{"never a question or its own reply", ai.Request{Messages: []ai.Message{
			{Role: "user", Content: "And in the dark, do plants grow?"},
			{Role: "assistant", Content: phrases["en"]["nomodel"]},
			{Role: "user", Content: "And in the dark, do plants grow?"},
		}}, "No AI model is configured"},
		{"passages, cited", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do plants make sugar?"}},
			Passages: []ai.Passage{
				{Title: "Rocks", Text: "Granite is an igneous rock."},
				{Title: "Plants", Text: "Plants make sugar from light. This is called photosynthesis."},
			},
		}, "Plants make sugar from light. [2]"},
		{"a sentence, not the heading or list line that repeats the question", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers move?"}},
			Passages: []ai.Passage{{Title: "Ice > How glaciers move", Text: "How glaciers move\nValley glaciers\nIce sheets\n" +
				"Glaciers move by sliding over the bedrock on a film of meltwater."}},
		}, "Glaciers move by sliding over the bedrock on a film of meltwater. [1]"},
		{"the passage's first sentence, not the heading, when no sentence matches", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers move?"}},
			Passages: []ai.Passage{{Title: "Ice", Text: "How glaciers move\nThey slide on meltwater."}},
		}, "They slide on meltwater. [1]"},
		{"not a Markdown heading when no sentence matches", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers move?"}},
			Passages: []ai.Passage{{Title: "Ice", Text: "## How glaciers move\nThey slide on meltwater."}},
		}, "They slide on meltwater. [1]"},
		{"not an HTML heading when no sentence matches", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers move?"}},
			Passages: []ai.Passage{{Title: "Ice", Text: "<h2>How glaciers move</h2>\nThey slide on meltwater."}},
		}, "They slide on meltwater. [1]"},
		{"the best-matching passage's first sentence, not a list line", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Which beans to use?"}},
			Passages: []ai.Passage{
				{Title: "Tea", Text: "Tea leaves\nSteep them for three minutes."},
				{Title: "Coffee", Text: "Use fresh beans\nGrind just before brewing\nWater should be hot."},
			},
		}, "Water should be hot. [2]"},
		{"nothing when the matching lines have no sentence", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers move?"}},
			Passages: []ai.Passage{
				{Title: "Ice", Text: "How glaciers move\nValley glaciers"},
				{Title: "Rocks", Text: "Granite is an igneous rock."},
			},
		}, "could not find anything"},
		// Markdown sent as plain text keeps its heading lines; a question
		// line from another document is no answer either.
		{"never a Markdown heading or a question line", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Where do otters live?"}},
			Passages: []ai.Passage{
				{Title: "Otters", Text: "# Otters\n\n## Where do otters live?\n\nOtters live near rivers and coasts across most continents."},
				{Title: "Beavers", Text: "Where do beavers live?\nBeavers build lodges in ponds."},
			},
		}, "=Otters live near rivers and coasts across most continents. [1]"},
		// An FAQ answer does not repeat its question's words: the heading
		// above it says them.
		{"the answer under the heading that asks the question", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How do glaciers form?"}},
			Passages: []ai.Passage{
				{Title: "faq > Glacier FAQ > Why do glaciers move?", Text: "Gravity pulls the ice downhill. Meltwater helps it slide."},
				{Title: "faq > Glacier FAQ > How do glaciers form?", Text: "Snow accumulates over many years and compresses into ice. It takes centuries."},
				{Title: "Volcanoes", Text: "Most volcanoes form at tectonic plate boundaries."},
			},
		}, "=Snow accumulates over many years and compresses into ice. [2]"},
		{"the answer under a heading, found where no sentence says the words", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Why do glaciers move?"}},
			Passages: []ai.Passage{
				{Title: "faq > Glacier FAQ > How do glaciers form?", Text: "Snow accumulates over many years and compresses into ice."},
				{Title: "faq > Glacier FAQ > Why do glaciers move?", Text: "Gravity pulls the ice downhill. Meltwater helps it slide."},
			},
		}, "=Gravity pulls the ice downhill. [2]"},
		{"HTML sections sent as text", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Why are deserts dry?"}},
			Passages: []ai.Passage{{Title: "Deserts", Text: "<h2>Desert life</h2>\nCacti, lizards and camels are adapted to little water.\n" +
				"<h2>Why deserts are dry</h2>\nDry air sinks over them and brings almost no rain."}},
		}, "=Dry air sinks over them and brings almost no rain. [1]"},
		{"the sentence that says the words, over its section's others", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Where do glaciers form?"}},
			Passages: []ai.Passage{{Title: "Ice > Where glaciers form", Text: "Cold regions matter. Glaciers form where snow outlasts the summer. Some are old."}},
		}, "=Glaciers form where snow outlasts the summer. [1]"},
		// The source's own reference marks are not citations of passages.
		{"footnote marks left out", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "How fast do glaciers move?"}},
			Passages: []ai.Passage{{Title: "Ice", Text: "Glaciers move slowly.[2] Some move fast [14], up to 40 m a day."}, {Title: "Other", Text: "Unrelated."}},
		}, "=Glaciers move slowly. [1] Some move fast, up to 40 m a day. [1]"},
		{"an index is not a footnote mark", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "What does the loop set?"}},
			Passages: []ai.Passage{{Title: "Code", Text: "The loop sets x[10] to five."}},
		}, "=The loop sets x[10] to five. [1]"},
		{"passages without an answer", ai.Request{
			Messages: []ai.Message{{Role: "user", Content: "Who won the 1930 world cup?"}},
			Passages: []ai.Passage{{Title: "Rocks", Text: "Granite is an igneous rock."}},
		}, "could not find anything"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Answer(tc.req)
			if exact, ok := strings.CutPrefix(tc.want, "="); ok {
				if got != exact {
					t.Errorf("Answer = %q, want %q", got, exact)
				}
			} else if !strings.Contains(got, tc.want) {
				t.Errorf("Answer = %q, want it to contain %q", got, tc.want)
			}
			if again := Answer(tc.req); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

// The answer is the sentence that covers the question's specific terms,
// not every sentence sharing the document's topic word.
func TestAnswerPrefersCoveringSentence(t *testing.T) {
	req := ai.Request{
		Messages: []ai.Message{{Role: "user", Content: "Where do glaciers form?"}},
		Passages: []ai.Passage{
			{Title: "Ice > How glaciers move", Text: "Glaciers move by internal deformation of the ice. A typical glacier moves a few metres per day."},
			{Title: "Ice > Where glaciers form", Text: "Where glaciers form\nGlaciers form where snow accumulates faster than it melts."},
		},
	}
	if got, want := Answer(req), "Glaciers form where snow accumulates faster than it melts. [2]"; got != want {
		t.Errorf("Answer = %q, want %q", got, want)
	}
}

// The same text in two passages (a personal and an organization copy of
// one document) is quoted once, cited from the first.
func TestAnswerQuotesASentenceOnce(t *testing.T) {
	same := "The river Amazon carries more water than any other river."
	req := ai.Request{
		Messages: []ai.Message{{Role: "user", Content: "Which river carries the most water?"}},
		Passages: []ai.Passage{{Title: "Rivers", Text: same}, {Title: "Rivers (team copy)", Text: " the river amazon  carries more water than any other river."}},
	}
	if got, want := Answer(req), same+" [1]"; got != want {
		t.Errorf("Answer = %q, want %q", got, want)
	}
}

func TestStreamMatchesGenerate(t *testing.T) {
	p := New()
	req := ai.Request{System: "Be brief.", Messages: []ai.Message{{Role: "user", Content: "What is the capital of Peru?"}}}
	whole, err := p.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	n := 0
	streamed, err := p.Stream(context.Background(), req, func(d ai.Delta) error { b.WriteString(d.Content); n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != whole.Content || streamed.Content != whole.Content || n < 5 {
		t.Errorf("streamed %q in %d deltas, generated %q", b.String(), n, whole.Content)
	}
	u := whole.Usage
	if u == nil || u.PromptTokens != 3+7 || u.CompletionTokens != CountTokens(whole.Content) || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v", u)
	}
}

func TestStreamStopsOnCancelAndCallbackError(t *testing.T) {
	p := New()
	req := ai.Request{Messages: []ai.Message{{Role: "user", Content: "anything"}}}
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := p.Stream(ctx, req, func(d ai.Delta) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) || resp.Content == "" || strings.Contains(Answer(req), resp.Content) == false {
		t.Errorf("cancel: %q, %v", resp.Content, err)
	}
	stop := errors.New("client gone")
	_, err = p.Stream(context.Background(), req, func(d ai.Delta) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
}

func TestCountTokens(t *testing.T) {
	for s, want := range map[string]int{"": 0, "Hello, world!": 4, "don't": 3, "  two   words ": 2, "Grüße aus Köln": 3} {
		if got := CountTokens(s); got != want {
			t.Errorf("CountTokens(%q) = %d, want %d", s, got, want)
		}
	}
}
