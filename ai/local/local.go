// Package local is Xentree's built-in offline provider: deterministic, no
// network, no model. It answers only from what the engine hands it:
// retrieved knowledge passages (extractively, citing each sentence as [n]) or
// earlier turns of the conversation that share words with the question.
// When neither helps it says plainly, in the user's language where it can,
// that no AI model is configured, rather than making something up.
package local

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/xentree/xentree/ai"
)

// ID is the provider id.
const ID = "local"

// Model is the only model name it reports.
const Model = "xentree-local-1"

// Provider is the offline provider. The zero value is ready to use.
type Provider struct{}

// New returns the offline provider.
func New() *Provider { return &Provider{} }

func (*Provider) ID() string           { return ID }
func (*Provider) Name() string         { return "Xentree offline (no model)" }
func (*Provider) Models() []string     { return []string{Model} }
func (*Provider) DefaultModel() string { return Model }

// Generate answers req.
func (p *Provider) Generate(ctx context.Context, req ai.Request) (ai.Response, error) {
	return p.Stream(ctx, req, nil)
}

// Stream answers req, handing fn the answer a word at a time.
func (p *Provider) Stream(ctx context.Context, req ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	answer := Answer(req)
	resp := ai.Response{Model: Model}
	if fn == nil {
		if err := ctx.Err(); err != nil {
			return resp, err
		}
		resp.Content = answer
	} else {
		var b strings.Builder
		for _, piece := range splitKeepSpace(answer) {
			if err := ctx.Err(); err != nil {
				resp.Content = b.String()
				return resp, err
			}
			if err := fn(ai.Delta{Content: piece}); err != nil {
				resp.Content = b.String()
				return resp, err
			}
			b.WriteString(piece)
		}
		resp.Content = b.String()
	}
	prompt := CountTokens(req.System)
	for _, m := range req.Messages {
		prompt += CountTokens(m.Content)
	}
	for _, ps := range req.Passages {
		prompt += CountTokens(ps.Title) + CountTokens(ps.Text)
	}
	completion := CountTokens(resp.Content)
	resp.Usage = &ai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
	return resp, nil
}

// Answer computes the deterministic reply to req.
func Answer(req ai.Request) string {
	question := req.LastUser()
	lang := baseLanguage(req.Language)
	qTerms := terms(question)
	if len(req.Passages) > 0 {
		if a := extractive(qTerms, req.Passages); a != "" {
			return a
		}
		return phrase(lang, "nothing")
	}
	if len(qTerms) > 0 {
		if s := recall(qTerms, req.Messages); s != "" {
			return phrase(lang, "recall") + " \"" + s + "\""
		}
	}
	return phrase(lang, "nomodel")
}

