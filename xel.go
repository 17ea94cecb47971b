package xentree

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/xel"
)

var (
	errModuleNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "module not found"}
	errTaskNotFound   = &xerr.Error{Kind: xerr.NotFound, Message: "task not found"}
)

// XELConfig configures Xentree English.
type XELConfig struct {
	// Curriculum is an embedder's own curriculum (xel.Parse reads the
	// starter's JSON format). It is served in addition to the built-in
	// starter curriculum, or instead of it with ReplaceStarter.
	Curriculum     *xel.Curriculum
	ReplaceStarter bool
}

// curriculum builds the served curriculum from the configuration.
func (c XELConfig) curriculum() (*xel.Curriculum, error) {
	switch {
	case c.Curriculum == nil:
		return xel.Starter(), nil
	case c.ReplaceStarter:
		return c.Curriculum, nil
	}
	return xel.Starter().Merge(c.Curriculum)
}

// Curriculum returns the curriculum this engine serves.
func (e *Engine) Curriculum() *xel.Curriculum { return e.xel }

// userZone returns the learner's time zone (UTC if unset or unknown).
func userZone(ctx context.Context, tx *store.Tx, userID string) (*time.Location, error) {
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// ListModules returns the curriculum's modules with the caller's progress,
// in curriculum order, optionally only those of one level and one skill,
// a page at a time as every list.
func (e *Engine) ListModules(ctx context.Context, user User, level, skill string, p Page) (List[xel.ModuleSummary], error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return List[xel.ModuleSummary]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[xel.ModuleSummary]{}, err
	}
	if level != "" && !slices.Contains(xel.Levels, level) {
		return List[xel.ModuleSummary]{}, xerr.InvalidField("level", "must be a CEFR level, A1 to C2")
	}
	if skill != "" && !slices.Contains(xel.Skills, skill) {
		return List[xel.ModuleSummary]{}, xerr.InvalidField("skill", "must be one of "+strings.Join(xel.Skills, ", "))
	}
	var stats map[string]store.XelModuleStats
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		stats, err = tx.XelModuleStats(ctx, user.ID)
		return err
	})
	if err != nil {
		return List[xel.ModuleSummary]{}, err
	}
	// The cursor is the last module's place in the curriculum and its id
	// (as a UUID, as cursors carry), which a curriculum changed between two
	// pages no longer matches.
	start := 0
	if after != nil {
		i := int(after.Key)
		if i < 0 || i >= len(e.xel.Modules) || moduleCursorID(e.xel.Modules[i].ID) != after.ID {
			return List[xel.ModuleSummary]{}, xerr.InvalidField("cursor", "is not a cursor of this list")
		}
		start = i + 1
	}
	var items []xel.ModuleSummary
	place := map[string]int{}
	for i := start; i < len(e.xel.Modules) && len(items) <= limit; i++ {
		m := &e.xel.Modules[i]
		if (level == "" || m.Level == level) && (skill == "" || m.Skill == skill) {
			s := stats[m.ID]
			items = append(items, xel.Summarize(m, s.Passed, s.Attempted, s.XP))
			place[m.ID] = i
		}
	}
	return makeList(items, limit, func(ms xel.ModuleSummary) cursor.Position {
		return cursor.Position{Key: int64(place[ms.ID]), ID: moduleCursorID(ms.ID)}
	}), nil
}

// moduleCursorID stands for a module in a list cursor, which carries a
// UUID where module ids are the curriculum's names.
func moduleCursorID(moduleID string) string { return ids.Named("xel-module:" + moduleID) }

// GetModule returns a module with its tasks (never their answers) and the
// caller's progress on each.
func (e *Engine) GetModule(ctx context.Context, user User, id string) (xel.ModuleDetail, error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return xel.ModuleDetail{}, err
	}
	m, ok := e.xel.Module(id)
	if !ok {
		return xel.ModuleDetail{}, errModuleNotFound
	}
	var prog map[string]xel.TaskProgress
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		prog, err = tx.XelModuleTasks(ctx, user.ID, id)
		return err
	})
	if err != nil {
		return xel.ModuleDetail{}, err
	}
	return moduleDetail(m, prog), nil
}

