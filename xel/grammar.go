package xel

import "strings"

// The tables below drive grammarChecks. Words are as measure gives them:
// lower case, apostrophes removed ("doesn't" is "doesnt").
var (
	// thirdPerson maps a base verb to its -s form.
	thirdPerson = map[string]string{"go": "goes", "have": "has", "do": "does", "like": "likes", "want": "wants",
		"live": "lives", "work": "works", "play": "plays", "think": "thinks", "make": "makes", "say": "says", "come": "comes",
		"need": "needs", "know": "knows", "get": "gets", "take": "takes", "give": "gives", "help": "helps", "try": "tries",
		"feel": "feels", "see": "sees", "learn": "learns", "study": "studies", "spend": "spends", "keep": "keeps",
		"start": "starts", "love": "loves", "become": "becomes", "believe": "believes", "find": "finds", "tell": "tells",
		"talk": "talks", "watch": "watches", "leave": "leaves", "show": "shows", "ask": "asks", "seem": "seems",
		"mean": "means", "read": "reads", "write": "writes", "eat": "eats", "buy": "buys", "pay": "pays",
		"agree": "agrees", "prefer": "prefers", "enjoy": "enjoys", "decide": "decides", "understand": "understands",
		"achieve": "achieves", "improve": "improves", "explain": "explains", "receive": "receives", "choose": "chooses",
		"change": "changes", "create": "creates", "finish": "finishes", "complete": "completes", "succeed": "succeeds",
		"develop": "develops", "continue": "continues", "follow": "follows", "allow": "allows", "provide": "provides",
		"accept": "accepts", "travel": "travels", "visit": "visits", "join": "joins", "hope": "hopes", "happen": "happens",
		"graduate": "graduates", "focus": "focuses", "support": "supports", "practice": "practices"}
	// baseOf maps an -s form back to its base verb.
	baseOf = func() map[string]string {
		m := map[string]string{}
		for b, s := range thirdPerson {
			m[s] = b
		}
		return m
	}()
	// pastOf maps an irregular past to its base verb.
	pastOf = map[string]string{"went": "go", "had": "have", "did": "do", "made": "make", "saw": "see", "got": "get",
		"took": "take", "came": "come", "said": "say", "knew": "know", "thought": "think", "gave": "give", "found": "find",
		"told": "tell", "felt": "feel", "left": "leave", "bought": "buy", "brought": "bring", "ate": "eat", "wrote": "write",
		"spent": "spend", "kept": "keep", "began": "begin", "became": "become"}
	// questionAux are the words after which "he go" is a question, not an error.
	questionAux = map[string]bool{"do": true, "does": true, "did": true, "can": true, "could": true, "will": true,
		"would": true, "should": true, "must": true, "may": true, "might": true, "shall": true, "let": true, "make": true,
		"made": true, "help": true, "helped": true, "see": true, "saw": true, "watch": true, "hear": true, "heard": true,
		"doesnt": true, "didnt": true, "dont": true, "cant": true, "wont": true, "why": true, "how": true}
	modals = map[string]bool{"can": true, "could": true, "should": true, "would": true, "will": true, "must": true,
		"might": true, "may": true, "cannot": true, "cant": true, "couldnt": true, "shouldnt": true, "wouldnt": true,
		"wont": true, "dont": true, "doesnt": true, "didnt": true}
	// agreement lists subject and verb pairs that never agree, with the fix.
	agreement = map[string]string{"i is": "I am", "i has": "I have", "i does": "I do", "you is": "you are",
		"you has": "you have", "you was": "you were", "we is": "we are", "we has": "we have", "we was": "we were",
		"they is": "they are", "they has": "they have", "they was": "they were", "they does": "they do",
		"people is": "people are", "people has": "people have", "people was": "people were", "people does": "people do",
		"he are": "he is", "she are": "she is", "it are": "it is", "he dont": "he doesn't", "she dont": "she doesn't",
		"it dont": "it doesn't", "i doesnt": "I don't", "you doesnt": "you don't", "we doesnt": "we don't",
		"they doesnt": "they don't", "people doesnt": "people don't", "more easy": "easier", "more cheap": "cheaper", "more big": "bigger", "more fast": "faster",
		"more hard": "harder", "more happy": "happier", "more busy": "busier", "more young": "younger",
		"more old": "older", "more small": "smaller", "more long": "longer", "more short": "shorter",
		"more nice": "nicer", "more good": "better", "more bad": "worse", "more strong": "stronger", "more healthy": "healthier", "more early": "earlier", "more funny": "funnier", "more pretty": "prettier", "more lazy": "lazier", "more heavy": "heavier", "more quick": "quicker", "more safe": "safer", "more high": "higher", "more low": "lower", "more large": "larger", "more close": "closer", "more smart": "smarter", "more rich": "richer", "more hot": "hotter", "more cold": "colder", "more new": "newer", "more slow": "slower", "more late": "later",
		"most biggest": "biggest", "most best": "best", "the most easy": "the easiest", "every days": "every day",
		"every students": "every student", "each students": "each student", "many thing": "many things",
		"many person": "many people", "many student": "many students", "many time": "many times",
		"many year": "many years", "many friend": "many friends", "many problem": "many problems",
		"many reason": "many reasons", "in the other hand": "on the other hand", "many way": "many ways", "many kid": "many kids", "many class": "many classes",
		"many activity": "many activities", "many job": "many jobs", "many idea": "many ideas",
		"these thing": "these things", "this things": "these things", "these kind": "this kind",
		"a lots": "a lot", "am agree": "agree", "im agree": "I agree", "is agree": "agrees", "are agree": "agree", "am disagree": "disagree",
		"is disagree": "disagrees", "are disagree": "disagree",
		"a people": "people", "a students": "a student", "a things": "a thing", "a friends": "a friend", "a parents": "a parent", "a teachers": "a teacher", "a kids": "a kid", "a classes": "a class", "an activities": "an activity", "an ideas": "an idea", "there is many": "there are many", "there is several": "there are several", "there is two": "there are two", "there is three": "there are three", "there is lots": "there are lots", "there was many": "there were many", "everyone are": "everyone is", "everybody are": "everybody is", "everyone have": "everyone has", "everybody have": "everybody has", "someone are": "someone is", "somebody are": "somebody is", "everyone were": "everyone was", "everyone do": "everyone does", "students is": "students are", "students has": "students have", "kids is": "kids are", "kids has": "kids have", "teachers is": "teachers are", "teachers has": "teachers have", "parents is": "parents are", "parents has": "parents have", "make me to": "make me", "made me to": "made me", "makes me to": "makes me", "let me to": "let me", "let them to": "let them", "let us to": "let us", "make them to": "make them", "made them to": "made them", "makes them to": "makes them", "make people to": "make people", "makes people to": "makes people", "make students to": "make students", "makes students to": "makes students", "let students to": "let students", "let people to": "let people", "discuss about": "discuss", "discussing about": "discussing", "depend of": "depend on", "depends of": "depends on", "every body": "everybody", "any thing": "anything", "some one": "someone", "this days": "these days", "this students": "these students", "this kids": "these kids", "this people": "these people", "that things": "those things", "many homework": "much homework", "many information": "much information", "many money": "much money", "many advice": "much advice", "many knowledge": "much knowledge", "many stress": "much stress", "much people": "many people", "much students": "many students", "much things": "many things", "much friends": "many friends", "much problems": "many problems"}
	// confusions are words mixed up with others that sound the same: real
	// errors, but of spelling rather than grammar, so they are corrected and
	// counted apart.
	confusions = map[string]string{"could of": "could have", "should of": "should have", "would of": "would have", "must of": "must have", "their is": "there is", "their are": "there are", "more then": "more than", "less then": "less than", "better then": "better than", "rather then": "rather than", "other then": "other than", "to much": "too much", "and than": "and then", "there own": "their own", "there parents": "their parents", "there friends": "their friends", "there family": "their family", "there kids": "their kids", "there children": "their children", "there lives": "their lives", "there homework": "their homework", "your welcome": "you're welcome", "your going": "you're going", "your not": "you're not"}
	// needTo are verbs that take to before a verb ("want to go").
	needTo = map[string]bool{"want": true, "wants": true, "wanted": true, "need": true, "needs": true, "needed": true,
		"try": true, "tries": true, "tried": true, "decide": true, "decided": true}
	// notNouns are base verbs that are seldom nouns, so "for find" or
	// "want go" is an error rather than a noun phrase.
	notNouns = map[string]bool{"go": true, "find": true, "get": true, "do": true, "make": true, "take": true,
		"give": true, "improve": true, "become": true, "understand": true, "buy": true, "see": true, "know": true,
		"have": true, "be": true, "learn": true, "spend": true, "keep": true, "tell": true, "say": true, "come": true,
		"eat": true, "write": true, "choose": true, "succeed": true, "think": true, "feel": true, "achieve": true,
		"decide": true, "explain": true, "receive": true, "prefer": true, "enjoy": true, "believe": true, "happen": true,
		"bring": true, "teach": true, "grow": true, "forget": true, "begin": true, "hear": true, "speak": true, "meet": true,
		"lose": true, "win": true}
	subjects = map[string]bool{"i": true, "he": true, "she": true, "we": true, "they": true, "you": true, "people": true}
	negWords = map[string]bool{"dont": true, "doesnt": true, "didnt": true, "cant": true, "never": true, "not": true,
		"wont": true, "cannot": true}
)

