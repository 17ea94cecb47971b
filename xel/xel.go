// Package xel is Xentree English: a curriculum of modules at CEFR levels
// with ordered tasks, the rules that grade answers, the offline scorer that
// evaluates writing and speaking from measurable features, and the XP and
// streak rules. It does no I/O beyond reading its embedded data; the Engine
// stores submissions and progress.
package xel

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
)

// CEFR levels, lowest first.
var Levels = []string{"A1", "A2", "B1", "B2", "C1", "C2"}

// Skills a module trains.
var Skills = []string{"speaking", "writing", "reading", "listening", "vocabulary", "grammar"}

// Task types.
const (
	TypeMultipleChoice = "multiple_choice"
	TypeGapFill        = "gap_fill"
	TypeShortAnswer    = "short_answer"
	TypeWriting        = "writing"
	TypeSpeaking       = "speaking"
)

// Objective reports whether a task type is graded exactly.
func Objective(typ string) bool {
	return typ == TypeMultipleChoice || typ == TypeGapFill || typ == TypeShortAnswer
}

// TaskDef is a task as the curriculum defines it, answers included.
type TaskDef struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Prompt      string   `json:"prompt"`
	Difficulty  int      `json:"difficulty"`
	Explanation string   `json:"explanation,omitempty"`
	Options     []string `json:"options,omitempty"`
	Correct     []int    `json:"correct,omitempty"`
	Accepted    []string `json:"accepted,omitempty"`
	MinWords    int      `json:"min_words,omitempty"`
	MaxWords    int      `json:"max_words,omitempty"`
	MinSeconds  int      `json:"min_seconds,omitempty"`
	MaxSeconds  int      `json:"max_seconds,omitempty"`

	ModuleID string `json:"-"`
	Position int    `json:"-"` // 0-based, in its module
}

// ModuleDef is a module as the curriculum defines it.
type ModuleDef struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Level       string    `json:"level"`
	Skill       string    `json:"skill"`
	Tasks       []TaskDef `json:"tasks"`
}

// Curriculum is a validated set of modules, in their given order.
type Curriculum struct {
	Modules []ModuleDef
	modules map[string]*ModuleDef
	tasks   map[string]*TaskDef
}

//go:embed curriculum/starter.json
var starterJSON []byte

// Starter returns the built-in starter curriculum.
func Starter() *Curriculum {
	c, err := Parse(starterJSON)
	if err != nil {
		panic("xel: the embedded starter curriculum is invalid: " + err.Error()) // caught by its test
	}
	return c
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,79}$`)

// Parse reads and validates a curriculum in the starter's JSON format.
// Errors name the module and task at fault.
func Parse(data []byte) (*Curriculum, error) {
	// Checked first: the decoder would turn bad bytes into U+FFFD, and
	// learners would see the damage instead of its author.
	if !utf8.Valid(data) {
		return nil, xerr.New(xerr.Invalid, "curriculum: not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc struct {
		Modules []ModuleDef `json:"modules"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, xerr.Newf(xerr.Invalid, "curriculum: %v", err)
	}
	// Token, not More: More reports a stray "]" or "}" as the end.
	if _, err := dec.Token(); err != io.EOF {
		return nil, xerr.New(xerr.Invalid, "curriculum: data after the JSON document")
	}
	return New(doc.Modules)
}

// New validates modules and builds a curriculum of them.
func New(modules []ModuleDef) (*Curriculum, error) {
	if len(modules) == 0 {
		return nil, xerr.New(xerr.Invalid, "curriculum: no modules")
	}
	c := &Curriculum{modules: map[string]*ModuleDef{}, tasks: map[string]*TaskDef{}}
	c.Modules = slices.Clone(modules)
	for i := range c.Modules {
		m := &c.Modules[i]
		if err := validateModule(m); err != nil {
			return nil, err
		}
		if c.modules[m.ID] != nil {
			return nil, xerr.Newf(xerr.Invalid, "curriculum: module %q appears twice", m.ID)
		}
		c.modules[m.ID] = m
		for j := range m.Tasks {
			t := &m.Tasks[j]
			t.ModuleID, t.Position = m.ID, j
			if c.tasks[t.ID] != nil {
				return nil, xerr.Newf(xerr.Invalid, "curriculum: task %q appears twice", t.ID)
			}
			c.tasks[t.ID] = t
		}
	}
	return c, nil
}

// Merge returns a curriculum with c's modules followed by other's; ids must
// not collide.
func (c *Curriculum) Merge(other *Curriculum) (*Curriculum, error) {
	return New(append(slices.Clone(c.Modules), other.Modules...))
}