// extractive answers from whole sentences of the passages: those that
// cover the question best, up to three, in passage order, each cited.
//
// A line that is not a sentence (a heading, a list item, a table cell: no
// closing punctuation) or that asks a question is never quoted: such a line
// repeats the question's words without answering it. Its words still count
// for the sentences under it: a heading (the passage's innermost heading,
// or a Markdown or HTML heading or a question line in its text) lends its
// words to the sentences of its section, so "How do glaciers form?" finds
// the FAQ answer "Snow accumulates over many years..." under that heading
// rather than a sentence elsewhere that only says "form". A sentence needs
// a word of its own to be a candidate, except the first one under a
// heading, which is where a section answers its heading.
//
// Coverage weighs each question term by how few candidate lines carry it,
// so the sentence with the rare, specific words ("form" in "Where do
// glaciers form?") beats those that only share the document's topic word
// ("glaciers"); sentences far below the best are left out rather than
// padded in. When no sentence qualifies but a line that is not a sentence
// shares a word with the question, the answer is the first sentence of the
// passage with the best-matching line (see lead).
func extractive(q map[string]bool, ps []ai.Passage) string {
	var all []line
	df := map[string]int{}
	n := 0 // lines counted in df
	count := func(ts map[string]bool) {
		n++
		for t := range ts {
			df[t]++
		}
	}
	// The same sentence in two passages (a document uploaded twice, say) is
	// one candidate, cited from the first: quoted twice it repeated itself.
	seen := map[string]bool{}
	for i, p := range ps {
		heading := matching(q, terms(innermostHeading(p.Title)))
		if len(heading) > 0 {
			count(heading)
		}
		first := true // the next sentence opens the heading's section
		for _, s := range sentences(dropFootnoteMarks(p.Text)) {
			c := line{text: s, cite: i + 1, order: len(all), terms: matching(q, terms(s))}
			if isHeading(s) {
				heading, first = c.terms, true
			} else if isSentence(s) {
				c.sentence = true
				c.context = map[string]bool{}
				for t := range heading {
					if !c.terms[t] {
						c.context[t] = true
					}
				}
				c.opens, first = first, false
			}
			key := strings.ToLower(strings.Join(strings.Fields(s), " "))
			if seen[key] {
				continue
			}
			seen[key] = true
			count(c.terms)
			all = append(all, c)
		}
	}
	weight := func(t string) float64 { return math.Log(1 + float64(n)/float64(max(df[t], 1))) }
	weigh := func(c *line) {
		c.score, c.own = 0, 0
		for t := range c.terms {
			c.own += weight(t)
		}
		c.score = c.own
		for t := range c.context {
			c.score += weight(t)
		}
	}
	var cands []line
	for _, c := range all {
		if c.sentence && (len(c.terms) > 0 || c.opens && len(c.context) > 0) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return lead(all, weigh)
	}
	best := 0.0
	for i := range cands {
		weigh(&cands[i])
		best = max(best, cands[i].score)
	}
	// Among sentences that cover as much, the one that says the words
	// itself comes first.
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].own > cands[j].own
	})
	// The best is quoted; up to two more join it if they say a word of the
	// question themselves and cover over half as much: one that only
	// opens another section the question's words head is that section's
	// answer, not this question's.
	kept := cands[:1]
	for _, c := range cands[1:] {
		if len(kept) < 3 && len(c.terms) > 0 && c.score > best/2 {
			kept = append(kept, c)
		}
	}
	cands = kept
	sort.Slice(cands, func(i, j int) bool { return cands[i].order < cands[j].order })
	var b strings.Builder
	for i, c := range cands {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(cited(c))
	}
	return b.String()
}

// footnoteMark is a source's own reference marker ("slowly.[2]", "Smith
// [14] showed"): quoted, it read as a citation of another passage, and it
// hid a sentence's closing full stop.
// Only after punctuation or a space: "x[10]" is an index, not a mark.
var footnoteMark = regexp.MustCompile(`(?:^|[.,;:!?)"”’]|[ \t]+)\[[0-9]{1,3}\]`)

// dropFootnoteMarks removes footnoteMark matches, keeping the punctuation
// before them ("slowly.[2] Then" reads "slowly. Then").
func dropFootnoteMarks(text string) string {
	return footnoteMark.ReplaceAllStringFunc(text, func(m string) string {
		return strings.TrimRight(m[:strings.LastIndexByte(m, '[')], " \t")
	})
}

// matching returns the terms of ts that are also in q.
func matching(q, ts map[string]bool) map[string]bool {
	out := map[string]bool{}
	for t := range ts {
		if q[t] {
			out[t] = true
		}
	}
	return out
}

// innermostHeading returns the last heading of a chunk's title ("Guide >
// Setup > Linux" gives "Linux"), or "" when the title is the document's
// alone: the document's title is every chunk's, so it tells no section
// from another.
func innermostHeading(title string) string {
	if i := strings.LastIndex(title, " > "); i >= 0 {
		return title[i+len(" > "):]
	}
	return ""
}

// isHeading reports whether a line of a passage's text heads what follows:
// a Markdown heading ("## Setup"), an HTML one ("<h2>Setup</h2>"), or a
// question, as FAQs put them (text uploaded as plain text keeps them).
func isHeading(s string) bool {
	if h := strings.TrimLeft(s, "#"); len(h) < len(s) && len(s)-len(h) <= 6 && (h == "" || h[0] == ' ' || h[0] == '\t') {
		return true
	}
	if len(s) > 3 && (s[:2] == "<h" || s[:2] == "<H") && s[2] >= '1' && s[2] <= '6' {
		return true
	}
	return isQuestion(s)
}