// grammarChecks finds error patterns learners often make and that can be
// told from the words alone: agreement, verb forms after modals and
// pronouns, a/an, comparatives, double negatives; and slips: words that
// sound like the right one (then/than, their/there, its/it's) and repeated
// words. It returns the corrections (at most 20, each original once), how
// many grammar errors it found and how many slips, repeats included. A
// lower-case "i" is corrected but not counted (the scorer counts it apart).
func grammarChecks(words, raw []string) (out []Correction, errs, slips int) {
	seen := map[string]bool{}
	note := func(orig, sugg, reason string) {
		orig, sugg = withApostrophes(orig), withApostrophes(sugg)
		if len(out) < 20 && !seen[orig] {
			seen[orig] = true
			out = append(out, Correction{Original: orig, Suggestion: sugg, Reason: reason})
		}
	}
	add := func(orig, sugg, reason string) {
		errs++
		note(orig, sugg, reason)
	}
	slip := func(orig, sugg, reason string) {
		slips++
		note(orig, sugg, reason)
	}
	for i, w := range words {
		if w == "i" && raw[i] == "i" {
			note("i", "I", "the pronoun I is always a capital letter")
		}
		if i == 0 {
			continue
		}
		prev, before := words[i-1], ""
		if i > 1 {
			before = words[i-2]
		}
		if fix := confusions[prev+" "+w]; fix != "" {
			slip(prev+" "+w, fix, "a word that sounds alike: use "+fix)
			continue
		}
		if fix := agreement[prev+" "+w]; fix != "" {
			add(prev+" "+w, fix, "use "+fix)
			continue
		}
		if fix := agreement[before+" "+prev+" "+w]; before != "" && fix != "" {
			add(before+" "+prev+" "+w, fix, "use "+fix)
			continue
		}
		switch {
		case prev == w && !(w == "had" || w == "that"):
			slip(prev+" "+w, w, "the word is repeated")
		case prev == "a" && len(w) > 1 && strings.ContainsRune("aeio", rune(w[0])) && !sayYou(w):
			add("a "+w, "an "+w, "use an before a vowel sound")
		case prev == "an" && len(w) > 1 && !strings.ContainsRune("aeiouh", rune(w[0])):
			add("an "+w, "a "+w, "use a before a consonant sound")
		case (prev == "he" || prev == "she" || prev == "it" && w != "like") && !questionAux[before] && thirdPerson[w] != "":
			add(prev+" "+w, prev+" "+thirdPerson[w], "he, she and it take the -s form of the verb")
		case (prev == "i" || prev == "you" || prev == "we" || prev == "they") && !questionAux[before] && baseOf[w] != "":
			add(prev+" "+w, prev+" "+baseOf[w], "after "+prev+", use the base form of the verb")
		case prev == "more" && comparatives[w]:
			add("more "+w, w, "do not use more with a comparative ending in -er")
		case modals[prev] && baseForm(w) != "":
			add(prev+" "+w, prev+" "+baseForm(w), "after "+prev+", use the base form of the verb")
		case modals[prev] && w == "to" && !negModal[prev] && prev != "will":
			add(prev+" to", prev, "no to after "+prev)
		case prev == "its" && !strings.ContainsAny(raw[i-1], "'’") && itsNext[w]:
			slip("its "+w, "it's "+w, "it's (it is) needs the apostrophe; its means belonging to it")
		case prev == "to" && pastBase(w) != "" && w != "left" && w != "found":
			add("to "+w, "to "+pastBase(w), "after to, use the base form of the verb")
		case beForms[prev] && notNouns[w]:
			add(prev+" "+w, prev+" "+ingForm(w), "two verbs side by side: use the -ing form, or leave out "+prev)
		case prev == "of" && notNouns[w]:
			add("of "+w, "of "+ingForm(w), "after of, use the -ing form of the verb")
		case needTo[prev] && notNouns[w]:
			add(prev+" "+w, prev+" to "+w, "use to before the verb")
		case prev == "for" && notNouns[w]:
			add("for "+w, "to "+w, "to say what something is for, use to before the verb")
		case subjects[prev] && w == "not" && i+1 < len(words) && words[i+1] != "only":
			add(prev+" not", prev+" "+doForm(prev)+" not", "a verb needs do, does or did (or a form of be) before not")
		case (w == "nothing" || w == "nobody" || w == "none" || w == "nowhere") && (negWords[prev] || negWords[before]):
			add(w, strings.NewReplacer("nothing", "anything", "nobody", "anybody", "none", "any", "nowhere", "anywhere").Replace(w),
				"one negative is enough in English")
		}
	}
	return out, errs, slips
}

