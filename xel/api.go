package xel

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// Limits on learner input (ours).
const (
	MaxAnswerChars   = 500   // objective answers
	MaxTextBytes     = 20000 // an essay or a transcript
	MaxDurationSecs  = 3600
	MaxSelected      = 8
	MaxRecent        = 10
	statusNotStarted = "not_started"
	statusInProgress = "in_progress"
	statusCompleted  = "completed"
)

// ModuleSummary is a module with the caller's progress (XELModuleSummary).
type ModuleSummary struct {
	ID              string `json:"id"`
	Title           string `json:"title"`
	Description     string `json:"description"`
	Level           string `json:"level"`
	Skill           string `json:"skill"`
	TaskCount       int    `json:"task_count"`
	CompletedTasks  int    `json:"completed_tasks"`
	ProgressPercent int    `json:"progress_percent"`
	Status          string `json:"status"`
	XPEarned        int    `json:"xp_earned"`
}

// Summarize reports m with completed and attempted task counts and XP.
func Summarize(m *ModuleDef, completed, attempted, xp int) ModuleSummary {
	s := ModuleSummary{ID: m.ID, Title: m.Title, Description: m.Description, Level: m.Level, Skill: m.Skill,
		TaskCount: len(m.Tasks), CompletedTasks: completed, XPEarned: xp, Status: statusNotStarted}
	if len(m.Tasks) > 0 {
		s.ProgressPercent = completed * 100 / len(m.Tasks)
	}
	switch {
	case completed >= len(m.Tasks):
		s.Status = statusCompleted
	case attempted > 0:
		s.Status = statusInProgress
	}
	return s
}

// Task is a task as a learner sees it: never its answers.
type Task struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	Prompt     string        `json:"prompt"`
	Difficulty int           `json:"difficulty"`
	Position   int           `json:"position"`
	Options    []string      `json:"options,omitempty"`
	MinWords   int           `json:"min_words,omitempty"`
	MaxWords   int           `json:"max_words,omitempty"`
	MinSeconds int           `json:"min_seconds,omitempty"`
	MaxSeconds int           `json:"max_seconds,omitempty"`
	Progress   *TaskProgress `json:"progress,omitempty"`
}

// Public returns the learner's view of t.
func (t *TaskDef) Public() Task {
	return Task{ID: t.ID, Type: t.Type, Prompt: t.Prompt, Difficulty: t.Difficulty, Position: t.Position + 1,
		Options: t.Options, MinWords: t.MinWords, MaxWords: t.MaxWords, MinSeconds: t.MinSeconds, MaxSeconds: t.MaxSeconds}
}

// TaskProgress is a learner's standing on one task.
type TaskProgress struct {
	BestScore int  `json:"best_score"`
	Passed    bool `json:"passed"`
	Attempts  int  `json:"attempts"`
	XP        int  `json:"xp"`
}

// ModuleDetail is a module with its tasks and the caller's progress.
type ModuleDetail struct {
	ModuleSummary
	Tasks []Task `json:"tasks"`
}

// Choice is one selected option of a multiple-choice task: its 0-based
// index, or its text exactly as the module detail shows it. In JSON it is
// a number or a string, so a client may send what it displayed or where.
type Choice struct {
	index int
	text  string
	kind  choiceKind
}

type choiceKind uint8

const (
	choiceNone choiceKind = iota // the zero Choice: refused by Validate
	choiceIndex
	choiceText
)

// OptionIndex selects the option at 0-based index i.
func OptionIndex(i int) Choice { return Choice{index: i, kind: choiceIndex} }

// OptionText selects the option whose text is s.
func OptionText(s string) Choice { return Choice{text: s, kind: choiceText} }

// OptionIndexes selects the options at the given indexes.
func OptionIndexes(is ...int) []Choice {
	cs := make([]Choice, len(is))
	for n, i := range is {
		cs[n] = OptionIndex(i)
	}
	return cs
}