// moduleDetail is m with a learner's progress on its tasks.
func moduleDetail(m *xel.ModuleDef, prog map[string]xel.TaskProgress) xel.ModuleDetail {
	d := xel.ModuleDetail{Tasks: make([]xel.Task, len(m.Tasks))}
	passed := 0
	xp := 0
	for i := range m.Tasks {
		d.Tasks[i] = m.Tasks[i].Public()
		if p, ok := prog[m.Tasks[i].ID]; ok {
			d.Tasks[i].Progress = &p
			xp += p.XP
			if p.Passed {
				passed++
			}
		}
	}
	d.ModuleSummary = xel.Summarize(m, passed, len(prog), xp)
	return d
}

// SubmitTask grades an answer: objective tasks exactly (after normalising
// case, whitespace and punctuation), writing and speaking through
// evaluation. XP is earned once per task: a better score later earns only
// the difference. The day counts in the learner's time zone.
func (e *Engine) SubmitTask(ctx context.Context, user User, taskID string, req xel.SubmitRequest) (xel.TaskResult, error) {
	if err := user.Allow(auth.ScopeXELWrite); err != nil {
		return xel.TaskResult{}, err
	}
	t, ok := e.xel.Task(taskID)
	if !ok {
		return xel.TaskResult{}, errTaskNotFound
	}
	if err := req.Validate(t); err != nil {
		return xel.TaskResult{}, err
	}
	m, _ := e.xel.Module(t.ModuleID)
	res := xel.TaskResult{SubmissionID: ids.New(), TaskID: t.ID}
	switch t.Type {
	case xel.TypeMultipleChoice:
		res.Score = xel.GradeChoice(t, req.Selected(t))
	case xel.TypeGapFill, xel.TypeShortAnswer:
		res.Score = xel.GradeText(t, req.Answer)
	case xel.TypeWriting, xel.TypeSpeaking:
		er := xel.EvaluateRequest{Kind: xel.KindWriting, Text: req.Answer, Prompt: t.Prompt, TaskID: t.ID,
			TargetLevel: m.Level, Provider: req.Provider}
		if t.Type == xel.TypeSpeaking {
			er.Kind, er.Text, er.DurationSeconds = xel.KindSpeaking, req.Transcript, req.DurationSeconds
		}
		ev, err := e.evaluate(ctx, er, t)
		if err != nil {
			return xel.TaskResult{}, err
		}
		res.Score, res.Evaluation = ev.OverallScore, &ev
	}
	res.Passed = xel.Passed(t.Type, res.Score)
	res.Feedback = taskFeedback(t, res)
	answer, _ := json.Marshal(req)
	var evalJSON []byte
	if res.Evaluation != nil {
		evalJSON, _ = json.Marshal(res.Evaluation)
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		loc, err := userZone(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		p, err := tx.XelTaskProgress(ctx, user.ID, t.ID)
		if err != nil {
			return err
		}
		xp := xel.TaskXP(t.Difficulty, res.Score)
		res.XPAwarded = max(0, xp-p.XP)
		p.Attempts++
		p.XP = max(p.XP, xp)
		p.BestScore = max(p.BestScore, res.Score)
		p.Passed = p.Passed || res.Passed
		err = tx.XelSubmit(ctx, store.XelSubmission{ID: res.SubmissionID, UserID: user.ID, TaskID: t.ID, ModuleID: m.ID,
			Skill: m.Skill, Score: res.Score, Passed: res.Passed, XP: res.XPAwarded, Answer: string(answer),
			Evaluation: string(evalJSON), Day: xel.Day(tx.Now, loc)}, p)
		if err != nil {
			return err
		}
		// The module's progress as this submission left it, in its own
		// transaction: a read after the commit could fail (or need
		// xel:read) and report an error for a submission that was stored.
		prog, err := tx.XelModuleTasks(ctx, user.ID, m.ID)
		if err != nil {
			return err
		}
		res.ModuleProgress = moduleDetail(m, prog).ModuleSummary
		return nil
	})
	if err != nil {
		return xel.TaskResult{}, err
	}
	return res, nil
}

func taskFeedback(t *xel.TaskDef, r xel.TaskResult) string {
	switch {
	case r.Evaluation != nil && len(r.Evaluation.Feedback) > 0:
		return r.Evaluation.Feedback[0]
	case r.Passed && t.Explanation != "":
		return "Correct. " + t.Explanation
	case r.Passed:
		return "Correct."
	case t.Explanation != "":
		return "Not quite. " + t.Explanation
	}
	return "Not quite: try again."
}

