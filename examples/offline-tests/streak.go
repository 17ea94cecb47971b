// Package streak is a piece of an application built on Xentree, and its
// tests show how such code is tested: against a real engine on a temporary
// folder (xentreetest), with a fake clock, no network and no sleeping.
package streak

import (
	"context"
	"fmt"

	"github.com/xentree/xentree"
)

// Reminder is the message the application shows a learner today, if any.
func Reminder(ctx context.Context, eng *xentree.Engine, u xentree.User) (string, error) {
	s, err := eng.XPStreakStatus(ctx, u)
	if err != nil {
		return "", err
	}
	switch {
	case s.StreakAtRisk:
		return fmt.Sprintf("Keep your %d-day streak: one task today is enough.", s.CurrentStreak), nil
	case s.CurrentStreak == 0:
		return "Start a streak with one task today.", nil
	}
	return "", nil
}
