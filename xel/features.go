package xel

import (
	"math"
	"slices"
	"strings"
	"unicode"
)

// WritingFeatureNames names the measurements WritingFeatures returns, in
// order. The offline writing scorer is a linear combination of them.
func WritingFeatureNames() []string { return slices.Clone(featureNames) }

var featureNames = []string{
	"ln_words",           // ln(1 + words): how much was written
	"ln_sentences",       // ln(1 + sentences)
	"ln_mean_sent_len",   // ln(1 + mean words a sentence): long run-ons are a learner's mark
	"sd_sent_len",        // spread of sentence lengths, words
	"long_sent_share",    // sentences over 40 words
	"ln_paragraphs",      // ln(1 + paragraphs)
	"guiraud",            // types / sqrt(words): diversity corrected for length
	"mtld",               // measure of textual lexical diversity (McCarthy & Jarvis), /100
	"hapax_share",        // words used once, of all types
	"rare_share",         // content words outside the most common band, of content words
	"band3_share",        // content words only in the large list, of content words
	"common_share",       // function and very common words, of all words
	"mean_word_len",      // letters a word
	"long_word_share",    // words of 7 letters or more
	"suffix_share",       // -tion, -ment, -ness, -ity, -ance, -ence, -ism, -ive, -ous, -al words
	"ly_share",           // -ly adverbs
	"misspelled_rate",    // words not in the dictionary, per word
	"misspelled_sqrt",    // its square root: the first errors weigh most
	"grammar_rate",       // common learner error patterns, per word
	"lower_i_rate",       // "i" for "I", per word
	"lower_start_share",  // sentences starting with a lower-case letter
	"caps_error_rate",    // capitalised common words inside a sentence, per word
	"no_apostrophe_rate", // dont, cant, im, ... written without the apostrophe, per word
	"spacing_rate",       // a space before punctuation or none after it, per word
	"comma_rate",         // commas a sentence
	"rich_punct_rate",    // ; : ( ) " per sentence
	"connective_types",   // distinct linking words and phrases
	"connective_rate",    // linking words and phrases, per sentence
	"subordinator_rate",  // which, who, whose, whom, although, whereas, unless, whether, per sentence
	"repeat_share",       // content words beyond their third use, of content words
	"you_rate",           // you, your: addressing the reader
	"i_rate",             // I, me, my
	"ln_words_sq",        // (ln_words - 6)²: length matters less once a text is long
	"long_types",         // distinct correctly spelled words of 7 letters or more / sqrt(words)
	"content_types",      // distinct words outside the common list / sqrt(words)
	"ln_para_len",        // ln(1 + words a paragraph)
	"bigram_repeat",      // word pairs used before in the text, of all pairs
	"vague_rate",         // thing, stuff, very, really, lot, good, bad, nice, big: per word
	"question_rate",      // ? per sentence
	"exclaim_rate",       // ! per sentence
	"contraction_rate",   // don't, it's, I'm, ... per word
	"fragment_share",     // sentences starting with because, and, but, so, or
	"word_len_sd",        // spread of word lengths
	"ln_types",           // ln(1 + distinct words)
	"long10_share",       // words of 10 letters or more
	"ing_rate",           // -ing words, per word
	"perfect_passive",    // have/has/had/was/were/been/being/is/are + -ed or -en word, per sentence
	"that_rate",          // that, per sentence
	"prep_rate",          // prepositions, per word
	"pronoun_rate",       // he, she, it, they, them, him, her, we, us: per word
	"no_end_punct",       // 1 when the text does not end with . ! or ?
	"one_paragraph",      // 1 when the text is a single paragraph
	"comma_sent_share",   // sentences with a comma
	"misspelled_types",   // distinct misspelled words / sqrt(words)
	"median_sent_len",    // ln(1 + median words a sentence)
	"spacing_sqrt",       // square root of spacing_rate
	"slip_rate",          // sound-alike words (then/than, their/there, its/it's) and repeated words, per word
}

// WritingFeatures returns the measurements of a text that the offline
// writing scorer combines, named by WritingFeatureNames(). It is exported so
// that cmd/xentree-eval can refit the scorer's weights on human-judged
// essays; it is deterministic and does no I/O.
func WritingFeatures(text string) []float64 {
	return writingVector(measure(text), text)
}

