package index

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// termSamples are texts whose words the fast path and the segmenter must
// cut alike: prose, every ASCII punctuation mark between letters and
// digits, and Unicode that goes the slow way.
var termSamples = []string{
	"Photosynthesis turns light, water and carbon dioxide into sugar. It happens in the chloroplasts of leaves.",
	"The plant's leaves aren't green in autumn; e.g. maples' turn red (mostly). U.S.A. 3.14 1,000,000 12;34 1'2 a'1 1'a",
	"well-known/half_baked a:b 1:2 a.1 1.a a..b a.'b 'tis dogs' \"quoted\" [x] {y} <z> #tag @me $5 %20 ^_^ ~ `code`",
	"v1.2.3 x86_64 foo_ _bar __init__ a_1 1_a - -- --- ... ,,, ;;; ::: ''' a. .a a, ,a a; ;a a: :a",
	"tabs\tand\nnew\r\nlines\vand\fform feeds  double  spaces",
	"Ünïcödé straße café naïve résumé 東京 日本語 🌱 emoji 👩\u200d🔬 Ελληνικά Русский עברית ש\"ב ש'",
	"soft\u00adhyphen space \u0301combining e\u0301 nbsp\u00a0here zero\u200bwidth ‘quotes’ “double” it’s don’t ＇x＇",
	"THE And OF running RUNS ran Runner's shoes' STOP-words ALL CAPS. Mr. Smith vs. Dr. Jones at 10:30 a.m.",
	"\x00control\x01chars\x7fdel \xff\xfe invalid utf8 \xe2\x80 cut",
	"",
	"   ",
	"a",
	"'s",
	"x's y'S Z’s",
}

// TestEnglishTerms: appendTerms gives exactly en's terms, on the samples
// and on random mixes of their characters.
func TestEnglishTerms(t *testing.T) {
	ix := testIndex(t)
	check := func(text string) {
		t.Helper()
		var want []string
		for _, tok := range ix.en.Analyze([]byte(splitJoined(text))) {
			want = append(want, string(tok.Term))
		}
		// Twice: the second time from the cache.
		for range 2 {
			if got := ix.words.appendTerms(nil, text); !slices.Equal(got, want) {
				t.Fatalf("%q:\n got %q\nwant %q", text, got, want)
			}
		}
	}
	for _, s := range termSamples {
		check(s)
	}
	var runes []rune
	for _, s := range termSamples {
		runes = append(runes, []rune(s)...)
	}
	for c := rune(0); c < 0x80; c++ {
		runes = append(runes, c)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			if r.IntN(3) == 0 {
				b.WriteString(strings.Fields(termSamples[r.IntN(len(termSamples)-5)])[0])
			}
			b.WriteRune(runes[r.IntN(len(runes))])
		}
		check(b.String())
	}
}

// FuzzEnglishTerms: appendTerms gives exactly en's terms.
// A full stop or colon between letters separates words (Unicode's rules
// join them), so the parts are found; between digits it still joins.
func TestJoinedWordsSplit(t *testing.T) {
	ix := testIndex(t)
	for text, want := range map[string][]string{
		"Topic:mitochondria":     {"topic", "mitochondria"},
		"south.Albatrosses nest": {"south", "albatross", "nest"},
		"in the café.Über alles": {"café", "über", "all"},
		"pi is 3.14, at 10:30":   {"pi", "3.14", "10", "30"},
		"U.S.A. e.g. J.W.Smith":  {"u.s.a", "e.g", "j.w.smith"},
		"www.xentree.io":         {"www", "xentre", "io"},
		"Ph.D in at.home":        {"ph.d", "home"},
	} {
		if got := ix.words.appendTerms(nil, text); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
	if s := ix.snippet("Topic:mitochondria and more", map[string]bool{"mitochondria": true}); s != "Topic:<mark>mitochondria</mark> and more" {
		t.Errorf("snippet %q", s)
	}
}

func FuzzEnglishTerms(f *testing.F) {
	for _, s := range termSamples {
		f.Add(s)
	}
	ix := testIndex(f)
	f.Fuzz(func(t *testing.T, text string) {
		var want []string
		for _, tok := range ix.en.Analyze([]byte(splitJoined(text))) {
			want = append(want, string(tok.Term))
		}
		if got := ix.words.appendTerms(nil, text); !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %q\nwant %q", text, got, want)
		}
	})
}
