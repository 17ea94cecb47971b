package xentree_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
)

// firstTask returns the first task of type typ in the engine's curriculum.
func firstTask(t *testing.T, eng *xentree.Engine, typ string) *xel.TaskDef {
	t.Helper()
	for _, m := range eng.Curriculum().Modules {
		for i := range m.Tasks {
			if m.Tasks[i].Type == typ {
				task, _ := eng.Curriculum().Task(m.Tasks[i].ID)
				return task
			}
		}
	}
	t.Fatalf("no %s task", typ)
	return nil
}

func TestXELSubmissions(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")

	mods, err := eng.ListModules(ctx, ada, "", "", xentree.Page{})
	if err != nil || len(mods.Items) < 12 || mods.Items[0].Status != "not_started" {
		t.Fatalf("modules: %d %v", len(mods.Items), err)
	}
	if l, _ := eng.ListModules(ctx, ada, "A1", "grammar", xentree.Page{}); len(l.Items) == 0 || l.Items[0].Level != "A1" || l.Items[0].Skill != "grammar" {
		t.Fatalf("filtered: %+v", l.Items)
	}
	_, err = eng.ListModules(ctx, ada, "Z9", "", xentree.Page{})
	wantErr(t, "bad level", err, xerr.Invalid, "")
	// Pages as every list (limit and cursor were ignored): the pages of
	// three, with and without a filter, are the whole list in order.
	for _, level := range []string{"", "A2"} {
		all, _ := eng.ListModules(ctx, ada, level, "", xentree.Page{Limit: 200})
		var paged []string
		for p := (xentree.Page{Limit: 3}); ; {
			l, err := eng.ListModules(ctx, ada, level, "", p)
			if err != nil || len(l.Items) > 3 {
				t.Fatalf("page: %d items, %v", len(l.Items), err)
			}
			for _, m := range l.Items {
				paged = append(paged, m.ID)
			}
			if l.NextCursor == nil {
				break
			}
			p.Cursor = *l.NextCursor
		}
		var want []string
		for _, m := range all.Items {
			want = append(want, m.ID)
		}
		if len(want) < 2 || strings.Join(paged, " ") != strings.Join(want, " ") {
			t.Fatalf("level %q: pages %v, the whole list %v", level, paged, want)
		}
	}
	for _, p := range []xentree.Page{{Limit: 201}, {Limit: -1}, {Cursor: "abc"}} {
		_, err = eng.ListModules(ctx, ada, "", "", p)
		wantErr(t, "bad page", err, xerr.Invalid, "")
	}

	// Details never carry the answers.
	gap := firstTask(t, eng, xel.TypeGapFill)
	d, err := eng.GetModule(ctx, ada, gap.ModuleID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	for _, leak := range []string{`"accepted"`, `"correct"`, `"explanation"`, `"` + gap.Accepted[0] + `"`} {
		if strings.Contains(string(b), leak) && !strings.Contains(gap.Prompt, strings.Trim(leak, `"`)) {
			t.Fatalf("module details leak %s: %s", leak, b)
		}
	}

	// Objective: wrong, then right with different case, spacing and
	// punctuation; XP is earned once.
	r, err := eng.SubmitTask(ctx, ada, gap.ID, xel.SubmitRequest{Answer: "zzz"})
	if err != nil || r.Score != 0 || r.Passed || r.XPAwarded != 0 || r.ModuleProgress.Status != "in_progress" {
		t.Fatalf("wrong answer: %+v %v", r, err)
	}
	r, err = eng.SubmitTask(ctx, ada, gap.ID, xel.SubmitRequest{Answer: "  " + strings.ToUpper(gap.Accepted[0]) + "! "})
	if err != nil || r.Score != 100 || !r.Passed || r.XPAwarded != 10*gap.Difficulty || r.ModuleProgress.CompletedTasks != 1 {
		t.Fatalf("right answer: %+v %v", r, err)
	}
	if r, _ := eng.SubmitTask(ctx, ada, gap.ID, xel.SubmitRequest{Answer: gap.Accepted[0]}); r.XPAwarded != 0 {
		t.Fatalf("XP twice for one task: %+v", r)
	}
	mc := firstTask(t, eng, xel.TypeMultipleChoice)
	if r, err := eng.SubmitTask(ctx, ada, mc.ID, xel.SubmitRequest{SelectedOptions: xel.OptionIndexes(mc.Correct...)}); err != nil || r.Score != 100 {
		t.Fatalf("multiple choice: %+v %v", r, err)
	}
	var texts []xel.Choice // the same answer as the option texts the module detail shows
	for _, i := range mc.Correct {
		texts = append(texts, xel.OptionText(mc.Options[i]))
	}
	if r, err := eng.SubmitTask(ctx, ada, mc.ID, xel.SubmitRequest{SelectedOptions: texts}); err != nil || r.Score != 100 {
		t.Fatalf("multiple choice by text: %+v %v", r, err)
	}
	wrong := (mc.Correct[0] + 1) % len(mc.Options)
	if r, err := eng.SubmitTask(ctx, ada, mc.ID, xel.SubmitRequest{SelectedOptions: []xel.Choice{xel.OptionText(mc.Options[wrong])}}); err != nil || r.Score != 0 {
		t.Fatalf("wrong option by text: %+v %v", r, err)
	}
	// The right option named twice scored 100; nine items were refused as
	// "choose at least one option"; another type's field was let through.
	for name, req := range map[string]xel.SubmitRequest{
		"an option twice":             {SelectedOptions: xel.OptionIndexes(mc.Correct[0], mc.Correct[0])},
		"more items than options":     {SelectedOptions: xel.OptionIndexes(make([]int, len(mc.Options)+1)...)},
		"duration on multiple choice": {SelectedOptions: xel.OptionIndexes(mc.Correct...), DurationSeconds: 10},
		"duration on a gap fill":      {Answer: gap.Accepted[0], DurationSeconds: 10},
	} {
		_, err := eng.SubmitTask(ctx, ada, mc.ID, req)
		if name == "duration on a gap fill" {
			_, err = eng.SubmitTask(ctx, ada, gap.ID, req)
		}
		e := xerr.As(err)
		if e == nil || e.Kind != xerr.Invalid || e.Field == "" || strings.Contains(e.Message, "at least one") {
			t.Errorf("%s: %#v", name, err)
		}
	}

	// Open tasks go through evaluation.
	w := firstTask(t, eng, xel.TypeWriting)
	essay := "Dear Sam, last weekend I visited my grandmother in the countryside. However, the train was late, so I arrived " +
		"in the evening. We cooked dinner together and talked about her garden. In addition, she showed me old photographs " +
		"of my parents. It was a calm and happy weekend, and I hope to visit her again soon. Write back soon!"
	r, err = eng.SubmitTask(ctx, ada, w.ID, xel.SubmitRequest{Answer: essay})
	if err != nil || r.Evaluation == nil || r.Evaluation.Kind != xel.KindWriting || r.Score != r.Evaluation.OverallScore || len(r.Evaluation.Criteria) != 4 {
		t.Fatalf("writing: %+v %v", r, err)
	}
	sp := firstTask(t, eng, xel.TypeSpeaking)
	r, err = eng.SubmitTask(ctx, ada, sp.ID, xel.SubmitRequest{Transcript: "Hello, my name is Ada and I live in a small town near the sea. I like reading and swimming.", DurationSeconds: 12})
	if err != nil || r.Evaluation == nil || r.Evaluation.Criteria["fluency"].Comment == "" {
		t.Fatalf("speaking: %+v %v", r, err)
	}

	// Bad input.
	for _, c := range []struct {
		name string
		task string
		req  xel.SubmitRequest
		kind xerr.Kind
	}{
		{"unknown task", "no-such-task.1", xel.SubmitRequest{Answer: "x"}, xerr.NotFound},
		{"options for a gap", gap.ID, xel.SubmitRequest{SelectedOptions: xel.OptionIndexes(0)}, xerr.Invalid},
		{"text for a choice", mc.ID, xel.SubmitRequest{Answer: "a"}, xerr.Invalid},
		{"option out of range", mc.ID, xel.SubmitRequest{SelectedOptions: xel.OptionIndexes(99)}, xerr.Invalid},
		{"option text not shown", mc.ID, xel.SubmitRequest{SelectedOptions: []xel.Choice{xel.OptionText(strings.ToUpper(mc.Options[0]) + "?")}}, xerr.Invalid},
		{"texts and indexes mixed", mc.ID, xel.SubmitRequest{SelectedOptions: []xel.Choice{xel.OptionText(mc.Options[0]), xel.OptionIndex(1)}}, xerr.Invalid},
		{"empty answer", gap.ID, xel.SubmitRequest{Answer: "   "}, xerr.Invalid},
		{"over-long essay", w.ID, xel.SubmitRequest{Answer: strings.Repeat("word ", 5000)}, xerr.TooLarge},
		{"empty transcript", sp.ID, xel.SubmitRequest{Transcript: "", DurationSeconds: 10}, xerr.Invalid},
		{"no duration", sp.ID, xel.SubmitRequest{Transcript: "hello there"}, xerr.Invalid},
		{"essay as transcript", w.ID, xel.SubmitRequest{Transcript: "hello"}, xerr.Invalid},
	} {
		_, err := eng.SubmitTask(ctx, ada, c.task, c.req)
		wantErr(t, c.name, err, c.kind, "")
	}

	// Isolation: bob sees none of ada's progress.
	if d, _ := eng.GetModule(ctx, bob, gap.ModuleID); d.CompletedTasks != 0 || d.Tasks[gap.Position].Progress != nil {
		t.Fatalf("bob sees ada's progress: %+v", d.ModuleSummary)
	}
	if dash, _ := eng.XELDashboard(ctx, bob); dash.XPTotal != 0 || dash.RecentSubmissions == nil || len(dash.RecentSubmissions) != 0 {
		t.Fatalf("bob's dashboard: %+v", dash)
	}
	dash, err := eng.XELDashboard(ctx, ada)
	if err != nil || dash.XPTotal == 0 || dash.Streak.Current != 1 || len(dash.RecentSubmissions) == 0 || dash.Modules.InProgress == 0 ||
		len(dash.WeeklyActivity) != 7 || dash.AverageScoreBySkill == nil {
		t.Fatalf("ada's dashboard: %+v %v", dash, err)
	}
	for skill, avg := range dash.AverageScoreBySkill {
		if avg*10 != math.Round(avg*10) {
			t.Errorf("average %s %v: one decimal, as the admin directory's", skill, avg)
		}
	}
	// A key without xel:write cannot submit.
	o := newOrg(t, eng, ada, "School")
	k, _ := eng.CreateAPIKey(ctx, ada, orgKey(o.ID, auth.ScopeXELRead))
	ku, _ := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	_, err = eng.SubmitTask(ctx, ku, gap.ID, xel.SubmitRequest{Answer: "x"})
	wantErr(t, "read-only key", err, xerr.Forbidden, auth.CodeInsufficientScope)
	// A key with xel:write alone submits, and gets the module's progress
	// (the route needs only that scope).
	k, _ = eng.CreateAPIKey(ctx, ada, orgKey(o.ID, auth.ScopeXELWrite))
	kw, _ := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	if r, err := eng.SubmitTask(ctx, kw, gap.ID, xel.SubmitRequest{Answer: gap.Accepted[0]}); err != nil || r.ModuleProgress.CompletedTasks == 0 {
		t.Fatalf("write-only key submits: %+v %v", r.ModuleProgress, err)
	}
}

// TestXELStreakInTimeZone: activity counts on the learner's local date, and
// the public profile shows the streak without private fields.
func TestXELStreakInTimeZone(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	u, _ := xentreetest.CreateUser(t, eng, "kenji@example.com")
	tz, name := "Asia/Tokyo", "kenji"
	if _, err := eng.UpdateMe(ctx, u, auth.UpdateMeRequest{Timezone: &tz, Username: &name}); err != nil {
		t.Fatal(err)
	}
	gap := firstTask(t, eng, xel.TypeGapFill)
	// 2026-04-16 14:30 UTC is 23:30 in Tokyo; 16:00 UTC is already the 17th there.
	clock.Set(time.Date(2026, 4, 16, 14, 30, 0, 0, time.UTC))
	if _, err := eng.SubmitTask(ctx, u, gap.ID, xel.SubmitRequest{Answer: "x"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 4, 16, 16, 0, 0, 0, time.UTC))
	if _, err := eng.SubmitTask(ctx, u, gap.ID, xel.SubmitRequest{Answer: gap.Accepted[0]}); err != nil {
		t.Fatal(err)
	}
	s, err := eng.XPStreakStatus(ctx, u)
	if err != nil || s.CurrentStreak != 2 || s.StreakAtRisk || *s.LastActivity != "2026-04-17" {
		t.Fatalf("streak in Tokyo: %+v %v", s, err)
	}
	clock.Set(time.Date(2026, 4, 18, 1, 0, 0, 0, time.UTC)) // the 18th in Tokyo: nothing yet today
	if s, _ := eng.XPStreakStatus(ctx, u); !s.StreakAtRisk || s.CurrentStreak != 2 {
		t.Fatalf("next day: %+v", s)
	}
	w, err := eng.XPWeeklyActivity(ctx, u)
	if err != nil || len(w.Days) != 7 || w.Days[0].Date != "2026-04-12" || w.Days[4].XP != 0 || w.Days[5].XP == 0 {
		t.Fatalf("week: %+v %v", w, err)
	}
	if p, _ := eng.XPLearningPulse(ctx, u); len(p.Days) != 365 || p.Days[364].Date != "2026-04-18" {
		t.Fatalf("pulse: %d days", len(p.Days))
	}
	p, err := eng.XPPublicProfile(ctx, "kenji")
	b, _ := json.Marshal(p)
	if err != nil || p.CurrentStreak != 2 || strings.Contains(string(b), "@") || strings.Contains(string(b), u.ID) {
		t.Fatalf("public profile: %s %v", b, err)
	}
	_, err = eng.XPPublicProfile(ctx, "nobody")
	wantErr(t, "unknown username", err, xerr.NotFound, "")
}

// TestXELProviderGrading: a real provider grades with the rubric as JSON;
// invalid output is retried once, then the offline scorer answers.
func TestXELProviderGrading(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.OpenAI = xentree.OpenAIConfig{APIKey: "sk-test", BaseURL: fake.URL() + "/v1"}
	}))
	ctx := context.Background()
	u, _ := xentreetest.CreateUser(t, eng, "")
	fake.SetReply("```json\n" + `{"overall_score": 72, "cefr_estimate": "B2", "criteria": {"task_achievement": {"score": 80, "comment": "Answers the task."},
		"coherence": {"score": 70, "comment": "Clear."}, "vocabulary": {"score": 65, "comment": "Good range."}, "grammar": {"score": 73, "comment": "Few slips."}},
		"feedback": ["Vary your linking words."], "corrections": [{"original": "more better", "suggestion": "better", "reason": "double comparative"}]}` + "\n```")
	req := xel.EvaluateRequest{Kind: xel.KindWriting, Text: "Cars make the centre noisy, so more better to walk.", Prompt: "Should cities ban cars?"}
	ev, err := eng.Evaluate(ctx, u, req)
	if err != nil || ev.Provider != "openai" || ev.OverallScore != 72 || ev.CEFREstimate != "B2" || len(ev.Corrections) != 1 {
		t.Fatalf("model grading: %+v %v", ev, err)
	}
	if sys := fake.Requests()[0].System; !strings.Contains(sys, "task_achievement") || !strings.Contains(sys, "Should cities ban cars?") {
		t.Fatalf("rubric prompt: %q", sys)
	}
	fake.SetReply(`{"overall_score": 300}`)
	ev, err = eng.Evaluate(ctx, u, req)
	if err != nil || ev.Provider != "local" || !strings.Contains(strings.Join(ev.Feedback, " "), "offline estimate") {
		t.Fatalf("fallback: %+v %v", ev, err)
	}
	if n := len(fake.Requests()); n != 3 {
		t.Fatalf("%d provider calls, want 1 + 2 (one retry)", n)
	}
	_, err = eng.Evaluate(ctx, u, xel.EvaluateRequest{Kind: xel.KindSpeaking, Text: "hello", Provider: "local"})
	wantErr(t, "speaking without duration", err, xerr.Invalid, "")
}