// Module returns a module by id.
func (c *Curriculum) Module(id string) (*ModuleDef, bool) {
	m, ok := c.modules[id]
	return m, ok
}

// Task returns a task by id.
func (c *Curriculum) Task(id string) (*TaskDef, bool) {
	t, ok := c.tasks[id]
	return t, ok
}

func validateModule(m *ModuleDef) error {
	bad := func(format string, args ...any) error {
		return xerr.Newf(xerr.Invalid, "curriculum: module %q: %s", m.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case !idRE.MatchString(m.ID):
		return bad("id must be 2 to 80 lowercase letters, digits, dots or hyphens")
	case strings.TrimSpace(m.Title) == "" || len(m.Title) > 200:
		return bad("title must be 1 to 200 characters")
	case len(m.Description) > 2000:
		return bad("description must be at most 2000 characters")
	case !slices.Contains(Levels, m.Level):
		return bad("level must be one of %s", strings.Join(Levels, ", "))
	case !slices.Contains(Skills, m.Skill):
		return bad("skill must be one of %s", strings.Join(Skills, ", "))
	case len(m.Tasks) == 0 || len(m.Tasks) > 100:
		return bad("must have 1 to 100 tasks")
	}
	for i := range m.Tasks {
		if err := validateTask(&m.Tasks[i]); err != nil {
			return bad("task %d (%q): %v", i+1, m.Tasks[i].ID, err)
		}
	}
	return nil
}

func validateTask(t *TaskDef) error {
	switch {
	case !idRE.MatchString(t.ID):
		return fmt.Errorf("id must be 2 to 80 lowercase letters, digits, dots or hyphens")
	case strings.TrimSpace(t.Prompt) == "" || len(t.Prompt) > 4000:
		return fmt.Errorf("prompt must be 1 to 4000 characters")
	case t.Difficulty < 1 || t.Difficulty > 3:
		return fmt.Errorf("difficulty must be 1, 2 or 3")
	}
	objective := len(t.Options) > 0 || len(t.Correct) > 0 || len(t.Accepted) > 0
	open := t.MinWords != 0 || t.MaxWords != 0 || t.MinSeconds != 0 || t.MaxSeconds != 0
	switch t.Type {
	case TypeMultipleChoice:
		if len(t.Options) < 2 || len(t.Options) > 8 || len(t.Correct) == 0 || len(t.Accepted) > 0 || open {
			return fmt.Errorf("multiple_choice needs 2 to 8 options and correct indices, and nothing else")
		}
		// Repeats would make the task unpassable ([1, 1] is never a
		// selection) or an option chosen by its text not the one by index.
		for j, i := range t.Correct {
			if i < 0 || i >= len(t.Options) {
				return fmt.Errorf("correct index %d is not an option", i)
			}
			if slices.Contains(t.Correct[:j], i) {
				return fmt.Errorf("correct index %d is listed twice", i)
			}
		}
		for j, o := range t.Options {
			if slices.Contains(t.Options[:j], o) {
				return fmt.Errorf("option %q is listed twice", o)
			}
		}
	case TypeGapFill, TypeShortAnswer:
		if len(t.Accepted) == 0 || len(t.Options) > 0 || len(t.Correct) > 0 || open {
			return fmt.Errorf("%s needs accepted answers, and nothing else", t.Type)
		}
		if t.Type == TypeGapFill && strings.Count(t.Prompt, "___") != 1 {
			return fmt.Errorf(`gap_fill prompt needs exactly one "___"`)
		}
		for _, a := range t.Accepted {
			if Normalize(a) == "" {
				return fmt.Errorf("accepted answer %q is empty once normalised", a)
			}
		}
	case TypeWriting:
		if t.MinWords < 1 || t.MaxWords <= t.MinWords || t.MaxWords > 2000 || objective || t.MinSeconds != 0 || t.MaxSeconds != 0 {
			return fmt.Errorf("writing needs 1 <= min_words < max_words <= 2000, and nothing else")
		}
	case TypeSpeaking:
		if t.MinSeconds < 1 || t.MaxSeconds <= t.MinSeconds || t.MaxSeconds > 1800 || objective || t.MinWords != 0 || t.MaxWords != 0 {
			return fmt.Errorf("speaking needs 1 <= min_seconds < max_seconds <= 1800, and nothing else")
		}
	default:
		return fmt.Errorf("type must be multiple_choice, gap_fill, short_answer, writing or speaking")
	}
	if t.Explanation != "" && !Objective(t.Type) {
		return fmt.Errorf("explanation is for objective tasks")
	}
	return nil
}