// Evaluate rates a piece of writing or a speaking transcript. With a real
// provider chosen (or the default one when provider is "" or "auto"), the
// model grades against the rubric and its JSON is validated; invalid
// output is retried once, then the offline scorer answers. Offline, the
// scorer computes it from measurable features and says so.
func (e *Engine) Evaluate(ctx context.Context, user User, req xel.EvaluateRequest) (xel.Evaluation, error) {
	if err := user.Allow(auth.ScopeXELWrite); err != nil {
		return xel.Evaluation{}, err
	}
	if err := req.Validate(); err != nil {
		return xel.Evaluation{}, err
	}
	var t *xel.TaskDef
	if req.TaskID != "" {
		var ok bool
		if t, ok = e.xel.Task(req.TaskID); !ok {
			return xel.Evaluation{}, errTaskNotFound
		}
		if req.Prompt == "" {
			req.Prompt = t.Prompt
		}
	}
	return e.evaluate(ctx, req, t)
}

func (e *Engine) evaluate(ctx context.Context, req xel.EvaluateRequest, t *xel.TaskDef) (xel.Evaluation, error) {
	target := xel.Target{Prompt: req.Prompt, TargetLevel: req.TargetLevel}
	if t != nil {
		target.MinWords, target.MaxWords, target.MinSeconds, target.MaxSeconds = t.MinWords, t.MaxWords, t.MinSeconds, t.MaxSeconds
	}
	offline := func() xel.Evaluation {
		if req.Kind == xel.KindSpeaking {
			return xel.ScoreSpeaking(req.Text, req.DurationSeconds, target)
		}
		return xel.ScoreWriting(req.Text, target)
	}
	p, err := e.ai.Resolve(req.Provider)
	if err != nil {
		return xel.Evaluation{}, err
	}
	if p.ID() == "local" {
		return offline(), nil
	}
	aiReq := ai.Request{System: xel.RubricPrompt(req.Kind, target), MaxTokens: 1200,
		Messages: []ai.Message{{Role: ai.RoleUser, Content: xel.RubricInput(req.Kind, req.Text, req.DurationSeconds)}}}
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := p.Generate(ctx, aiReq)
		e.pstats.add(p.ID(), err, resp.Usage)
		if err != nil {
			e.log.Warn("xel evaluation: provider failed; using the offline scorer", "provider", p.ID(), "err", err)
			break
		}
		ev, verr := xel.ParseModelEvaluation(resp.Content, req.Kind)
		if verr == nil {
			ev.Provider, ev.Model = p.ID(), modelOr(resp.Model, p.DefaultModel())
			return ev, nil
		}
		e.log.Warn("xel evaluation: invalid model output", "provider", p.ID(), "attempt", attempt+1, "err", verr)
		aiReq.Messages = append(aiReq.Messages, ai.Message{Role: ai.RoleAssistant, Content: resp.Content},
			ai.Message{Role: ai.RoleUser, Content: fmt.Sprintf("That was not valid: %v. Answer again with the JSON object only.", verr)})
	}
	ev := offline()
	ev.Feedback = append(ev.Feedback, "The AI grader was unavailable or answered in the wrong format, so this is the offline estimate.")
	return ev, nil
}

// learnerDays returns the learner's active days and today, in their zone.
func (e *Engine) learnerDays(ctx context.Context, tx *store.Tx, userID string) ([]xel.DayXP, string, error) {
	loc, err := userZone(ctx, tx, userID)
	if err != nil {
		return nil, "", err
	}
	days, err := tx.XelDays(ctx, userID)
	return days, xel.Day(tx.Now, loc), err
}

func dates(days []xel.DayXP) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Date
	}
	return out
}

func xpOn(days []xel.DayXP, want []string) []xel.DayXP {
	by := map[string]int{}
	for _, d := range days {
		by[d.Date] = d.XP
	}
	out := make([]xel.DayXP, len(want))
	for i, d := range want {
		out[i] = xel.DayXP{Date: d, XP: by[d]}
	}
	return out
}

func totalXP(days []xel.DayXP) int {
	n := 0
	for _, d := range days {
		n += d.XP
	}
	return n
}

// XPStreakStatus returns the caller's streak.
func (e *Engine) XPStreakStatus(ctx context.Context, user User) (xel.StreakStatus, error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return xel.StreakStatus{}, err
	}
	var s xel.StreakStatus
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		days, today, err := e.learnerDays(ctx, tx, user.ID)
		s = xel.Streak(dates(days), today)
		return err
	})
	return s, err
}

