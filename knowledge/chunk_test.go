package knowledge_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xentree/xentree/knowledge"
)

func TestSentences(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"One. Two! Three? four", []string{"One.", "Two!", "Three? four"}},
		{`He said "stop." Then left.`, []string{`He said "stop."`, "Then left."}},
		{"Use e.g. this one. 42 is next.", []string{"Use e.g. this one.", "42 is next."}},
		{"version 1.2.3 works", []string{"version 1.2.3 works"}},
		{"", nil},
	} {
		got := knowledge.Sentences(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Sentences(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplit(t *testing.T) {
	s := func(n int, word string) string { // n sentences of about 50 chars
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, "The "+word+" sentence number is here and it ends now.")
		}
		return strings.Join(b, " ")
	}
	blocks := []knowledge.Block{
		{Heading: "", Text: "Intro paragraph. Short."},
		{Heading: "A", Text: s(10, "alpha")},
		{Heading: "A", Text: s(10, "beta")},
		{Heading: "A > B", Text: "Tiny section."},
		{Heading: "C", Text: strings.Repeat("x", 700)},
	}
	chunks := knowledge.Split(blocks, knowledge.Chunking{Size: 300, Overlap: 60})
	headings := []string{}
	for i, c := range chunks {
		if c.Position != i {
			t.Fatalf("position %d at %d", c.Position, i)
		}
		if n := utf8.RuneCountInString(c.Text); n > 300 || n == 0 {
			t.Fatalf("chunk %d has %d chars", i, n)
		}
		if len(headings) == 0 || headings[len(headings)-1] != c.Heading {
			headings = append(headings, c.Heading)
		}
	}
	if strings.Join(headings, "|") != "|A|A > B|C" {
		t.Fatalf("heading runs %q: a chunk spans sections", headings)
	}
	if chunks[0].Text != "Intro paragraph. Short." {
		t.Fatalf("first chunk %q", chunks[0].Text)
	}
	// Consecutive chunks of one section overlap by a whole sentence.
	a1, a2 := chunks[1].Text, chunks[2].Text
	last := knowledge.Sentences(a1)[len(knowledge.Sentences(a1))-1]
	if chunks[1].Heading != "A" || chunks[2].Heading != "A" || !strings.HasPrefix(a2, last) {
		t.Fatalf("no overlap between %q and %q", a1, a2)
	}
	// A 700-character word is cut into pieces of at most 300.
	var xs int
	for _, c := range chunks {
		if c.Heading == "C" {
			xs += len(c.Text)
		}
	}
	if xs != 700 {
		t.Fatalf("section C holds %d of 700 characters", xs)
	}
	// A negative overlap is none: the section's chunks hold its text once.
	var alpha int
	for _, c := range knowledge.Split(blocks[1:2], knowledge.Chunking{Size: 300, Overlap: -1}) {
		alpha += strings.Count(c.Text, "alpha")
	}
	if alpha != 10 {
		t.Fatalf("without overlap the 10 sentences appear %d times", alpha)
	}
}

// FuzzSplit: chunks respect the size, never span headings, and lose no word.
func FuzzSplit(f *testing.F) {
	f.Add("Hello world. This is a test! Is it? Yes.", "H", 40, 10)
	f.Add(strings.Repeat("word ", 200), "", 50, 49)
	f.Add("ünïcödé. Ñ! 日本語の文。", "X > Y", 3, 1)
	f.Fuzz(func(t *testing.T, text, heading string, size, overlap int) {
		if size < 1 || size > 5000 || !utf8.ValidString(text) {
			return
		}
		chunks := knowledge.Split([]knowledge.Block{{Heading: heading, Text: text}, {Heading: heading + "!", Text: text}}, knowledge.Chunking{Size: size, Overlap: overlap})
		var all strings.Builder
		for _, c := range chunks {
			if utf8.RuneCountInString(c.Text) > size {
				t.Fatalf("chunk of %d > %d", utf8.RuneCountInString(c.Text), size)
			}
			all.WriteString(c.Text + " ")
		}
		joined := all.String()
		for _, w := range strings.Fields(text) {
			if utf8.RuneCountInString(w) <= size && !strings.Contains(joined, w) {
				t.Fatalf("word %q lost", w)
			}
		}
	})
}
