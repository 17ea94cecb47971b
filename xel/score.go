package xel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Evaluation is a graded piece of writing or speaking.
type Evaluation struct {
	Kind         string               `json:"kind"`
	OverallScore int                  `json:"overall_score"`
	CEFREstimate string               `json:"cefr_estimate"`
	Criteria     map[string]Criterion `json:"criteria"`
	Feedback     []string             `json:"feedback"`
	Corrections  []Correction         `json:"corrections"`
	Provider     string               `json:"provider"`
	Model        string               `json:"model"`
}

// Criterion is one rubric line.
type Criterion struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// Correction is one concrete fix.
type Correction struct {
	Original   string `json:"original"`
	Suggestion string `json:"suggestion"`
	Reason     string `json:"reason"`
}

// Kinds of evaluation.
const (
	KindWriting  = "writing"
	KindSpeaking = "speaking"
)

// OfflineModel names the offline scorer in an Evaluation; the number moves
// when its features or weights change.
const OfflineModel = "xentree-xel-features-3"

//go:embed wordlist/bands.txt.gz wordlist/spell.txt.gz wordlist/common.txt wordlist/connectives.txt wordlist/fillers.txt
var wordFS embed.FS

// lexicon is the shipped English data the scorer measures against.
type lexicon struct {
	band        map[string]uint8 // 1 most common .. 3 rare
	spell       map[string]bool
	common      map[string]bool
	connectives []string // normalised, longest first
	fillers     []string
}

// lex loads the embedded lists once; they never change.
var lex = sync.OnceValue(func() *lexicon {
	l := &lexicon{band: map[string]uint8{}, spell: map[string]bool{}, common: map[string]bool{}}
	eachLine("wordlist/bands.txt.gz", func(s string) {
		w, b, ok := strings.Cut(s, "\t")
		if n, err := strconv.Atoi(b); ok && err == nil {
			l.band[w] = uint8(n)
		}
	})
	eachLine("wordlist/spell.txt.gz", func(s string) { l.spell[strings.ReplaceAll(s, "'", "")] = true })
	eachLine("wordlist/common.txt", func(s string) { l.common[strings.ReplaceAll(s, "'", "")] = true })
	eachLine("wordlist/connectives.txt", func(s string) { l.connectives = append(l.connectives, Normalize(s)) })
	eachLine("wordlist/fillers.txt", func(s string) {
		l.fillers = append(l.fillers, Normalize(s))
		for _, w := range strings.Fields(Normalize(s)) {
			l.spell[w] = true // "erm" is not a spelling mistake
		}
	})
	sort.Slice(l.connectives, func(i, j int) bool { return len(l.connectives[i]) > len(l.connectives[j]) })
	return l
})

func eachLine(name string, fn func(string)) {
	f, err := wordFS.Open(name)
	if err != nil {
		panic("xel: embedded " + name + ": " + err.Error())
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			panic("xel: embedded " + name + ": " + err.Error())
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s := strings.TrimSpace(strings.ToLower(sc.Text())); s != "" && !strings.HasPrefix(s, "#") {
			fn(s)
		}
	}
}

// Text features the scorer rates.
type features struct {
	words         []string // lower-case, apostrophes removed
	raw           []string // as written
	sentences     int
	sentLens      []int
	paragraphs    int
	types         int
	contentTokens int
	rareContent   int // content words outside the most common band
	longWords     int
	misspelled    []int  // indexes into words
	repeats       int    // content tokens beyond the third use of their word
	norm          string // " " + Normalize(text) + " "
	connectives   map[string]bool
	fillers       int
	stutters      int // a word said twice in a row
	grammar       []Correction
	errors        int // grammar errors found, repeats included
	slips         int // sound-alike words and repeated words
}

// tokens splits a text at spaces and at the slashes and underscores that
// join words ("he/she", "and/or").
func tokens(text string) []string {
	return strings.FieldsFunc(text, isTokenSep)
}

func isTokenSep(r rune) bool { return unicode.IsSpace(r) || r == '/' || r == '_' }

