package xentree

import (
	"context"
	"log/slog"
	"time"

	"github.com/xentree/xentree/internal/ratelimit"
	"github.com/xentree/xentree/store"
)

// limiter is one rate limit (see internal/ratelimit for the rule: at most
// Max events per sliding Window). A SQLite engine counts in its process; a
// PostgreSQL engine counts in the database, so that a limit holds across
// every node of a deployment.
type limiter interface {
	// Check returns how long key must wait, without counting an event.
	Check(ctx context.Context, key string) time.Duration
	// Take counts an event for key unless it must wait, and returns the wait.
	Take(ctx context.Context, key string) time.Duration
	// Attempt is Take, and returns undo, which forgets the event counted
	// (for an attempt that turned out not to count: a login that succeeded).
	Attempt(ctx context.Context, key string) (wait time.Duration, undo func())
	// Fail counts an event for key.
	Fail(ctx context.Context, key string)
	// Reset forgets key's events.
	Reset(ctx context.Context, key string)
}

// newLimiter returns r's limit called name, shared through db when it is a
// PostgreSQL store. A limit that is off never makes anyone wait.
func newLimiter(db *store.DB, r RateLimit, name string, now func() time.Time, log *slog.Logger) limiter {
	if db.Postgres() && !r.Off {
		return &sharedLimiter{db: db, name: name, max: r.Max, window: r.Window, now: now, log: log}
	}
	return localLimiter{r.limiter(now)}
}

// localLimiter is a limit counted in this process; a nil l is off.
type localLimiter struct{ l *ratelimit.Limiter }

func (l localLimiter) Check(_ context.Context, key string) time.Duration { return l.l.Check(key) }
func (l localLimiter) Take(_ context.Context, key string) time.Duration  { return l.l.Take(key) }
func (l localLimiter) Fail(_ context.Context, key string)                { l.l.Fail(key) }
func (l localLimiter) Attempt(_ context.Context, key string) (time.Duration, func()) {
	wait, at := l.l.Attempt(key)
	return wait, func() { l.l.Undo(key, at) }
}
func (l localLimiter) Reset(_ context.Context, key string) { l.l.Reset(key) }

// sharedLimiter is a limit counted in the database's rate_events. When the
// database cannot be read it lets the caller through (and logs): the
// request it guards needs the same database and fails on its own.
type sharedLimiter struct {
	db     *store.DB
	name   string
	max    int
	window time.Duration
	now    func() time.Time
	log    *slog.Logger
}

// wait is how long until the oldest of the latest max events (newest first
// in ts) leaves the window; at least a second, as the local limit says.
func (l *sharedLimiter) wait(ts []int64, now time.Time) time.Duration {
	if len(ts) < l.max {
		return 0
	}
	return max(time.UnixMilli(ts[l.max-1]).Add(l.window).Sub(now), time.Second)
}

func (l *sharedLimiter) Check(ctx context.Context, key string) time.Duration {
	if key == "" {
		return 0
	}
	now := l.now()
	var ts []int64
	err := l.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		ts, err = tx.RateEvents(ctx, l.name, key, now.Add(-l.window).UnixMilli(), l.max)
		return err
	})
	if err != nil {
		l.log.Warn("rate limit: read events", "limit", l.name, "err", err)
		return 0
	}
	return l.wait(ts, now)
}

func (l *sharedLimiter) Take(ctx context.Context, key string) time.Duration {
	wait, _ := l.Attempt(ctx, key)
	return wait
}

func (l *sharedLimiter) Attempt(ctx context.Context, key string) (time.Duration, func()) {
	if key == "" {
		return 0, func() {}
	}
	var wait time.Duration
	var at int64
	err := l.db.Write(ctx, func(tx *store.Tx) error {
		ts, err := tx.RateEvents(ctx, l.name, key, tx.Now.Add(-l.window).UnixMilli(), l.max)
		if err != nil {
			return err
		}
		if wait = l.wait(ts, tx.Now); wait > 0 {
			return nil
		}
		at = tx.NowMillis()
		return tx.RateRecord(ctx, l.name, key, tx.Now.Add(l.window).UnixMilli())
	})
	if err != nil {
		l.log.Warn("rate limit: count an attempt", "limit", l.name, "err", err)
		return 0, func() {}
	}
	if wait > 0 {
		return wait, func() {}
	}
	return 0, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := l.db.Write(ctx, func(tx *store.Tx) error { return tx.RateForget(ctx, l.name, key, at) }); err != nil {
			l.log.Warn("rate limit: forget an attempt", "limit", l.name, "err", err)
		}
	}
}

func (l *sharedLimiter) Fail(ctx context.Context, key string) {
	if key == "" {
		return
	}
	// A failure counts even when the client hangs up on hearing it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := l.db.Write(ctx, func(tx *store.Tx) error {
		return tx.RateRecord(ctx, l.name, key, tx.Now.Add(l.window).UnixMilli())
	})
	if err != nil {
		l.log.Warn("rate limit: count a failure", "limit", l.name, "err", err)
	}
}

func (l *sharedLimiter) Reset(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := l.db.Write(ctx, func(tx *store.Tx) error { return tx.RateReset(ctx, l.name, key) }); err != nil {
		l.log.Warn("rate limit: reset", "limit", l.name, "err", err)
	}
}
