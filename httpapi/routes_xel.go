package httpapi

import (
	"context"
	"net/http"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/xel"
)

func (a *api) xelRoutes() []route {
	const tag = "Xentree English"
	const (
		read  = auth.ScopeXELRead
		write = auth.ScopeXELWrite
	)
	e := a.eng
	return []route{
		{Method: "GET", Path: "/api/xel/modules", Summary: "List modules with my progress, optionally by level and skill", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{xel.ModuleSummary{}}, Query: append([]string{"level", "skill"}, pageParams...),
			Handle: reply(func(r *http.Request, u xentree.User) (xentree.List[xel.ModuleSummary], error) {
				p, err := pageOf(r)
				if err != nil {
					return xentree.List[xel.ModuleSummary]{}, err
				}
				q := r.URL.Query()
				return e.ListModules(r.Context(), u, q.Get("level"), q.Get("skill"), p)
			})},
		{Method: "GET", Path: "/api/xel/modules/{module_id}", Summary: "A module with its tasks (never their answers) and my progress", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: xel.ModuleDetail{},
			Handle: onPath(200, []string{"module_id"}, func(ctx context.Context, u xentree.User, p []string, _ noBody) (xel.ModuleDetail, error) {
				return e.GetModule(ctx, u, p[0])
			})},
		{Method: "POST", Path: "/api/xel/tasks/{task_id}/submit", Summary: "Submit an answer to a task: graded, XP awarded, progress updated", Tag: tag,
			Auth: bearer, Scope: write, Status: 201, Request: xel.SubmitRequest{}, Response: xel.TaskResult{},
			Handle: onPath(201, []string{"task_id"}, func(ctx context.Context, u xentree.User, p []string, req xel.SubmitRequest) (xel.TaskResult, error) {
				return e.SubmitTask(ctx, u, p[0], req)
			})},
		{Method: "POST", Path: "/api/xel/evaluate", Summary: "Evaluate writing or speaking (transcript and duration)", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: xel.EvaluateRequest{}, Response: xel.Evaluation{},
			Handle: withBody(200, false, e.Evaluate)},
		{Method: "GET", Path: "/api/xel/dashboard", Summary: "My XP, level, streak, weekly activity, modules and recent submissions", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: xel.Dashboard{},
			Handle: reply(func(r *http.Request, u xentree.User) (xel.Dashboard, error) { return e.XELDashboard(r.Context(), u) })},
		{Method: "GET", Path: "/api/xp/streak-status", Summary: "My streak, freezes and whether it is at risk today", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: xel.StreakStatus{},
			Handle: reply(func(r *http.Request, u xentree.User) (xel.StreakStatus, error) {
				return e.XPStreakStatus(r.Context(), u)
			})},
		{Method: "GET", Path: "/api/xp/weekly-activity", Summary: "My XP per day this week, Sunday to Saturday in my time zone", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: xel.WeeklyActivity{},
			Handle: reply(func(r *http.Request, u xentree.User) (xel.WeeklyActivity, error) {
				return e.XPWeeklyActivity(r.Context(), u)
			})},
		{Method: "GET", Path: "/api/xp/learning-pulse", Summary: "My XP per day for the last 365 days", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: xel.LearningPulse{},
			Handle: reply(func(r *http.Request, u xentree.User) (xel.LearningPulse, error) {
				return e.XPLearningPulse(r.Context(), u)
			})},
		{Method: "GET", Path: "/api/xp/public-profile/{username}", Summary: "A learner's public profile (no email, no ids)", Tag: tag,
			Auth: public, Status: 200, Response: xel.PublicProfile{},
			Handle: onPath(200, []string{"username"}, func(ctx context.Context, _ xentree.User, p []string, _ noBody) (xel.PublicProfile, error) {
				return e.XPPublicProfile(ctx, p[0])
			})},
	}
}