// comparatives are common adjectives' -er forms.
var comparatives = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("better worse easier harder faster bigger smaller stronger happier larger longer " +
		"shorter higher lower older younger cheaper busier greater nicer simpler smarter richer healthier safer wiser " +
		"quicker slower closer clearer deeper funnier lazier heavier lighter wider warmer colder hotter newer louder " +
		"weaker calmer tougher earlier") {
		m[w] = true
	}
	return m
}()

// sayYou reports words spelt with a vowel but said with a "w" or "y"
// sound, which take a: a one-off, a European.
func sayYou(w string) bool {
	return w == "one" || w == "once" || strings.HasPrefix(w, "one-") || strings.HasPrefix(w, "eu")
}

// negModal are the negative auxiliaries among modals.
var negModal = map[string]bool{"dont": true, "doesnt": true, "didnt": true, "wont": true}

// itsNext are words after which "its" must be "it's".
var itsNext = map[string]bool{"a": true, "an": true, "the": true, "not": true, "very": true, "so": true, "important": true,
	"good": true, "hard": true, "easy": true, "better": true, "true": true, "because": true, "really": true, "just": true,
	"going": true, "been": true, "ok": true, "okay": true, "fun": true, "like": true, "also": true, "always": true,
	"never": true, "more": true, "too": true, "bad": true, "something": true, "what": true, "only": true, "easier": true}

