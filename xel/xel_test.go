package xel_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xel"
)

// TestStarterCurriculum: the shipped curriculum loads and covers what the
// course promises.
func TestStarterCurriculum(t *testing.T) {
	c := xel.Starter()
	levels, skills := map[string]int{}, map[string]int{}
	for _, m := range c.Modules {
		levels[m.Level]++
		skills[m.Skill]++
		if len(m.Tasks) < 5 {
			t.Errorf("module %s has %d tasks", m.ID, len(m.Tasks))
		}
	}
	if len(c.Modules) < 12 {
		t.Errorf("%d modules", len(c.Modules))
	}
	for _, l := range []string{"A1", "A2", "B1", "B2"} {
		if levels[l] == 0 {
			t.Errorf("no %s module", l)
		}
	}
	for _, s := range xel.Skills {
		if skills[s] == 0 {
			t.Errorf("no %s module", s)
		}
	}
}

func TestParseCurriculumErrors(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"not JSON", `{`, "curriculum"},
		{"unknown field", `{"modules":[],"extra":1}`, "unknown field"},
		{"no modules", `{"modules":[]}`, "no modules"},
		{"bad level", `{"modules":[{"id":"m1","title":"t","level":"D9","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1}]}]}`, "level"},
		{"two gaps", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___ ___","accepted":["b"],"difficulty":1}]}]}`, `exactly one "___"`},
		{"answer out of range", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"multiple_choice","prompt":"p","options":["a","b"],"correct":[2],"difficulty":1}]}]}`, "not an option"},
		{"a correct index twice", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"multiple_choice","prompt":"p","options":["a","b"],"correct":[1,1],"difficulty":1}]}]}`, "listed twice"},
		{"an option twice", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"multiple_choice","prompt":"p","options":["is","is","am"],"correct":[1],"difficulty":1}]}]}`, "listed twice"},
		{"writing without range", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"writing","tasks":[{"id":"m1.1","type":"writing","prompt":"p","difficulty":1}]}]}`, "min_words"},
		{"duplicate task", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1},{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1}]}]}`, "twice"},
		{"a stray bracket after it", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1}]}]}]`, "after the JSON"},
		{"a stray brace after it", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1}]}]}}`, "after the JSON"},
		{"not UTF-8", "{\"modules\":[{\"id\":\"m1\",\"title\":\"t\xff\",\"level\":\"A1\",\"skill\":\"grammar\",\"tasks\":[{\"id\":\"m1.1\",\"type\":\"gap_fill\",\"prompt\":\"a ___\",\"accepted\":[\"b\"],\"difficulty\":1}]}]}", "UTF-8"},
		{"unknown task field", `{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1,"secret":1}]}]}`, "unknown field"},
	} {
		_, err := xel.Parse([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := xel.Starter().Merge(xel.Starter()); err == nil {
		t.Error("merging colliding ids was accepted")
	}
}

// FuzzParseCurriculum: any input is a curriculum that validates or an
// invalid error, never a panic; what loads was one JSON document of valid
// UTF-8, so nothing in it was changed on the way in.
func FuzzParseCurriculum(f *testing.F) {
	f.Add(`{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"gap_fill","prompt":"a ___","accepted":["b"],"difficulty":1}]}]}`)
	f.Add(`{"modules":[{"id":"m1","title":"t","level":"A1","skill":"grammar","tasks":[{"id":"m1.1","type":"multiple_choice","prompt":"p","options":["a","b"],"correct":[-1],"difficulty":1}]}]}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := xel.Parse([]byte(s))
		if err != nil {
			if xerr.KindOf(err) != xerr.Invalid {
				t.Fatalf("%q: %v, want an invalid error", s, err)
			}
			return
		}
		if !json.Valid([]byte(s)) || !utf8.ValidString(s) {
			t.Fatalf("loaded %q", s)
		}
		for _, m := range c.Modules {
			for _, task := range m.Tasks {
				if got, ok := c.Task(task.ID); !ok || got.ModuleID != m.ID {
					t.Fatalf("task %s not indexed", task.ID)
				}
			}
		}
	})
}

// FuzzScore: any text scores within range without a panic.
func FuzzScore(f *testing.F) {
	f.Add("I go to scool yesterday.", 30.0)
	f.Add("", 0.0)
	f.Add("a a a a a. ! ? ’’’ --- ÄÖÜ 日本", 1.0)
	f.Fuzz(func(t *testing.T, text string, secs float64) {
		for _, e := range []xel.Evaluation{xel.ScoreWriting(text, xel.Target{Prompt: text}), xel.ScoreSpeaking(text, secs, xel.Target{})} {
			if e.OverallScore < 0 || e.OverallScore > 100 || e.CEFREstimate == "" {
				t.Fatalf("%+v", e)
			}
			for k, c := range e.Criteria {
				if c.Score < 0 || c.Score > 100 {
					t.Fatalf("%s = %d", k, c.Score)
				}
			}
		}
	})
}