// XPWeeklyActivity returns XP per day of the caller's current week, Sunday
// to Saturday in their time zone, and the days a freeze covered.
func (e *Engine) XPWeeklyActivity(ctx context.Context, user User) (xel.WeeklyActivity, error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return xel.WeeklyActivity{}, err
	}
	var w xel.WeeklyActivity
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		days, today, err := e.learnerDays(ctx, tx, user.ID)
		week := xel.WeekOf(today)
		w.Days = xpOn(days, week)
		w.FreezeCoveredDates = []string{}
		for _, d := range xel.Streak(dates(days), today).FreezeCovered {
			if d >= week[0] && d <= week[6] {
				w.FreezeCoveredDates = append(w.FreezeCoveredDates, d)
			}
		}
		return err
	})
	return w, err
}

// XPLearningPulse returns the caller's XP per day for the last 365 days.
func (e *Engine) XPLearningPulse(ctx context.Context, user User) (xel.LearningPulse, error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return xel.LearningPulse{}, err
	}
	var p xel.LearningPulse
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		days, today, err := e.learnerDays(ctx, tx, user.ID)
		p.Days = xpOn(days, xel.LastDays(today, 365))
		return err
	})
	return p, err
}

// XELDashboard returns the caller's overview.
func (e *Engine) XELDashboard(ctx context.Context, user User) (xel.Dashboard, error) {
	if err := user.Allow(auth.ScopeXELRead); err != nil {
		return xel.Dashboard{}, err
	}
	var d xel.Dashboard
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		days, today, err := e.learnerDays(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		d.XPTotal = totalXP(days)
		d.Level = xel.LevelFor(d.XPTotal)
		s := xel.Streak(dates(days), today)
		d.Streak.Current, d.Streak.Longest, d.Streak.AtRisk = s.CurrentStreak, s.LongestStreak, s.StreakAtRisk
		d.WeeklyActivity = xpOn(days, xel.WeekOf(today))
		stats, err := tx.XelModuleStats(ctx, user.ID)
		if err != nil {
			return err
		}
		d.Modules.Total = len(e.xel.Modules)
		for i := range e.xel.Modules {
			m := &e.xel.Modules[i]
			switch s := stats[m.ID]; {
			case s.Passed >= len(m.Tasks):
				d.Modules.Completed++
			case s.Attempted > 0:
				d.Modules.InProgress++
			}
		}
		if d.AverageScoreBySkill, err = tx.XelAverageBySkill(ctx, user.ID); err != nil {
			return err
		}
		for k, v := range d.AverageScoreBySkill {
			d.AverageScoreBySkill[k] = math.Round(v*10) / 10 // one decimal, as the admin directory's
		}
		d.RecentSubmissions, err = tx.XelRecent(ctx, user.ID, xel.MaxRecent)
		if d.RecentSubmissions == nil {
			d.RecentSubmissions = []xel.RecentSubmission{} // a list is [], never null
		}
		return err
	})
	return d, err
}

// XPPublicProfile returns what anyone may see of a learner, by username:
// no email and no ids. Accounts without a username have no public profile.
func (e *Engine) XPPublicProfile(ctx context.Context, username string) (xel.PublicProfile, error) {
	nf := &xerr.Error{Kind: xerr.NotFound, Message: "no learner with this username"}
	if username == "" || len(username) > auth.MaxUsername {
		return xel.PublicProfile{}, nf
	}
	var p xel.PublicProfile
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByUsername(ctx, username)
		if err != nil || u.Disabled {
			return nf
		}
		days, today, err := e.learnerDays(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		s := xel.Streak(dates(days), today)
		p = xel.PublicProfile{Username: u.Username, FullName: u.FullName, XPTotal: totalXP(days),
			CurrentStreak: s.CurrentStreak, LongestStreak: s.LongestStreak}
		p.Level = xel.LevelFor(p.XPTotal)
		stats, err := tx.XelModuleStats(ctx, u.ID)
		for i := range e.xel.Modules {
			if stats[e.xel.Modules[i].ID].Passed >= len(e.xel.Modules[i].Tasks) {
				p.ModulesCompleted++
			}
		}
		return err
	})
	return p, err
}
