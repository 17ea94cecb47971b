package xel

import (
	"math"
	"time"
)

// PassScore is the score an open task (writing, speaking) needs to pass;
// objective tasks pass only when fully right.
const PassScore = 60

// Passed reports whether score passes a task of type typ.
func Passed(typ string, score int) bool {
	if Objective(typ) {
		return score == 100
	}
	return score >= PassScore
}

// TaskXP is what a score on a task is worth: 10 XP per difficulty step at a
// perfect score, in proportion below. A learner earns a task's XP once:
// a better score later earns only the difference (see the Engine).
func TaskXP(difficulty, score int) int {
	return int(math.Round(float64(10*difficulty*score) / 100))
}

// LevelFor is the learner level an XP total reaches: level n needs
// 50·(n-1)² XP, so early levels come quickly and later ones take longer.
func LevelFor(xp int) int {
	return 1 + int(math.Sqrt(float64(max(xp, 0))/50))
}

// MaxFreezes is how many streak freezes a learner can hold. One is earned
// at every 7th day of a streak.
const MaxFreezes = 2

// DayLayout is how activity days are written: dates in the learner's time zone.
const DayLayout = "2006-01-02"

// Day returns the date of t in loc.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format(DayLayout) }

// StreakStatus is a learner's streak as of a day (streak-status in the spec).
type StreakStatus struct {
	CurrentStreak    int      `json:"current_streak"`
	LongestStreak    int      `json:"longest_streak"`
	FreezesAvailable int      `json:"freezes_available"`
	FreezesUsed      int      `json:"freezes_used"`
	LastActivity     *string  `json:"last_activity"`
	StreakAtRisk     bool     `json:"streak_at_risk"` // nothing done yet today, and the streak ends tonight without it
	FreezeCovered    []string `json:"-"`              // days a freeze kept the streak over
}

// daysBetween counts calendar days from a to b (dates in DayLayout).
func daysBetween(a, b string) int {
	ta, _ := time.Parse(DayLayout, a)
	tb, _ := time.Parse(DayLayout, b)
	// Both are UTC midnights, so the difference is whole days even across DST.
	return int(tb.Sub(ta).Hours() / 24)
}

func addDays(d string, n int) string {
	t, _ := time.Parse(DayLayout, d)
	return t.AddDate(0, 0, n).Format(DayLayout)
}

// Streak replays a learner's active days (ascending, distinct) up to today.
// A day with activity extends the streak. Missed days are covered by
// freezes while any are held (a covered day keeps the streak but does not
// lengthen it); otherwise the streak starts again. Every 7th day of a
// streak earns a freeze, up to MaxFreezes.
func Streak(days []string, today string) StreakStatus {
	var s StreakStatus
	freezes := 0
	cover := func(from string, n int) {
		for i := 0; i < n; i++ {
			s.FreezeCovered = append(s.FreezeCovered, addDays(from, i+1))
		}
		freezes -= n
		s.FreezesUsed += n
	}
	prev, latest := "", ""
	for _, d := range days {
		latest = d
		if d > today {
			// A day ahead of today: the learner moved west (or the clock
			// back) after being active. They were active, so it counts as
			// today; waiting for it zeroed a live streak.
			d = today
		}
		if d == prev {
			continue
		}
		switch gap := 0; {
		case prev == "":
			s.CurrentStreak = 1
		default:
			gap = daysBetween(prev, d) - 1
			switch {
			case gap <= 0:
				s.CurrentStreak++
			case gap <= freezes:
				cover(prev, gap)
				s.CurrentStreak++
			default:
				s.CurrentStreak = 1
			}
		}
		if s.CurrentStreak%7 == 0 && freezes < MaxFreezes {
			freezes++
		}
		s.LongestStreak = max(s.LongestStreak, s.CurrentStreak)
		prev = d
	}
	if prev == "" {
		return s
	}
	s.LastActivity = &latest
	// At risk: nothing yet today, and no freeze left to cover today if it
	// stays that way (a held one would, tomorrow).
	switch missed := daysBetween(prev, today) - 1; {
	case missed < 0: // active today
	case missed == 0:
		s.StreakAtRisk = freezes == 0
	case missed <= freezes:
		cover(prev, missed)
		s.StreakAtRisk = freezes == 0
	default:
		s.CurrentStreak = 0
	}
	s.FreezesAvailable = freezes
	return s
}

// WeekOf returns the seven dates, Sunday to Saturday, of the week holding day.
func WeekOf(day string) []string {
	t, _ := time.Parse(DayLayout, day)
	start := t.AddDate(0, 0, -int(t.Weekday()))
	out := make([]string, 7)
	for i := range out {
		out[i] = start.AddDate(0, 0, i).Format(DayLayout)
	}
	return out
}

// LastDays returns the n dates ending with day, oldest first.
func LastDays(day string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = addDays(day, i-n+1)
	}
	return out
}