// line is a line or sentence of a passage, a candidate for the answer.
type line struct {
	text     string
	cite     int             // the passage's number, from 1
	order    int             // position among all passages' lines
	terms    map[string]bool // the question's terms it says
	context  map[string]bool // the question's terms its heading says and it does not
	sentence bool            // quotable: a sentence that is not a question or heading
	opens    bool            // the first sentence under its heading
	own      float64         // the weight of terms
	score    float64         // own, and the weight of context
}

func cited(l line) string { return l.text + " [" + strconv.Itoa(l.cite) + "]" }

// lead answers when no sentence shares a word with the question: if a line
// that is not a sentence (a heading, a list label) does, the passage holding
// the best-weighted such line (the earlier passage on a tie) is the best
// passage, and its first sentence is the answer; failing that, the next
// passage with a matching line. The line itself is never quoted. It returns
// "" (nothing found) when no line matches or no matching passage has a
// sentence.
func lead(all []line, weigh func(*line)) string {
	score := map[int]float64{} // best line score per passage
	var cites []int
	for _, c := range all {
		if len(c.terms) == 0 {
			continue
		}
		weigh(&c)
		if old, ok := score[c.cite]; !ok {
			cites = append(cites, c.cite)
			score[c.cite] = c.score
		} else if c.score > old {
			score[c.cite] = c.score
		}
	}
	sort.SliceStable(cites, func(i, j int) bool { return score[cites[i]] > score[cites[j]] })
	for _, cite := range cites {
		for _, c := range all {
			if c.cite == cite && c.sentence {
				return cited(c)
			}
		}
	}
	return ""
}

// isSentence reports whether a line reads as a sentence: it ends with
// closing punctuation (before any closing quotes or brackets) and has a few
// words. Headings and list labels usually do not.
func isSentence(s string) bool {
	s = strings.TrimRight(s, `"')]}»”’`)
	if s == "" || len(strings.Fields(s)) < 3 {
		return false
	}
	switch s[len(s)-1] {
	case '.', '!', '?':
		return true
	}
	return false
}

// recall finds the earlier message sentence sharing most terms (at least two,
// or one for a one-term question) with the question.
func recall(q map[string]bool, msgs []ai.Message) string {
	best, bestScore := "", 0
	need := min(2, len(q))
	// Skip the question itself: the last user message.
	last := len(msgs) - 1
	for last >= 0 && msgs[last].Role != ai.RoleUser {
		last--
	}
	for i, m := range msgs {
		if i == last || m.Role == ai.RoleSystem {
			continue
		}
		for _, s := range sentences(m.Content) {
			if isQuestion(s) || cannedSentences[s] || startsCanned(s) {
				continue // a question answers nothing; nor does this provider's own reply
			}
			score := 0
			for t := range terms(s) {
				if q[t] {
					score++
				}
			}
			if score >= need && score > bestScore {
				best, bestScore = s, score
			}
		}
	}
	return best
}

