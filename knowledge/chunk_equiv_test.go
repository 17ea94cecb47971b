package knowledge

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// chunkSamples mix what Sentences and squeeze look at: marks, closing and
// opening quotes, spaces of every kind, non-ASCII and invalid UTF-8.
var chunkSamples = []string{
	"One. Two! Three? four", `He said "stop." Then left.`, "Use e.g. this one. 42 is next.", "version 1.2.3 works",
	"Quotes: «Bonjour.» «Salut!» “Yes.” ‘No?’ (Maybe.) [End.] 'Quoted.' \"Done.\"",
	"  spaces   and\ttabs\nand\u00a0nbsp\u2003em\u0085nel  ", "Ünïcödé. Éclair! Ωmega? ñ. 日本語の文。 Ça va.",
	"bad \xff utf8. Next \xe2\x80 one! Ok.", "", ". ! ? .. !? ?!", "a.B c!D e?1 f.\"G h.(i j.«K", "\x01ctl. \x7fDel",
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(40) {
		s := chunkSamples[r.IntN(len(chunkSamples))]
		if s == "" {
			continue
		}
		i := r.IntN(len(s))
		b.WriteString(s[i:min(len(s), i+1+r.IntN(30))])
		if r.IntN(4) == 0 {
			b.WriteByte(" .!?\n"[r.IntN(5)])
		}
	}
	return b.String()
}

// asBefore checks that Sentences, byte by byte, splits text as it did rune
// by rune (sentencesRunes, kept for text that is not UTF-8), and that
// squeeze gives what Split used to take, the text's fields joined by spaces.
func asBefore(t *testing.T, text string) {
	t.Helper()
	if got, want := Sentences(text), sentencesRunes(text); !slices.Equal(got, want) {
		t.Fatalf("Sentences(%q) =\n%q, want\n%q", text, got, want)
	}
	if got, want := squeeze(text), strings.Join(strings.Fields(text), " "); got != want {
		t.Fatalf("squeeze(%q) = %q, want %q", text, got, want)
	}
}

// TestChunkingAsBefore: the byte-wise Sentences and squeeze agree with what
// they replaced, on the samples and random mixes of them.
func TestChunkingAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range chunkSamples {
		asBefore(t, s)
	}
	for range 20000 {
		asBefore(t, randomText(r))
	}
}

// FuzzChunkingAsBefore: the byte-wise Sentences and squeeze agree with what
// they replaced.
func FuzzChunkingAsBefore(f *testing.F) {
	for _, s := range chunkSamples {
		f.Add(s)
	}
	f.Fuzz(asBefore)
}
