package textrule

import (
	"strings"
	"testing"

	"github.com/xentree/xentree/internal/xerr"
)

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want xerr.Kind // Internal means no error
	}{
		{"line ok", Line("f", "Ada Lovelace", 20), 0},
		{"line long", Line("f", strings.Repeat("é", 21), 20), xerr.Invalid},
		{"line newline", Line("f", "a\nb", 20), xerr.Invalid},
		{"line C1", Line("f", "a\u0085b", 20), xerr.Invalid},
		{"line bad UTF-8", Line("f", "a\xffb", 20), xerr.Invalid},
		{"body ok", Body("f", "line one\nline two\t!", 100), 0},
		{"body big", Body("f", strings.Repeat("x", 101), 100), xerr.TooLarge},
		{"body NUL", Body("f", "a\x00", 100), xerr.Invalid},
		{"language", Language("f", "pt-BR"), 0},
		{"language posix", Language("f", "en_US"), 0},
		{"language bad", Language("f", "english!"), xerr.Invalid},
	} {
		got := xerr.Kind(0)
		if tc.err != nil {
			got = xerr.KindOf(tc.err)
			if got == 0 {
				got = 255
			}
		}
		if got != tc.want {
			t.Errorf("%s: %v, want kind %v", tc.name, tc.err, tc.want)
		}
	}
}
