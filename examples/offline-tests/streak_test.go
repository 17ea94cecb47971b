package streak

import (
	"context"
	"testing"
	"time"

	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
)

func TestReminder(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	u, _ := xentreetest.CreateUser(t, eng, "")

	if got, _ := Reminder(ctx, eng, u); got != "Start a streak with one task today." {
		t.Fatalf("new learner: %q", got)
	}
	if _, err := eng.SubmitTask(ctx, u, "a1-greetings.1", xel.SubmitRequest{SelectedOptions: xel.OptionIndexes(1)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := Reminder(ctx, eng, u); got != "" {
		t.Fatalf("done today: %q", got)
	}
	clock.Advance(24 * time.Hour) // tomorrow, without waiting for it
	if got, _ := Reminder(ctx, eng, u); got != "Keep your 1-day streak: one task today is enough." {
		t.Fatalf("next day: %q", got)
	}
}