var (
	suffixes      = []string{"tion", "sion", "ment", "ness", "ity", "ance", "ence", "ism", "ive", "ous", "al", "ship"}
	subordinators = map[string]bool{"which": true, "who": true, "whose": true, "whom": true, "although": true,
		"whereas": true, "unless": true, "whether": true, "though": true, "whenever": true, "wherever": true}
	vague = map[string]bool{"thing": true, "things": true, "stuff": true, "very": true, "really": true, "lot": true,
		"good": true, "bad": true, "nice": true, "big": true, "so": true}
	auxBePerfect = map[string]bool{"have": true, "has": true, "had": true, "was": true, "were": true, "been": true,
		"being": true, "is": true, "are": true, "be": true}
	prepositions = map[string]bool{"in": true, "on": true, "at": true, "of": true, "for": true, "with": true, "by": true,
		"from": true, "about": true, "into": true, "through": true, "during": true, "between": true, "among": true,
		"without": true, "within": true, "against": true, "toward": true, "towards": true, "upon": true, "across": true}
	pronouns = map[string]bool{"he": true, "she": true, "it": true, "they": true, "them": true, "him": true, "her": true,
		"we": true, "us": true}
	fragmentStart = map[string]bool{"because": true, "and": true, "but": true, "so": true, "or": true}
	noApostrophe  = map[string]bool{"dont": true, "cant": true, "im": true, "didnt": true, "doesnt": true, "wont": true,
		"isnt": true, "wasnt": true, "arent": true, "couldnt": true, "wouldnt": true, "shouldnt": true, "ive": true,
		"thats": true, "theyre": true, "youre": true, "whats": true, "hasnt": true, "havent": true}
)

