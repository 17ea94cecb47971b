// Package textrule holds the checks every domain applies to text from
// clients, so a name, a title and a nickname are judged alike and the
// messages are the same everywhere.
package textrule

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
)

// IsControl reports C0 and C1 control characters (tab and newlines
// included), which only confuse logs and terminals in single-line fields.
func IsControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// Line checks a single-line field: valid UTF-8, no control characters, at
// most max characters.
func Line(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return xerr.InvalidField(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(s) > max {
		return xerr.InvalidField(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
	if strings.ContainsFunc(s, IsControl) {
		return xerr.InvalidField(field, "must not contain control characters")
	}
	return nil
}

// Query normalises a search query: every run of white space (tabs and
// newlines too, which a query pasted from a text lands with) is one space,
// and none leads or trails. Other control characters stay for Line to
// refuse.
func Query(s string) string { return strings.Join(strings.Fields(s), " ") }

// Body checks a multi-line field: valid UTF-8, no NUL, at most max bytes. Over
// the limit is TooLarge (413): such a body is too big rather than malformed.
func Body(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return xerr.InvalidField(field, "must be valid UTF-8")
	}
	if len(s) > max {
		return &xerr.Error{Kind: xerr.TooLarge, Field: field, Message: "must be at most " + strconv.Itoa(max) + " bytes"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return xerr.InvalidField(field, "must not contain NUL characters")
	}
	return nil
}

// MaxLanguageTag bounds a language tag.
const MaxLanguageTag = 35

var languageRE = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)

// Language checks a BCP 47 language tag such as "en" or "pt-BR" ("pt_BR",
// the POSIX spelling clients often send, is accepted too).
func Language(field, tag string) error {
	if len(tag) > MaxLanguageTag || !languageRE.MatchString(tag) {
		return xerr.InvalidField(field, "must be a language tag such as en or pt-BR")
	}
	return nil
}
