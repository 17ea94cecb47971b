package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if w := l.Check("a"); w != 0 {
			t.Fatalf("attempt %d refused (%v)", i, w)
		}
		l.Fail("a")
		now = now.Add(10 * time.Second)
	}
	if w := l.Check("a"); w != 30*time.Second {
		t.Fatalf("after 3 failures: wait %v, want 30s", w)
	}
	if w := l.Check("b"); w != 0 {
		t.Fatalf("other key limited: %v", w)
	}
	now = now.Add(30 * time.Second)
	if w := l.Check("a"); w != 0 {
		t.Fatalf("oldest failure left the window but still refused: %v", w)
	}
	l.Fail("a")
	l.Reset("a")
	if w := l.Check("a"); w != 0 {
		t.Fatalf("after reset: %v", w)
	}
	var off *Limiter
	off.Fail("a")
	if off.Check("a") != 0 {
		t.Fatal("nil limiter refused")
	}
}

func TestTake(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(2, time.Minute, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if w := l.Take("a"); w != 0 {
			t.Fatalf("attempt %d refused (%v)", i, w)
		}
		now = now.Add(20 * time.Second)
	}
	// Refused attempts are not recorded, so retrying does not push the
	// window further out.
	for i := 0; i < 5; i++ {
		if w := l.Take("a"); w != 20*time.Second {
			t.Fatalf("refused attempt %d: wait %v, want 20s", i, w)
		}
	}
	now = now.Add(20 * time.Second)
	if w := l.Take("a"); w != 0 {
		t.Fatalf("after the oldest attempt left the window: wait %v, want 0", w)
	}
	if w := l.Take("a"); w != 20*time.Second {
		t.Fatalf("over the limit again: wait %v, want 20s", w)
	}
	var off *Limiter
	if off.Take("a") != 0 || l.Take("") != 0 {
		t.Fatal("nil limiter or empty key refused")
	}
}