func writingVector(f features, text string) []float64 {
	l := lex()
	n := float64(len(f.words))
	if n == 0 {
		return make([]float64, len(featureNames))
	}
	sents := math.Max(1, float64(f.sentences))
	content := math.Max(1, float64(f.contentTokens))
	_, sd := meanSD(f.sentLens)
	meanLen, long := f.sentenceShape()
	seen := make(map[string]int, len(f.words))
	var letters, longW, suff, ly, band3, common, lowerI, you, me, vagueN, bigramRep int
	var letters2 float64
	var long10, ing, perfPass, that, preps, prons int
	longTypes, contentTypes := map[string]bool{}, make(map[string]bool, len(f.words)/2)
	bigrams := make(map[string]bool, len(f.words))
	misspelled := map[int]bool{}
	for _, i := range f.misspelled {
		misspelled[i] = true
	}
	for i, w := range f.words {
		seen[w]++
		letters += len(w)
		letters2 += float64(len(w) * len(w))
		if len(w) >= 7 && !misspelled[i] {
			longTypes[w] = true
		}
		if !l.common[w] && !misspelled[i] {
			contentTypes[w] = true
		}
		if vague[w] {
			vagueN++
		}
		if len(w) >= 10 {
			long10++
		}
		if len(w) > 4 && strings.HasSuffix(w, "ing") {
			ing++
		}
		if i > 0 && auxBePerfect[f.words[i-1]] && len(w) > 3 && (strings.HasSuffix(w, "ed") || strings.HasSuffix(w, "en") || pastOf[w] != "") {
			perfPass++
		}
		switch {
		case w == "that":
			that++
		case prepositions[w]:
			preps++
		case pronouns[w]:
			prons++
		}
		if i > 0 {
			bg := f.words[i-1] + " " + w
			if bigrams[bg] {
				bigramRep++
			}
			bigrams[bg] = true
		}
		if len(w) >= 7 {
			longW++
		}
		if len(w) >= 6 {
			for _, s := range suffixes {
				if strings.HasSuffix(w, s) {
					suff++
					break
				}
			}
			if strings.HasSuffix(w, "ly") {
				ly++
			}
		}
		if l.common[w] {
			common++
		} else if b, ok := l.band[w]; ok && b == 3 {
			band3++
		}
		switch w {
		case "i":
			if f.raw[i] == "i" {
				lowerI++
			}
			me++
		case "me", "my":
			me++
		case "you", "your":
			you++
		}
	}
	hapax := 0
	for _, c := range seen {
		if c == 1 {
			hapax++
		}
	}
	// Mechanics, from the raw tokens.
	var lowerStart, capsErr, noApos, spacing, commas, rich, subord, connTokens, contractions, fragments, commaSents int
	sentComma := false
	start := true
	for _, tok := range tokens(text) {
		word := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return r
			}
			return -1
		}, tok)
		if word == "" {
			if strings.ContainsAny(tok, ".,;:!?") {
				spacing++ // punctuation standing alone: a space before it
			}
			continue
		}
		first := []rune(word)[0]
		lw := strings.ToLower(word)
		switch {
		case start && unicode.IsLower(first):
			lowerStart++
		case !start && unicode.IsUpper(first) && lw != "i" && l.common[lw]:
			capsErr++
		}
		if start && fragmentStart[lw] {
			fragments++
		}
		if strings.ContainsAny(tok, "'’") && !strings.HasSuffix(lw, "s") {
			contractions++
		}
		if noApostrophe[lw] && !strings.ContainsAny(tok, "'’") {
			noApos++
		}
		if subordinators[lw] {
			subord++
		}
		trim := strings.TrimRight(tok, ".,;:!?\"')")
		if i := strings.IndexAny(trim, ".,;:!?"); i > 0 && i < len(trim)-1 {
			spacing++ // "end.Next" or "one,two": no space after the mark
		}
		sentComma = sentComma || strings.Contains(tok, ",")
		start = strings.ContainsAny(tok[len(tok)-1:], ".!?")
		if start && sentComma {
			commaSents++
			sentComma = false
		}
	}
	commas = strings.Count(text, ",")
	rich = strings.Count(text, ";") + strings.Count(text, ":") + strings.Count(text, "(") + strings.Count(text, "\"")
	for c := range f.connectives {
		connTokens += strings.Count(f.norm, " "+c+" ")
	}
	mis := float64(len(f.misspelled)) / n
	v := append(make([]float64, 0, len(featureNames)),
		math.Log1p(n),
		math.Log1p(float64(f.sentences)),
		math.Log1p(meanLen),
		sd,
		long,
		math.Log1p(float64(f.paragraphs)),
		float64(f.types)/math.Sqrt(n),
		mtld(f.words)/100,
		float64(hapax)/math.Max(1, float64(len(seen))),
		float64(f.rareContent)/content,
		float64(band3)/content,
		float64(common)/n,
		float64(letters)/n,
		float64(longW)/n,
		float64(suff)/n,
		float64(ly)/n,
		mis,
		math.Sqrt(mis),
		float64(f.errors)/n,
		float64(lowerI)/n,
		float64(lowerStart)/sents,
		float64(capsErr)/n,
		float64(noApos)/n,
		float64(spacing)/n,
		float64(commas)/sents,
		float64(rich)/sents,
		float64(len(f.connectives)),
		float64(connTokens)/sents,
		float64(subord)/sents,
		float64(f.repeats)/content,
		float64(you)/n,
		float64(me)/n,
		(math.Log1p(n)-6)*(math.Log1p(n)-6),
		float64(len(longTypes))/math.Sqrt(n),
		float64(len(contentTypes))/math.Sqrt(n),
		math.Log1p(n/math.Max(1, float64(f.paragraphs))),
		float64(bigramRep)/math.Max(1, n-1),
		float64(vagueN)/n,
		float64(strings.Count(text, "?"))/sents,
		float64(strings.Count(text, "!"))/sents,
		float64(contractions)/n,
		float64(fragments)/sents,
		math.Sqrt(math.Max(0, letters2/n-(float64(letters)/n)*(float64(letters)/n))),
		math.Log1p(float64(len(seen))),
		float64(long10)/n,
		float64(ing)/n,
		float64(perfPass)/sents,
		float64(that)/sents,
		float64(preps)/n,
		float64(prons)/n,
		b2f(!strings.ContainsAny(lastRune(strings.TrimRight(text, " \n\t\r\"')")), ".!?")),
		b2f(f.paragraphs <= 1),
		float64(commaSents)/sents,
		float64(len(misTypes(f)))/math.Sqrt(n),
		math.Log1p(median(f.sentLens)),
		math.Sqrt(float64(spacing)/n),
		float64(f.slips)/n,
	)
	return v
}

// mtld is the measure of textual lexical diversity (McCarthy & Jarvis
// 2010): the mean length of the stretches of text over which the
// type-token ratio stays above 0.72, averaged over both directions.
func mtld(words []string) float64 {
	if len(words) == 0 {
		return 0
	}
	pass := func(next func(i int) string) float64 {
		const limit = 0.72
		factors := 0.0
		types := map[string]bool{}
		count := 0
		for i := range words {
			w := next(i)
			count++
			types[w] = true
			if float64(len(types))/float64(count) <= limit {
				factors++
				clear(types)
				count = 0
			}
		}
		if count > 0 {
			ttr := float64(len(types)) / float64(count)
			factors += (1 - ttr) / (1 - limit)
		}
		if factors == 0 {
			return float64(len(words))
		}
		return float64(len(words)) / factors
	}
	fwd := pass(func(i int) string { return words[i] })
	bwd := pass(func(i int) string { return words[len(words)-1-i] })
	return (fwd + bwd) / 2
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func lastRune(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[len(r)-1])
}

func misTypes(f features) map[string]bool {
	m := map[string]bool{}
	for _, i := range f.misspelled {
		m[f.words[i]] = true
	}
	return m
}

func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}