// beForms are the forms of be that take an -ing form, not a base verb.
var beForms = map[string]bool{"is": true, "are": true, "am": true, "was": true, "were": true}

// baseForm returns the base verb of w when w is a known verb's -s form,
// irregular past or -ed form, else "".
func baseForm(w string) string {
	if b := baseOf[w]; b != "" {
		return b
	}
	return pastBase(w)
}

// ingForm is the -ing form of a base verb.
func ingForm(b string) string {
	switch {
	case b == "be" || b == "see" || b == "agree" || b == "succeed" || b == "flee":
		return b + "ing"
	case b == "get" || b == "put" || b == "run" || b == "sit" || b == "stop" || b == "plan":
		return b + b[len(b)-1:] + "ing"
	case strings.HasSuffix(b, "e"):
		return b[:len(b)-1] + "ing"
	}
	return b + "ing"
}

// pastBase returns the base verb of w when w is a known verb's past form.
func pastBase(w string) string {
	if b := pastOf[w]; b != "" {
		return b
	}
	if stem, ok := strings.CutSuffix(w, "ed"); ok {
		for _, b := range []string{stem, stem + "e", strings.TrimSuffix(stem, "i") + "y"} {
			if thirdPerson[b] != "" {
				return b
			}
		}
	}
	return ""
}

func doForm(subject string) string {
	if subject == "he" || subject == "she" {
		return "does"
	}
	return "do"
}

// withApostrophes puts back the apostrophe that measure takes out of the
// common contractions ("didnt" → "didn't"), for display.
func withApostrophes(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		switch {
		case w == "im":
			ws[i] = "I'm"
		case w == "cant" || w == "wont":
			ws[i] = w[:len(w)-1] + "'t"
		case strings.HasSuffix(w, "nt") && noApostrophe[w]:
			ws[i] = w[:len(w)-2] + "n't"
		}
	}
	return strings.Join(ws, " ")
}