func measure(text string) features {
	l := lex()
	f := features{connectives: map[string]bool{}}
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(p) != "" {
			f.paragraphs++
		}
	}
	// Words and sentence lengths in one pass over the text.
	cur := 0
	for _, tok := range tokens(text) {
		end := strings.ContainsAny(tok[len(tok)-1:], ".!?")
		w := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return unicode.ToLower(r)
			}
			if r == '-' {
				return r
			}
			return -1
		}, tok)
		w = strings.Trim(w, "-")
		if w != "" {
			f.words = append(f.words, w)
			f.raw = append(f.raw, strings.TrimFunc(tok, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' }))
			cur++
		}
		if end && cur > 0 {
			f.sentLens = append(f.sentLens, cur)
			cur = 0
		}
	}
	if cur > 0 {
		f.sentLens = append(f.sentLens, cur)
	}
	f.sentences = len(f.sentLens)
	seen := map[string]int{}
	for i, w := range f.words {
		seen[w]++
		if len(w) >= 7 {
			f.longWords++
		}
		if !l.common[w] {
			f.contentTokens++
			if seen[w] > 3 {
				f.repeats++
			}
			if b, ok := l.band[w]; ok && b >= 2 || !ok && l.spell[w] && len(w) > 5 {
				f.rareContent++
			}
		}
		// A capitalised word inside a sentence is taken for a name.
		name := i > 0 && f.raw[i] != "" && unicode.IsUpper([]rune(f.raw[i])[0])
		if !l.spell[w] && !strings.Contains(w, "-") && !name {
			f.misspelled = append(f.misspelled, i)
		}
		if i > 0 && f.words[i-1] == w {
			f.stutters++
		}
	}
	f.types = len(seen)
	norm := " " + Normalize(text) + " "
	f.norm = norm
	for _, c := range l.connectives {
		if strings.Contains(norm, " "+c+" ") {
			f.connectives[c] = true
		}
	}
	for _, fl := range l.fillers {
		f.fillers += strings.Count(norm, " "+fl+" ")
	}
	f.grammar, f.errors, f.slips = grammarChecks(f.words, f.raw)
	return f
}

func clamp(x float64) int {
	return int(math.Round(math.Max(0, math.Min(100, x))))
}

// scale maps x from [lo, hi] onto [0, 100].
func scale(x, lo, hi float64) float64 { return (x - lo) / (hi - lo) * 100 }

// Target describes what a piece answers: the prompt, the word or time
// range a task sets (zero when none), the level it aims at.
type Target struct {
	Prompt      string
	MinWords    int
	MaxWords    int
	MinSeconds  int
	MaxSeconds  int
	TargetLevel string
}

// vocabulary, accuracy and coherence are ScoreSpeaking's hand-set
// criteria; writing uses the fitted models in model.go.
func (f features) vocabulary() (float64, string) {
	n := float64(len(f.words))
	if n == 0 {
		return 0, "There are no words to rate."
	}
	guiraud := float64(f.types) / math.Sqrt(n) // diversity, corrected for length
	rare := 0.0
	if f.contentTokens > 0 {
		rare = float64(f.rareContent) / float64(f.contentTokens)
	}
	long := float64(f.longWords) / n
	spelling := 1 - float64(len(f.misspelled))/n
	score := 0.35*scale(guiraud, 3, 9.5) + 0.3*scale(rare, 0.05, 0.45) + 0.15*scale(long, 0.05, 0.3) + 0.2*scale(spelling, 0.85, 1)
	return score, vocabularyComment(score)
}

func (f features) accuracy() (float64, string) {
	n := float64(len(f.words))
	if n == 0 {
		return 0, "There are no sentences to rate."
	}
	errs := float64(len(f.grammar)) + 0.7*float64(len(f.misspelled))
	rate := errs / n * 100 // errors per 100 words
	meanLen, sd := meanSD(f.sentLens)
	variety := scale(sd, 1, 8)*0.5 + scale(meanLen, 6, 20)*0.5
	score := 0.7*(100-rate*12) + 0.3*math.Max(0, math.Min(100, variety))
	comment := "Accurate, with varied sentence structures."
	switch {
	case rate > 6:
		comment = "Frequent errors make some sentences hard to follow."
	case rate > 2:
		comment = "Mostly understandable, with some errors to fix."
	case variety < 40:
		comment = "Accurate; vary your sentence length and structure more."
	}
	return score, comment
}

func (f features) coherence() (float64, string) {
	if len(f.words) == 0 {
		return 0, "There is nothing to organise."
	}
	links := float64(len(f.connectives))
	perSentence := links / math.Max(1, float64(f.sentences))
	score := 0.55*scale(links, 0, 9) + 0.25*scale(perSentence, 0, 0.5) + 0.2*scale(float64(min(f.sentences, 12)), 1, 10)
	if f.contentTokens > 0 {
		score -= 60 * float64(f.repeats) / float64(f.contentTokens)
	}
	comment := "Ideas are clearly linked and easy to follow."
	switch {
	case links == 0:
		comment = "Ideas are listed without linking words; try because, however, for example, as a result."
	case score < 55:
		comment = "Some linking words; connect your ideas and sentences more."
	}
	return score, comment
}

