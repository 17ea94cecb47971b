// Package ratelimit counts events per key in a sliding window: after Max
// events within Window, a key is refused until the oldest event leaves the
// window. Login counts each attempt at an account up front (Attempt), so
// that concurrent guesses see each other, and forgets it when it succeeds
// (Undo), and failures alone per address (Check, then Fail);
// register, refresh and chat record every attempt (Take).
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
	return l.wait(l.prune(key, now), now)
}

// Take records an attempt for key and returns 0, or, when key is over its
// limit, records nothing and returns how long it must wait. Checking and
// recording under one lock keeps concurrent attempts from all slipping
// under the limit together; a refused attempt is not recorded, so a client
// that keeps retrying still gets back in once its window has passed.
func (l *Limiter) Take(key string) time.Duration {
	wait, _ := l.Attempt(key)
	return wait
}

// Attempt is Take for an attempt that may turn out not to count (a login
// that succeeds): it records the attempt, so that concurrent attempts see
// each other, and returns the time it recorded, for Undo.
func (l *Limiter) Attempt(key string) (wait time.Duration, at time.Time) {
	if l == nil || key == "" {
		return 0, time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait := l.wait(l.prune(key, now), now); wait > 0 {
		return wait, time.Time{}
	}
	l.record(key, now)
	return 0, now
}

// Undo forgets one event recorded at at (by Attempt) for key.
func (l *Limiter) Undo(key string, at time.Time) {
	if l == nil || key == "" || at.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.fails[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
}

// wait is how long a key with the events ts must wait at now; 0 if it may go.
func (l *Limiter) wait(ts []time.Time, now time.Time) time.Duration {
	if len(ts) < l.max {
		return 0
	}
	// At least a second: Retry-After counts whole seconds, and 0 would read
	// as "go ahead".
	return max(ts[len(ts)-l.max].Add(l.window).Sub(now), time.Second)
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	if l == nil || key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(key, l.now())
}

// record appends an event at now; l.mu is held.
func (l *Limiter) record(key string, now time.Time) {
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