// MarshalJSON writes the index as a number or the text as a string, and
// the zero Choice as null, which the server refuses as Validate does in
// process (as 0 it was graded as the first option).
func (c Choice) MarshalJSON() ([]byte, error) {
	switch c.kind {
	case choiceText:
		return json.Marshal(c.text)
	case choiceIndex:
		return json.Marshal(c.index)
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads a number or a string; anything else is a type error
// the decoder names the field with.
func (c *Choice) UnmarshalJSON(b []byte) error {
	*c = Choice{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		c.kind = choiceText
		return json.Unmarshal(b, &c.text)
	}
	if err := json.Unmarshal(b, &c.index); err == nil && len(b) > 0 && b[0] != 'n' { // null leaves an int be
		c.kind = choiceIndex
		return nil
	}
	value := "number " + string(b)
	switch {
	case len(b) == 0:
		value = "nothing"
	case b[0] == 'n':
		value = "null"
	case b[0] == 't' || b[0] == 'f':
		value = "bool"
	case b[0] == '{':
		value = "object"
	case b[0] == '[':
		value = "array"
	}
	return &json.UnmarshalTypeError{Value: value, Type: reflect.TypeFor[Choice]()}
}

// SubmitRequest answers a task (XELTaskSubmissionRequest): selected_options
// for multiple choice, answer for gap fill, short answer and writing,
// transcript and duration_seconds for speaking.
type SubmitRequest struct {
	Answer           string   `json:"answer,omitempty"`
	SelectedOptions  []Choice `json:"selected_options,omitempty"`
	Transcript       string   `json:"transcript,omitempty"`
	DurationSeconds  float64  `json:"duration_seconds,omitempty"`
	TimeSpentSeconds float64  `json:"time_spent_seconds,omitempty"`
	Provider         string   `json:"provider,omitempty"`
}

// Validate checks that the answer has the shape t's type needs.
func (r SubmitRequest) Validate(t *TaskDef) error {
	if r.TimeSpentSeconds < 0 || r.TimeSpentSeconds > 24*3600 {
		return xerr.InvalidField("time_spent_seconds", "must be between 0 and 86400")
	}
	wrong := func(field, msg string) error { return xerr.InvalidField(field, msg+" for a "+t.Type+" task") }
	if r.DurationSeconds != 0 && t.Type != TypeSpeaking {
		return wrong("duration_seconds", "is for speaking, not")
	}
	switch t.Type {
	case TypeMultipleChoice:
		if r.Answer != "" || r.Transcript != "" {
			return wrong("selected_options", "give selected_options (not answer or transcript)")
		}
		if len(r.SelectedOptions) == 0 {
			return wrong("selected_options", "choose at least one option")
		}
		if len(r.SelectedOptions) > min(MaxSelected, len(t.Options)) {
			return xerr.InvalidField("selected_options", "has more items than the task has options ("+strconv.Itoa(len(t.Options))+")")
		}
		seen := map[int]bool{}
		for _, c := range r.SelectedOptions {
			i := optionIndex(t, c)
			switch {
			case c.kind == choiceNone: // a zero Choice{} from Go
				return xerr.InvalidField("selected_options", "items must be option texts or 0-based option indexes")
			case c.kind != r.SelectedOptions[0].kind:
				return xerr.InvalidField("selected_options", "give option texts or option indexes, not a mix")
			case i < 0:
				return xerr.InvalidField("selected_options", "names an option the task does not have")
			case seen[i]:
				return xerr.InvalidField("selected_options", "names an option twice")
			}
			seen[i] = true
		}
	case TypeGapFill, TypeShortAnswer:
		if len(r.SelectedOptions) > 0 || r.Transcript != "" {
			return wrong("answer", "give answer (not selected_options or transcript)")
		}
		if strings.TrimSpace(r.Answer) == "" {
			return xerr.InvalidField("answer", "is required")
		}
		if utf8.RuneCountInString(r.Answer) > MaxAnswerChars {
			return xerr.InvalidField("answer", "must be at most 500 characters")
		}
		return textrule.Line("answer", r.Answer, MaxAnswerChars)
	case TypeWriting:
		if len(r.SelectedOptions) > 0 || r.Transcript != "" {
			return wrong("answer", "give answer (not selected_options or transcript)")
		}
		return validText("answer", r.Answer)
	case TypeSpeaking:
		if len(r.SelectedOptions) > 0 || r.Answer != "" {
			return wrong("transcript", "give transcript and duration_seconds (not answer or selected_options)")
		}
		if err := validText("transcript", r.Transcript); err != nil {
			return err
		}
		return validDuration(r.DurationSeconds)
	}
	return nil
}

// Selected returns the 0-based indexes of the options r selects, for a
// request Validate accepted for t.
func (r SubmitRequest) Selected(t *TaskDef) []int {
	is := make([]int, 0, len(r.SelectedOptions))
	for _, c := range r.SelectedOptions {
		is = append(is, optionIndex(t, c))
	}
	return is
}

// optionIndex is the index of the option c selects in t, or -1.
func optionIndex(t *TaskDef, c Choice) int {
	switch c.kind {
	case choiceIndex:
		if c.index >= 0 && c.index < len(t.Options) {
			return c.index
		}
	case choiceText:
		return slices.Index(t.Options, c.text)
	}
	return -1
}

func validText(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return xerr.InvalidField(field, "is required")
	}
	return textrule.Body(field, s, MaxTextBytes)
}

func validDuration(d float64) error {
	if d <= 0 || d > MaxDurationSecs {
		return xerr.InvalidField("duration_seconds", "must be more than 0 and at most 3600")
	}
	return nil
}

// TaskResult is the outcome of a submission.
type TaskResult struct {
	SubmissionID   string        `json:"submission_id"`
	TaskID         string        `json:"task_id"`
	Score          int           `json:"score"`
	Passed         bool          `json:"passed"`
	Feedback       string        `json:"feedback"`
	XPAwarded      int           `json:"xp_awarded"`
	Evaluation     *Evaluation   `json:"evaluation,omitempty"`
	ModuleProgress ModuleSummary `json:"module_progress"`
}

// EvaluateRequest asks for an evaluation of writing or speaking.
type EvaluateRequest struct {
	Kind            string  `json:"kind"`
	Text            string  `json:"text"`
	Prompt          string  `json:"prompt,omitempty"`
	TaskID          string  `json:"task_id,omitempty"`
	DurationSeconds float64 `json:"duration_seconds,omitempty"`
	TargetLevel     string  `json:"target_level,omitempty"`
	Provider        string  `json:"provider,omitempty"`
}

// Validate checks the request.
func (r EvaluateRequest) Validate() error {
	if r.Kind != KindWriting && r.Kind != KindSpeaking {
		return xerr.InvalidField("kind", "must be speaking or writing")
	}
	if err := validText("text", r.Text); err != nil {
		return err
	}
	if err := textrule.Body("prompt", r.Prompt, 4000); err != nil {
		return err
	}
	if r.TargetLevel != "" && !slices.Contains(Levels, r.TargetLevel) {
		return xerr.InvalidField("target_level", "must be a CEFR level, A1 to C2")
	}
	if r.Kind == KindSpeaking {
		return validDuration(r.DurationSeconds)
	}
	if r.DurationSeconds != 0 {
		return xerr.InvalidField("duration_seconds", "is for speaking")
	}
	return nil
}

// DayXP is a day's XP.
type DayXP struct {
	Date string `json:"date"`
	XP   int    `json:"xp"`
}

// RecentSubmission is a submission as the dashboard lists it.
type RecentSubmission struct {
	ID        string     `json:"id"`
	TaskID    string     `json:"task_id"`
	ModuleID  string     `json:"module_id"`
	Score     int        `json:"score"`
	Passed    bool       `json:"passed"`
	XP        int        `json:"xp"`
	CreatedAt xtime.Time `json:"created_at"`
}

// Dashboard is a learner's overview.
type Dashboard struct {
	XPTotal int `json:"xp_total"`
	Level   int `json:"level"`
	Streak  struct {
		Current int  `json:"current"`
		Longest int  `json:"longest"`
		AtRisk  bool `json:"at_risk"`
	} `json:"streak"`
	WeeklyActivity []DayXP `json:"weekly_activity"`
	Modules        struct {
		Completed  int `json:"completed"`
		InProgress int `json:"in_progress"`
		Total      int `json:"total"`
	} `json:"modules"`
	AverageScoreBySkill map[string]float64 `json:"average_score_by_skill"`
	RecentSubmissions   []RecentSubmission `json:"recent_submissions"`
}

// WeeklyActivity is the current week, Sunday to Saturday.
type WeeklyActivity struct {
	Days               []DayXP  `json:"days"`
	FreezeCoveredDates []string `json:"freeze_covered_dates"`
}

// LearningPulse is XP per day for the last 365 days, oldest first.
type LearningPulse struct {
	Days []DayXP `json:"days"`
}

// PublicProfile is what anyone may see of a learner: no email, no ids.
type PublicProfile struct {
	Username         string `json:"username"`
	FullName         string `json:"full_name"`
	Level            int    `json:"level"`
	XPTotal          int    `json:"xp_total"`
	CurrentStreak    int    `json:"current_streak"`
	LongestStreak    int    `json:"longest_streak"`
	ModulesCompleted int    `json:"modules_completed"`
}