func meanSD(xs []int) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	var sum float64
	for _, x := range xs {
		sum += float64(x)
	}
	mean := sum / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)))
}

// CEFRFor maps an overall score to a level.
func CEFRFor(score int) string {
	switch {
	case score < 35:
		return "A1"
	case score < 52:
		return "A2"
	case score < 68:
		return "B1"
	case score < 78:
		return "B2"
	case score < 86:
		return "C1"
	}
	return "C2"
}

const estimateNote = "This is an automatic estimate from measurable features of the text (length, word range, " +
	"linking words, spelling and common error patterns), not a teacher's judgement."

// ScoreWriting rates a text offline on task achievement, coherence,
// vocabulary and grammar. It is deterministic and does no I/O.
func ScoreWriting(text string, t Target) Evaluation {
	f := measure(text)
	n := len(f.words)
	var task, taskPenalty float64
	var taskComment string
	switch {
	case t.MinWords > 0 && n < t.MinWords:
		task = 100 * float64(n) / float64(t.MinWords) * 0.8
		taskPenalty = 30 * (1 - float64(n)/float64(t.MinWords))
		taskComment = "Too short: the task asks for at least " + strconv.Itoa(t.MinWords) + " words (" + strconv.Itoa(n) + " written)."
	case t.MaxWords > 0 && n > t.MaxWords:
		task = math.Max(50, 100-float64(n-t.MaxWords)/float64(t.MaxWords)*100)
		taskComment = "Longer than the " + strconv.Itoa(t.MaxWords) + " words asked for: keep to the point."
	case t.MinWords > 0:
		task, taskComment = 90, "The length fits the task."
	default:
		task = scale(float64(n), 10, 220)
		taskComment = "Rated on length and development, as no word range was set."
	}
	if t.Prompt != "" && n > 0 {
		if overlap := promptOverlap(t.Prompt, f.words); overlap == 0 {
			task *= 0.8 // only here: the check is crude, so it does not lower the overall score
			taskComment += " The text does not seem to use the words of the prompt: check that it answers it."
		} else {
			task = math.Min(100, task+10)
		}
	}
	if n == 0 {
		none := Criterion{0, "There are no words to rate."}
		crit := map[string]Criterion{"task_achievement": {0, taskComment}, "coherence": none, "vocabulary": none, "grammar": none}
		return finish(KindWriting, 0, crit, f)
	}
	x := clipToRange(writingVector(f, text))
	short := shortFactor(n)
	voc := short * scaleScore(writingModels["vocabulary"].predict(x))
	gram := short * scaleScore(writingModels["grammar"].predict(x))
	coh := short * scaleScore(writingModels["coherence"].predict(x))
	crit := map[string]Criterion{
		"task_achievement": {clamp(task), taskComment},
		"coherence":        {clamp(coh), f.coherenceComment(coh)},
		"vocabulary":       {clamp(voc), vocabularyComment(voc)},
		"grammar":          {clamp(gram), f.grammarComment(gram)},
	}
	// The overall score is its own fit to the human overall scores (it
	// weighs every feature, not the criteria), less up to 30 points for a
	// text shorter than the task's minimum. A text that uses no word of the
	// prompt loses task_achievement only: on the ELLIPSE essays a word
	// check against a short prompt missed about a fifth of the on-topic ones.
	overall := short*scaleScore(writingModels["overall"].predict(x)) - taskPenalty
	overall = ownWordsOnly(text, t.Prompt, overall, crit, "task_achievement")
	return finish(KindWriting, clamp(overall), crit, f)
}

// ownWordsOnly lowers overall and every criterion to the part of text that
// is its own (ownShare), and says why under the criterion noteOn.
func ownWordsOnly(text, prompt string, overall float64, crit map[string]Criterion, noteOn string) float64 {
	own, note := ownShare(text, prompt)
	if own == 1 {
		return overall
	}
	for k, c := range crit {
		crit[k] = Criterion{clamp(float64(c.Score) * own), c.Comment}
	}
	c := crit[noteOn]
	crit[noteOn] = Criterion{c.Score, c.Comment + " " + note}
	return overall * own
}

