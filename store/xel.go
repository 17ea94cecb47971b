package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xtime"
)

// XelSubmission is one stored answer.
type XelSubmission struct {
	ID, UserID, TaskID, ModuleID, Skill string
	Score, XP                           int
	Passed                              bool
	Answer, Evaluation                  string // JSON; Evaluation "" when none
	Day                                 string
}

// XelTaskProgress returns userID's standing on taskID (zero if never tried).
func (tx *Tx) XelTaskProgress(ctx context.Context, userID, taskID string) (xel.TaskProgress, error) {
	var p xel.TaskProgress
	err := tx.queryRow(ctx, `SELECT best_score, passed, attempts, xp FROM xel_task_progress WHERE user_id = ? AND task_id = ?`,
		userID, taskID).Scan(&p.BestScore, &p.Passed, &p.Attempts, &p.XP)
	if errors.Is(err, sql.ErrNoRows) {
		return xel.TaskProgress{}, nil
	}
	return p, mapErr(err)
}

// XelSubmit stores a submission, the task's new standing and the day's XP.
func (tx *Tx) XelSubmit(ctx context.Context, s XelSubmission, p xel.TaskProgress) error {
	var eval any
	if s.Evaluation != "" {
		eval = s.Evaluation
	}
	if _, err := tx.exec(ctx, `INSERT INTO xel_submissions (id, user_id, task_id, module_id, skill, score, passed, xp, answer, evaluation, day, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.UserID, s.TaskID, s.ModuleID, s.Skill, s.Score, s.Passed, s.XP,
		s.Answer, eval, s.Day, tx.NowMillis()); err != nil {
		return mapErr(err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO xel_task_progress (user_id, task_id, module_id, best_score, passed, xp, attempts, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, task_id) DO UPDATE SET best_score = excluded.best_score,
		passed = excluded.passed, xp = excluded.xp, attempts = excluded.attempts, updated_at = excluded.updated_at`,
		s.UserID, s.TaskID, s.ModuleID, p.BestScore, p.Passed, p.XP, p.Attempts, tx.NowMillis()); err != nil {
		return mapErr(err)
	}
	_, err := tx.exec(ctx, `INSERT INTO xel_days (user_id, day, xp) VALUES (?, ?, ?)
		ON CONFLICT (user_id, day) DO UPDATE SET xp = xel_days.xp + excluded.xp`, s.UserID, s.Day, s.XP)
	return mapErr(err)
}

// XelModuleStats is a learner's standing in one module.
type XelModuleStats struct {
	Passed, Attempted, XP int
}

// XelModuleStats returns userID's standing per module they have tried.
func (tx *Tx) XelModuleStats(ctx context.Context, userID string) (map[string]XelModuleStats, error) {
	rows, err := tx.query(ctx, `SELECT module_id, SUM(passed), COUNT(*), SUM(xp) FROM xel_task_progress WHERE user_id = ? GROUP BY module_id`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]XelModuleStats{}
	for rows.Next() {
		var id string
		var s XelModuleStats
		if err := rows.Scan(&id, &s.Passed, &s.Attempted, &s.XP); err != nil {
			return nil, mapErr(err)
		}
		out[id] = s
	}
	return out, mapErr(rows.Err())
}

// XelModuleTasks returns userID's standing per task of moduleID.
func (tx *Tx) XelModuleTasks(ctx context.Context, userID, moduleID string) (map[string]xel.TaskProgress, error) {
	rows, err := tx.query(ctx, `SELECT task_id, best_score, passed, attempts, xp FROM xel_task_progress WHERE user_id = ? AND module_id = ?`, userID, moduleID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]xel.TaskProgress{}
	for rows.Next() {
		var id string
		var p xel.TaskProgress
		if err := rows.Scan(&id, &p.BestScore, &p.Passed, &p.Attempts, &p.XP); err != nil {
			return nil, mapErr(err)
		}
		out[id] = p
	}
	return out, mapErr(rows.Err())
}

// XelDays returns userID's XP per active day, oldest first.
func (tx *Tx) XelDays(ctx context.Context, userID string) ([]xel.DayXP, error) {
	return queryAll(ctx, tx, `SELECT day, xp FROM xel_days WHERE user_id = ? ORDER BY day`, []any{userID},
		func(row interface{ Scan(...any) error }) (xel.DayXP, error) {
			var d xel.DayXP
			return d, row.Scan(&d.Date, &d.XP)
		})
}

// XelRecent returns userID's latest n submissions, newest first.
func (tx *Tx) XelRecent(ctx context.Context, userID string, n int) ([]xel.RecentSubmission, error) {
	return queryAll(ctx, tx, `SELECT id, task_id, module_id, score, passed, xp, created_at FROM xel_submissions
		WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, []any{userID, n},
		func(row interface{ Scan(...any) error }) (xel.RecentSubmission, error) {
			var s xel.RecentSubmission
			var created int64
			err := row.Scan(&s.ID, &s.TaskID, &s.ModuleID, &s.Score, &s.Passed, &s.XP, &created)
			s.CreatedAt = xtime.FromMillis(created)
			return s, err
		})
}

// XelAverageBySkill returns userID's average best score per skill.
func (tx *Tx) XelAverageBySkill(ctx context.Context, userID string) (map[string]float64, error) {
	rows, err := tx.query(ctx, `SELECT skill, AVG(score) FROM xel_submissions WHERE user_id = ? GROUP BY skill`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, mapErr(err)
		}
		out[k] = v
	}
	return out, mapErr(rows.Err())
}
