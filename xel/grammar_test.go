package xel

import "testing"

func TestGrammarChecks(t *testing.T) {
	for _, tc := range []struct {
		text        string
		want        map[string]string // original → suggestion
		errs, slips int
	}{
		{"He go to school and she have a dog.", map[string]string{"he go": "he goes", "she have": "she has"}, 2, 0},
		{"People is happy and they has time.", map[string]string{"people is": "people are", "they has": "they have"}, 2, 0},
		{"I can to swim but I didn't went.", map[string]string{"can to": "can", "didn't went": "didn't go"}, 2, 0},
		{"She want go home for find her book.", map[string]string{"she want": "she wants", "want go": "want to go", "for find": "to find"}, 3, 0},
		{"It is more easy and more better.", map[string]string{"more easy": "easier", "more better": "better"}, 2, 0},
		{"I am agree with a idea.", map[string]string{"am agree": "agree", "a idea": "an idea"}, 2, 0},
		{"He not like it. I don't have nothing.", map[string]string{"he not": "he does not", "nothing": "anything"}, 2, 0},
		{"The importance of have friends is to achieved goals.", map[string]string{"of have": "of having", "to achieved": "to achieve"}, 2, 0},
		{"Their is more then one and the the end.", map[string]string{"their is": "there is", "more then": "more than", "the the": "the"}, 0, 3},
		{"i think its a good idea.", map[string]string{"i": "I", "its a": "it's a"}, 0, 1},
		// Correct English that looks like the patterns.
		{"Let it go, make it work and help it grow.", nil, 0, 0},
		{"It was a one-off, a once in a lifetime trip to a European city.", nil, 0, 0},
		{"We need more water and more power.", nil, 0, 0},
		{"Turn to the left, then go to bed. The will to live is strong.", nil, 0, 0},
		{"Does he have a car? Can she come? Why does it matter?", nil, 0, 0},
		{"They not only work but also study.", nil, 0, 0},
		{"It feels like home; treat it like a game.", nil, 0, 0},
	} {
		t.Run(tc.text, func(t *testing.T) {
			f := measure(tc.text)
			got := map[string]string{}
			for _, c := range f.grammar {
				got[c.Original] = c.Suggestion
			}
			for o, s := range tc.want {
				if got[o] != s {
					t.Errorf("correction of %q = %q, want %q (all: %v)", o, got[o], s, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("corrections = %v, want %v", got, tc.want)
			}
			if f.errors != tc.errs || f.slips != tc.slips {
				t.Errorf("errors, slips = %d, %d, want %d, %d", f.errors, f.slips, tc.errs, tc.slips)
			}
		})
	}
}
