package xel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/xel"
)

func TestStreak(t *testing.T) {
	for _, c := range []struct {
		name          string
		days          string // comma-separated
		today         string
		current, best int
		freezes, used int
		atRisk        bool
		covered       string
	}{
		{"no activity", "", "2026-04-16", 0, 0, 0, 0, false, ""},
		{"today only", "2026-04-16", "2026-04-16", 1, 1, 0, 0, false, ""},
		{"yesterday: at risk", "2026-04-15", "2026-04-16", 1, 1, 0, 0, true, ""},
		{"broken", "2026-04-13,2026-04-14", "2026-04-16", 0, 2, 0, 0, false, ""},
		{"three in a row", "2026-04-14,2026-04-15,2026-04-16", "2026-04-16", 3, 3, 0, 0, false, ""},
		{"seven earns a freeze", "2026-04-10,2026-04-11,2026-04-12,2026-04-13,2026-04-14,2026-04-15,2026-04-16", "2026-04-16", 7, 7, 1, 0, false, ""},
		{"a freeze covers a missed day", "2026-04-01,2026-04-02,2026-04-03,2026-04-04,2026-04-05,2026-04-06,2026-04-07,2026-04-09", "2026-04-09", 8, 8, 0, 1, false, "2026-04-08"},
		{"a freeze holds the streak through yesterday", "2026-04-01,2026-04-02,2026-04-03,2026-04-04,2026-04-05,2026-04-06,2026-04-07", "2026-04-09", 7, 7, 0, 1, true, "2026-04-08"},
		{"yesterday, a freeze held: today's miss would be covered", "2026-04-01,2026-04-02,2026-04-03,2026-04-04,2026-04-05,2026-04-06,2026-04-07", "2026-04-08", 7, 7, 1, 0, false, ""},
		{"a freeze covered yesterday and one is left", strings.Join(xel.LastDays("2026-04-14", 14), ","), "2026-04-16", 14, 14, 1, 1, false, "2026-04-15"},
		{"two missed days, one freeze", "2026-04-01,2026-04-02,2026-04-03,2026-04-04,2026-04-05,2026-04-06,2026-04-07,2026-04-10", "2026-04-10", 1, 7, 1, 0, false, ""},
		{"at most two freezes", strings.Join(xel.LastDays("2026-04-30", 30), ","), "2026-04-30", 30, 30, 2, 0, false, ""},
		{"across a month and year end", "2026-12-31,2027-01-01", "2027-01-01", 2, 2, 0, 0, false, ""},
		{"a day ahead counts as today", "2026-04-16,2026-04-17", "2026-04-16", 1, 1, 0, 0, false, ""},
		// Active on the 17th in UTC, then moved to Honolulu, where it is
		// still the 16th: the streak was 0 until the 17th came.
		{"only a day ahead: active today", "2026-04-17", "2026-04-16", 1, 1, 0, 0, false, ""},
		{"a day ahead continues yesterday's streak", "2026-04-15,2026-04-17", "2026-04-16", 2, 2, 0, 0, false, ""},
	} {
		var days []string
		if c.days != "" {
			days = strings.Split(c.days, ",")
		}
		s := xel.Streak(days, c.today)
		if s.CurrentStreak != c.current || s.LongestStreak != c.best || s.FreezesAvailable != c.freezes || s.FreezesUsed != c.used ||
			s.StreakAtRisk != c.atRisk || strings.Join(s.FreezeCovered, ",") != c.covered {
			t.Errorf("%s: %+v covered %v", c.name, s, s.FreezeCovered)
		}
	}
}

// TestDayAcrossZonesAndDST: activity counts on the learner's local date,
// including the nights clocks change.
func TestDayAcrossZonesAndDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	london, _ := time.LoadLocation("Europe/London")
	for _, c := range []struct {
		utc  string
		loc  *time.Location
		want string
	}{
		{"2026-03-08T04:30:00Z", ny, "2026-03-07"}, // 23:30 EST, the night before spring-forward
		{"2026-03-08T07:30:00Z", ny, "2026-03-08"}, // 03:30 EDT, just after the change
		{"2026-11-01T05:30:00Z", ny, "2026-11-01"}, // 01:30 EDT, the first of the repeated hours
		{"2026-11-01T06:30:00Z", ny, "2026-11-01"}, // 01:30 EST, the repeated hour
		{"2026-11-02T04:59:00Z", ny, "2026-11-01"}, // 23:59 EST
		{"2026-04-16T15:30:00Z", tokyo, "2026-04-17"},
		{"2026-03-29T00:30:00Z", london, "2026-03-29"}, // 00:30 GMT, before BST starts at 01:00
		{"2026-03-28T23:30:00Z", london, "2026-03-28"},
	} {
		ts, _ := time.Parse(time.RFC3339, c.utc)
		if got := xel.Day(ts, c.loc); got != c.want {
			t.Errorf("Day(%s, %s) = %s, want %s", c.utc, c.loc, got, c.want)
		}
	}
	// A streak kept by local days through both DST changes.
	var days []string
	for d := time.Date(2026, 3, 1, 22, 0, 0, 0, ny); d.Before(time.Date(2026, 3, 15, 0, 0, 0, 0, ny)); d = d.AddDate(0, 0, 1) {
		days = append(days, xel.Day(d, ny))
	}
	if s := xel.Streak(days, "2026-03-14"); s.CurrentStreak != 14 {
		t.Fatalf("streak through spring-forward: %+v", s)
	}
	if w := xel.WeekOf("2026-04-16"); w[0] != "2026-04-12" || w[6] != "2026-04-18" {
		t.Fatalf("week of a Thursday: %v", w)
	}
}

func TestXP(t *testing.T) {
	for _, c := range []struct{ difficulty, score, xp int }{{1, 100, 10}, {3, 100, 30}, {2, 50, 10}, {3, 0, 0}, {2, 73, 15}} {
		if got := xel.TaskXP(c.difficulty, c.score); got != c.xp {
			t.Errorf("TaskXP(%d, %d) = %d, want %d", c.difficulty, c.score, got, c.xp)
		}
	}
	for xp, lvl := range map[int]int{0: 1, 49: 1, 50: 2, 199: 2, 200: 3, 450: 4} {
		if got := xel.LevelFor(xp); got != lvl {
			t.Errorf("LevelFor(%d) = %d, want %d", xp, got, lvl)
		}
	}
	if !xel.Passed(xel.TypeWriting, 60) || xel.Passed(xel.TypeWriting, 59) || xel.Passed(xel.TypeGapFill, 99) {
		t.Error("pass thresholds")
	}
	for _, c := range [][2]string{{"Don't  go!", "dont go"}, {"  It’s   FINE. ", "its fine"}, {"colour/color", "colour color"}} {
		if got := xel.Normalize(c[0]); got != c[1] {
			t.Errorf("Normalize(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}