var phrases = map[string]map[string]string{
	"en": {
		"nomodel": "No AI model is configured on this Xentree server, so I cannot answer that. An administrator can connect an OpenAI-compatible or Anthropic provider.",
		"nothing": "I could not find anything about that in your knowledge base.",
		"recall":  "From earlier in this conversation:",
	},
	"de": {
		"nomodel": "Auf diesem Xentree-Server ist kein KI-Modell eingerichtet, daher kann ich das nicht beantworten. Ein Administrator kann einen OpenAI-kompatiblen oder Anthropic-Anbieter verbinden.",
		"nothing": "Dazu habe ich in deiner Wissensdatenbank nichts gefunden.",
		"recall":  "Aus diesem Gespräch:",
	},
	"es": {
		"nomodel": "No hay ningún modelo de IA configurado en este servidor Xentree, así que no puedo responder a eso. Un administrador puede conectar un proveedor compatible con OpenAI o Anthropic.",
		"nothing": "No encontré nada sobre eso en tu base de conocimientos.",
		"recall":  "De antes en esta conversación:",
	},
	"fr": {
		"nomodel": "Aucun modèle d'IA n'est configuré sur ce serveur Xentree, je ne peux donc pas répondre. Un administrateur peut connecter un fournisseur compatible OpenAI ou Anthropic.",
		"nothing": "Je n'ai rien trouvé à ce sujet dans ta base de connaissances.",
		"recall":  "Plus tôt dans cette conversation :",
	},
	"pt": {
		"nomodel": "Nenhum modelo de IA está configurado neste servidor Xentree, por isso não posso responder. Um administrador pode ligar um fornecedor compatível com OpenAI ou Anthropic.",
		"nothing": "Não encontrei nada sobre isso na tua base de conhecimento.",
		"recall":  "Do início desta conversa:",
	},
	"it": {
		"nomodel": "Su questo server Xentree non è configurato alcun modello di IA, quindi non posso rispondere. Un amministratore può collegare un fornitore compatibile con OpenAI o Anthropic.",
		"nothing": "Non ho trovato nulla al riguardo nella tua base di conoscenza.",
		"recall":  "Da prima in questa conversazione:",
	},
}

// cannedSentences are the sentences of this provider's own replies, in
// every language, which recall never quotes back.
var cannedSentences = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range phrases {
		for _, key := range []string{"nomodel", "nothing"} {
			for _, s := range sentences(p[key]) {
				m[s] = true
			}
		}
	}
	return m
}()

// startsCanned reports whether s is a recall reply of this provider.
func startsCanned(s string) bool {
	for _, p := range phrases {
		if strings.HasPrefix(s, p["recall"]) {
			return true
		}
	}
	return false
}

// isQuestion reports whether s ends with a question mark (before closing
// quotes or brackets).
func isQuestion(s string) bool {
	return strings.HasSuffix(strings.TrimRight(s, `"')]}»”’ `), "?")
}

func phrase(lang, key string) string {
	if p, ok := phrases[lang]; ok {
		return p[key]
	}
	return phrases["en"][key]
}

func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	base, _, _ = strings.Cut(base, "_")
	return base
}

// stopwords are skipped when matching: they carry no topic.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for with from as is are was were be been
		being am do does did have has had i you he she it we they me my your our their this that these those what which
		who whom whose when where why how can could would should will shall may might must not no so than then there
		here about into over under again further once also just only very too s t don isn aren wasn weren doesn didn
		tell explain please`) {
		stopwords[w] = true
	}
}

// terms returns the lower-cased, crudely stemmed content words of s.
func terms(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		out[stem(w)] = true
	}
	return out
}

// stem strips common English endings so "runs" and "running" meet "run".
func stem(w string) string {
	for _, suf := range []string{"ingly", "edly", "ing", "ies", "ied", "es", "ed", "ly", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			if suf == "ies" || suf == "ied" {
				w += "y"
			}
			break
		}
	}
	// running → runn → run
	if n := len(w); n > 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		w = w[:n-1]
	}
	return w
}

// sentences splits text at sentence ends and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	flush := func(end int) {
		s := strings.TrimSpace(string(rs[start:end]))
		if s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i, r := range rs {
		switch {
		case r == '\n':
			flush(i + 1)
		case r == '.' || r == '!' || r == '?':
			if i+1 == len(rs) || unicode.IsSpace(rs[i+1]) {
				flush(i + 1)
			}
		}
	}
	flush(len(rs))
	return out
}

// CountTokens approximates tokens as words and punctuation marks, which is
// what this provider reports as usage.
func CountTokens(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				n++
				inWord = true
			}
		case unicode.IsSpace(r):
			inWord = false
		default:
			n++
			inWord = false
		}
	}
	return n
}

// splitKeepSpace splits s into words, each with its trailing space, so the
// pieces concatenate back to s.
func splitKeepSpace(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