// borrowFree is the share of a text's word sequences that may come from
// its prompt or repeat each other before the score is lowered: answers
// take up the prompt's phrases, and learners repeat their own.
const borrowFree = 0.3

// ownShare is the part of a text's scores that its own words earn: 1,
// unless more than borrowFree of its four-word sequences are found in the
// prompt or repeat an earlier one, and then falling to 0 for a text made
// of nothing else. A learner passed a writing task by pasting its prompt
// four times. note says why, for the task comment.
func ownShare(text, prompt string) (own float64, note string) {
	const n = 4
	words := strings.Fields(Normalize(text))
	if len(words) < 2*n {
		return 1, ""
	}
	gram := func(ws []string, i int) string { return strings.Join(ws[i:i+n], " ") }
	inPrompt := map[string]bool{}
	if pw := strings.Fields(Normalize(prompt)); len(pw) >= n {
		for i := 0; i+n <= len(pw); i++ {
			inPrompt[gram(pw, i)] = true
		}
	}
	seen := map[string]bool{}
	total, taken := len(words)-n+1, 0
	for i := 0; i < total; i++ {
		g := gram(words, i)
		if inPrompt[g] || seen[g] {
			taken++
		}
		seen[g] = true
	}
	borrowed := float64(taken) / float64(total)
	if borrowed <= borrowFree {
		return 1, ""
	}
	return 1 - (borrowed-borrowFree)/(1-borrowFree),
		strconv.Itoa(int(math.Round(borrowed*100))) + "% of the text repeats the prompt or itself: only your own words are rated."
}

func vocabularyComment(score float64) string {
	switch {
	case score < 45:
		return "A small range of everyday words, often repeated."
	case score < 65:
		return "Everyday vocabulary with some variety; try less common, more precise words."
	case score < 80:
		return "A good range of vocabulary, including some less common words."
	}
	return "A wide, precise range of words."
}

func (f features) grammarComment(score float64) string {
	_, long := f.sentenceShape()
	switch {
	case score < 45:
		return "Frequent errors make some sentences hard to follow."
	case score < 65 && len(f.misspelled) > len(f.words)/20:
		return "Mostly understandable, with errors to fix; check the spelling in particular."
	case score < 65:
		return "Mostly understandable, with some errors to fix."
	case long > 0.2:
		return "Accurate; some sentences run on: end them with a full stop sooner."
	}
	return "Accurate, with varied sentence structures."
}

func (f features) coherenceComment(score float64) string {
	switch {
	case len(f.connectives) == 0:
		return "Ideas are listed without linking words; try because, however, for example, as a result."
	case score < 55:
		return "Some linking words; connect your ideas and sentences more, and group them in paragraphs."
	case score < 70:
		return "Ideas are mostly linked; a clearer paragraph for each main point would help the reader."
	}
	return "Ideas are clearly linked and easy to follow."
}

// sentenceShape is the mean sentence length in words and the share of
// sentences over 40 words.
func (f features) sentenceShape() (mean, long float64) {
	mean, _ = meanSD(f.sentLens)
	n := 0
	for _, s := range f.sentLens {
		if s > 40 {
			n++
		}
	}
	return mean, float64(n) / math.Max(1, float64(len(f.sentLens)))
}

func promptOverlap(prompt string, words []string) int {
	l := lex()
	want := map[string]bool{}
	for _, w := range strings.Fields(Normalize(prompt)) {
		if !l.common[w] && len(w) > 3 {
			want[stem(w)] = true
		}
	}
	n := 0
	for _, w := range words {
		if want[stem(w)] {
			n++
		}
	}
	return n
}

// stem is a crude suffix strip, enough to match "holidays" with "holiday".
func stem(w string) string {
	for _, s := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(s)+3 && strings.HasSuffix(w, s) {
			return w[:len(w)-len(s)]
		}
	}
	return w
}