func orgKey(orgID string, scopes ...string) org.CreateKeyRequest {
	return org.CreateKeyRequest{Name: "test", OrganizationID: orgID, Scopes: scopes}
}

// keyUser creates an API key of owner's in orgID with scopes and returns
// the user it authenticates as.
func keyUser(t *testing.T, eng *xentree.Engine, owner xentree.User, orgID string, scopes ...string) xentree.User {
	t.Helper()
	k, err := eng.CreateAPIKey(context.Background(), owner, orgKey(orgID, scopes...))
	if err != nil {
		t.Fatal(err)
	}
	u, err := eng.AuthenticateAPIKey(context.Background(), k.Key, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestXELDaysAcrossDST: with the fake clock, submissions around both New
// York DST changes land on the learner's local dates, as the streak sees them.
func TestXELDaysAcrossDST(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	u, _ := xentreetest.CreateUser(t, eng, "")
	tz := "America/New_York"
	if _, err := eng.UpdateMe(ctx, u, auth.UpdateMeRequest{Timezone: &tz}); err != nil {
		t.Fatal(err)
	}
	gap := firstTask(t, eng, xel.TypeGapFill)
	for _, c := range []struct {
		at      string // UTC
		current int    // the streak after it
		last    string // the local date it counts on
	}{
		{"2026-03-08T04:30:00Z", 1, "2026-03-07"}, // 23:30 EST, the night clocks spring forward
		{"2026-03-08T07:30:00Z", 2, "2026-03-08"}, // 03:30 EDT
		{"2026-03-09T03:59:00Z", 2, "2026-03-08"}, // 23:59 EDT, still the 8th
		{"2026-03-09T04:01:00Z", 3, "2026-03-09"}, // 00:01 EDT on the 9th
		{"2026-11-01T05:30:00Z", 1, "2026-11-01"}, // 01:30 EDT, the first of the repeated hours (streak broken since March)
		{"2026-11-01T06:30:00Z", 1, "2026-11-01"}, // 01:30 EST, the same local date
		{"2026-11-02T04:59:00Z", 1, "2026-11-01"}, // 23:59 EST
		{"2026-11-02T05:01:00Z", 2, "2026-11-02"}, // 00:01 EST on the 2nd
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		clock.Set(at)
		if _, err := eng.SubmitTask(ctx, u, gap.ID, xel.SubmitRequest{Answer: "x"}); err != nil {
			t.Fatal(err)
		}
		s, err := eng.XPStreakStatus(ctx, u)
		if err != nil || s.CurrentStreak != c.current || *s.LastActivity != c.last {
			t.Fatalf("at %s: %+v (last %s) %v; want streak %d, last %s", c.at, s, *s.LastActivity, err, c.current, c.last)
		}
	}
}
