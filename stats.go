package xentree

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// ProviderStat counts calls to one AI provider with one outcome since the
// engine opened.
type ProviderStat struct {
	Provider         string
	Outcome          string // "ok" or "error"
	Calls            int64
	PromptTokens     int64
	CompletionTokens int64
}

// providerStats accumulates ProviderStat; read by metrics exporters.
type providerStats struct {
	mu sync.Mutex
	m  map[[2]string]*ProviderStat
}

func (s *providerStats) add(provider string, err error, u *ai.Usage) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[2]string]*ProviderStat{}
	}
	k := [2]string{provider, outcome}
	st := s.m[k]
	if st == nil {
		st = &ProviderStat{Provider: provider, Outcome: outcome}
		s.m[k] = st
	}
	st.Calls++
	if u != nil {
		st.PromptTokens += int64(u.PromptTokens)
		st.CompletionTokens += int64(u.CompletionTokens)
	}
}

// ProviderStats returns the provider call counts so far, sorted.
func (e *Engine) ProviderStats() []ProviderStat {
	e.pstats.mu.Lock()
	defer e.pstats.mu.Unlock()
	out := make([]ProviderStat, 0, len(e.pstats.m))
	for _, s := range e.pstats.m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Provider+out[i].Outcome < out[j].Provider+out[j].Outcome
	})
	return out
}

// IndexBacklog reports how many changes wait for the search index and how
// long the oldest has waited (operator method, for metrics).
func (e *Engine) IndexBacklog(ctx context.Context) (pending int64, lag time.Duration, err error) {
	pending, oldest, err := e.db.OutboxStats(ctx)
	if err != nil || oldest == 0 {
		return pending, 0, err
	}
	return pending, max(0, e.cfg.Clock.Now().Sub(time.UnixMilli(oldest))), nil
}

// ActiveLiveSessions counts Live sessions under way (operator method).
func (e *Engine) ActiveLiveSessions(ctx context.Context) (int64, error) {
	var n int64
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.LiveActiveCount(ctx)
		return err
	})
	return n, err
}

// SQLiteMemory is the memory SQLite holds in the process across the
// engine's database connections, as SQLite accounts it.
type SQLiteMemory struct {
	PageCache  int64 // bytes in the connections' page caches
	Schema     int64 // bytes of parsed schema
	Statements int64 // bytes of prepared statements
}

// SQLiteMemory reads SQLite's memory counters (operator method, for
// metrics). It waits for each connection to be between statements, so ctx
// should be bounded.
func (e *Engine) SQLiteMemory(ctx context.Context) (SQLiteMemory, error) {
	m, err := e.db.Memory(ctx)
	return SQLiteMemory{PageCache: m.Cache, Schema: m.Schema, Statements: m.Statements}, err
}

// Store names the engine's database: "postgres" when Config.Database
// names one, else "sqlite" (the file in Config.Dir).
func (e *Engine) Store() string {
	if e.db.Postgres() {
		return "postgres"
	}
	return "sqlite"
}

// healthTimeout bounds Health's query to a PostgreSQL server: a health
// check must answer quickly, and a server that has not answered in this
// time is as good as down to a load balancer.
const healthTimeout = 2 * time.Second

// checkStore is Health's check of the database. On SQLite it reads the
// index outbox, as it always has. On PostgreSQL it pings the server on a
// pooled connection within healthTimeout; a failure is Unavailable with
// the code database_unavailable and a message free of driver text (the
// cause stays in the error's chain, for logs).
func (e *Engine) checkStore(ctx context.Context) error {
	if !e.db.Postgres() {
		_, _, err := e.db.OutboxStats(ctx)
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	err := e.db.Ping(pctx)
	if err == nil || ctx.Err() != nil { // the caller gave up: not the database's fault
		return err
	}
	return &xerr.Error{Kind: xerr.Unavailable, Code: "database_unavailable",
		Message: "the PostgreSQL database did not answer", Err: err}
}

// DatabasePool is the PostgreSQL connection pool's state (operator type,
// for metrics). Counts and durations are cumulative since the engine
// opened.
type DatabasePool struct {
	TotalConns    int32 // open or being opened
	IdleConns     int32 // open and free
	AcquiredConns int32 // in use by a transaction
	MaxConns      int32 // the pool's bound (pool_max_conns in Config.Database)

	Acquires         int64         // connections taken from the pool
	EmptyAcquires    int64         // of those, the ones that waited because none was free
	CanceledAcquires int64         // waits given up because the request ended first
	AcquireTime      time.Duration // time the successful acquires took, in all
	EmptyAcquireWait time.Duration // time the waiting ones waited, in all
}

// DatabasePool reads the connection pool's figures; ok is false on SQLite,
// which has no pool to report (operator method, for metrics).
func (e *Engine) DatabasePool() (p DatabasePool, ok bool) {
	s, ok := e.db.PoolStats()
	if !ok {
		return DatabasePool{}, false
	}
	return DatabasePool{
		TotalConns: s.TotalConns, IdleConns: s.IdleConns, AcquiredConns: s.AcquiredConns, MaxConns: s.MaxConns,
		Acquires: s.AcquireCount, EmptyAcquires: s.EmptyAcquireCount, CanceledAcquires: s.CanceledAcquireCount,
		AcquireTime: s.AcquireDuration, EmptyAcquireWait: s.EmptyAcquireWait,
	}, true
}
