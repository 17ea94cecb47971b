package xel

import (
	"slices"
	"strings"
	"unicode"
)

// Normalize is the form answers are compared in: lower-case, apostrophes
// and other punctuation removed, whitespace collapsed; so "Don't  go!"
// equals "dont go".
func Normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`':
			continue // "don't" and "dont" are one answer
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true // punctuation separates like a space
		}
	}
	return b.String()
}

// GradeChoice scores a multiple-choice answer: 100 when the selected
// options are exactly the correct ones, else 0.
func GradeChoice(t *TaskDef, selected []int) int {
	got := slices.Clone(selected)
	slices.Sort(got)
	got = slices.Compact(got)
	want := slices.Clone(t.Correct)
	slices.Sort(want)
	if slices.Equal(got, want) {
		return 100
	}
	return 0
}

// GradeText scores a gap-fill or short answer: 100 when it normalises to an
// accepted answer, else 0.
func GradeText(t *TaskDef, answer string) int {
	n := Normalize(answer)
	for _, a := range t.Accepted {
		if Normalize(a) == n {
			return 100
		}
	}
	return 0
}
