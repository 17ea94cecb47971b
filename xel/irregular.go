package xel

import "strings"

// irregularVerbs are common English irregular verbs: base, past, past
// participle. Learners regularise them ("goed", "buyed", "runned"), and a
// spelling suggestion one edit away from such a form is another wrong word
// ("geed", "bayed"): overregularised lists those forms with the right one.
var irregularVerbs = [][3]string{
	{"be", "was", "been"}, {"become", "became", "become"}, {"begin", "began", "begun"}, {"bend", "bent", "bent"},
	{"bite", "bit", "bitten"}, {"blow", "blew", "blown"}, {"break", "broke", "broken"}, {"bring", "brought", "brought"},
	{"build", "built", "built"}, {"buy", "bought", "bought"}, {"catch", "caught", "caught"}, {"choose", "chose", "chosen"},
	{"come", "came", "come"}, {"cost", "cost", "cost"}, {"cut", "cut", "cut"}, {"dig", "dug", "dug"},
	{"do", "did", "done"}, {"draw", "drew", "drawn"}, {"drink", "drank", "drunk"}, {"drive", "drove", "driven"},
	{"eat", "ate", "eaten"}, {"fall", "fell", "fallen"}, {"feed", "fed", "fed"}, {"feel", "felt", "felt"},
	{"fight", "fought", "fought"}, {"find", "found", "found"}, {"fly", "flew", "flown"}, {"forget", "forgot", "forgotten"},
	{"forgive", "forgave", "forgiven"}, {"freeze", "froze", "frozen"}, {"get", "got", "got"}, {"give", "gave", "given"},
	{"go", "went", "gone"}, {"grow", "grew", "grown"}, {"have", "had", "had"}, {"hear", "heard", "heard"},
	{"hide", "hid", "hidden"}, {"hit", "hit", "hit"}, {"hold", "held", "held"}, {"hurt", "hurt", "hurt"},
	{"keep", "kept", "kept"}, {"know", "knew", "known"}, {"leave", "left", "left"}, {"lend", "lent", "lent"},
	{"let", "let", "let"}, {"lose", "lost", "lost"}, {"make", "made", "made"}, {"mean", "meant", "meant"},
	{"meet", "met", "met"}, {"pay", "paid", "paid"}, {"put", "put", "put"}, {"read", "read", "read"},
	{"ride", "rode", "ridden"}, {"ring", "rang", "rung"}, {"rise", "rose", "risen"}, {"run", "ran", "run"},
	{"say", "said", "said"}, {"see", "saw", "seen"}, {"sell", "sold", "sold"}, {"send", "sent", "sent"},
	{"shake", "shook", "shaken"}, {"shine", "shone", "shone"}, {"shoot", "shot", "shot"}, {"shut", "shut", "shut"},
	{"sing", "sang", "sung"}, {"sink", "sank", "sunk"}, {"sit", "sat", "sat"}, {"sleep", "slept", "slept"},
	{"speak", "spoke", "spoken"}, {"spend", "spent", "spent"}, {"stand", "stood", "stood"}, {"steal", "stole", "stolen"},
	{"stick", "stuck", "stuck"}, {"swim", "swam", "swum"}, {"take", "took", "taken"}, {"teach", "taught", "taught"},
	{"tear", "tore", "torn"}, {"tell", "told", "told"}, {"think", "thought", "thought"}, {"throw", "threw", "thrown"},
	{"understand", "understood", "understood"}, {"wake", "woke", "woken"}, {"wear", "wore", "worn"},
	{"win", "won", "won"}, {"write", "wrote", "written"},
}

// overregularised maps a regularised form of an irregular verb ("goed",
// "buyed", "runned", "eated") to the verb's past, and names the verb's forms.
var overregularised = func() map[string]irregularFix {
	m := map[string]irregularFix{}
	for _, v := range irregularVerbs {
		base, past, part := v[0], v[1], v[2]
		forms := base + ", " + past + ", " + part
		if past == part {
			forms = base + ", " + past
		}
		for _, wrong := range regularPasts(base) {
			if wrong != past && wrong != part {
				m[wrong] = irregularFix{past: past, forms: forms}
			}
		}
	}
	return m
}()

type irregularFix struct{ past, forms string }

// regularPasts are the ways a learner writes base's past as if it were
// regular: +ed, +d after e, y to ied, and the final consonant doubled.
func regularPasts(base string) []string {
	out := []string{base + "ed"}
	n := len(base)
	switch {
	case strings.HasSuffix(base, "e"):
		out = append(out, base+"d")
	case n > 1 && base[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(base[n-2])):
		out = append(out, base[:n-1]+"ied")
	case n > 2 && !strings.ContainsRune("aeiouwxy", rune(base[n-1])) && strings.ContainsRune("aeiou", rune(base[n-2])) &&
		!strings.ContainsRune("aeiou", rune(base[n-3])):
		out = append(out, base+string(base[n-1])+"ed")
	}
	return out
}
