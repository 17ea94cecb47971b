package xentree

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/xentree/xentree/ai"
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
