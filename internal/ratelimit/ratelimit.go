// Package ratelimit counts failures per key in a sliding window, for login
// throttling: after Max failures within Window, a key is refused until the
// oldest failure leaves the window.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is safe for concurrent use. A nil *Limiter allows everything, which
// is how a deployment switches limits off.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
	sweep time.Time
}

// New returns a limiter allowing max failures per window per key.
func New(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// Check returns 0 when key may try again, else how long it must wait.
func (l *Limiter) Check(key string) time.Duration {
	if l == nil || key == "" {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := l.prune(key, now)
	if len(ts) < l.max {
		return 0
	}
	wait := ts[len(ts)-l.max].Add(l.window).Sub(now)
	if wait < time.Second {
		wait = time.Second
	}
	return wait
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	if l == nil || key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := append(l.prune(key, now), now)
	if len(ts) > l.max {
		ts = ts[len(ts)-l.max:]
	}
	l.fails[key] = ts
	// Sweep idle keys now and then so the map stays bounded by recent activity.
	if now.Sub(l.sweep) > l.window {
		l.sweep = now
		for k := range l.fails {
			l.prune(k, now)
		}
	}
}

// Reset forgets key's failures, after a success.
func (l *Limiter) Reset(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	delete(l.fails, key)
	l.mu.Unlock()
}

func (l *Limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	if i == len(ts) {
		delete(l.fails, key)
		return nil
	}
	if i > 0 {
		ts = ts[i:]
		l.fails[key] = ts
	}
	return ts
}