// ScoreSpeaking rates a transcript offline: fluency from words per minute,
// fillers and repetitions over durationSeconds, then vocabulary, grammar
// and coherence as for writing.
func ScoreSpeaking(transcript string, durationSeconds float64, t Target) Evaluation {
	f := measure(transcript)
	n := float64(len(f.words))
	wpm := 0.0
	if durationSeconds > 0 {
		wpm = n / (durationSeconds / 60)
	}
	fillerRate := 0.0
	stutterRate := 0.0
	if n > 0 {
		fillerRate = float64(f.fillers) / n * 100
		stutterRate = float64(f.stutters) / n * 100
	}
	// 110-170 words a minute is a comfortable conversational pace.
	pace := 100 - math.Max(0, 110-wpm)*1.1 - math.Max(0, wpm-170)*0.8
	flu := pace - fillerRate*4 - stutterRate*6
	fluC := "Speech flows at a natural pace (" + strconv.Itoa(int(wpm)) + " words a minute)."
	switch {
	case wpm < 80:
		fluC = "Slow (" + strconv.Itoa(int(wpm)) + " words a minute), with long pauses; practise speaking in longer stretches."
	case fillerRate > 5:
		fluC = "Many fillers (um, uh, like): pause silently instead."
	case stutterRate > 3:
		fluC = "Frequent repeated words; slow down slightly and plan the next phrase."
	case wpm > 190:
		fluC = "Very fast (" + strconv.Itoa(int(wpm)) + " words a minute); slow down so listeners can follow."
	}
	if t.MinSeconds > 0 && durationSeconds < float64(t.MinSeconds) {
		flu -= 20
		fluC += " Shorter than the " + strconv.Itoa(t.MinSeconds) + " seconds asked for."
	}
	voc, vocC := f.vocabulary()
	gram, gramC := f.accuracy()
	coh, cohC := f.coherence()
	crit := map[string]Criterion{
		"fluency":    {clamp(flu), fluC},
		"vocabulary": {clamp(voc), vocC},
		"grammar":    {clamp(gram), gramC},
		"coherence":  {clamp(coh), cohC},
	}
	overall := ownWordsOnly(transcript, t.Prompt, 0.3*flu+0.25*voc+0.25*gram+0.2*coh, crit, "coherence")
	return finish(KindSpeaking, clamp(overall), crit, f)
}

// finish adds the level, feedback and corrections every evaluation has.
func finish(kind string, overall int, crit map[string]Criterion, f features) Evaluation {
	e := Evaluation{Kind: kind, OverallScore: overall, CEFREstimate: CEFRFor(overall), Criteria: crit,
		Provider: "local", Model: OfflineModel, Corrections: []Correction{}}
	names := make([]string, 0, len(crit))
	for k := range crit {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := crit[names[i]].Score, crit[names[j]].Score
		return a < b || a == b && names[i] < names[j] // ties by name: the same feedback every run
	})
	for _, k := range names[:min(2, len(names))] {
		e.Feedback = append(e.Feedback, crit[k].Comment)
	}
	e.Feedback = append(e.Feedback, estimateNote)
	e.Corrections = append(e.Corrections, f.grammar...)
	l := lex()
	seen := map[string]bool{}
	for _, i := range f.misspelled {
		w := f.words[i]
		if seen[w] || len(e.Corrections) >= 20 {
			continue
		}
		seen[w] = true
		if fix, ok := overregularised[w]; ok {
			e.Corrections = append(e.Corrections, Correction{Original: f.raw[i], Suggestion: fix.past,
				Reason: "irregular verb: " + fix.forms})
			continue
		}
		if s := suggest(w, l); s != "" {
			e.Corrections = append(e.Corrections, Correction{Original: f.raw[i], Suggestion: s, Reason: "spelling"})
		}
	}
	return e
}

// suggest returns the most common known word one edit away from w, or "".
func suggest(w string, l *lexicon) string {
	if len(w) > 20 {
		return ""
	}
	// Rank candidates: keeping the first letter (learners rarely get it
	// wrong), then the most common band, then alphabetical for determinism.
	best, bestRank := "", 99
	try := func(c string) {
		if c == w || !l.spell[c] {
			return
		}
		b, ok := l.band[c]
		if !ok {
			b = 4
		}
		rank := int(b)
		if c[0] != w[0] {
			rank += 10
		}
		if rank < bestRank || rank == bestRank && c < best {
			best, bestRank = c, rank
		}
	}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var buf bytes.Buffer
	for i := 0; i <= len(w); i++ {
		if i < len(w) {
			try(w[:i] + w[i+1:]) // deletion
		}
		if i < len(w)-1 {
			try(w[:i] + string(w[i+1]) + string(w[i]) + w[i+2:]) // transposition
		}
		for _, c := range letters {
			if i < len(w) {
				buf.Reset()
				buf.WriteString(w[:i])
				buf.WriteRune(c)
				buf.WriteString(w[i+1:])
				try(buf.String()) // substitution
			}
			buf.Reset()
			buf.WriteString(w[:i])
			buf.WriteRune(c)
			buf.WriteString(w[i:])
			try(buf.String()) // insertion
		}
	}
	return best
}
