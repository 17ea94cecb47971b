package store

import (
	"context"
	"time"
)

// PoolStats are a server database's connection pool figures, for metrics.
// The counters and durations are cumulative since the pool opened.
type PoolStats struct {
	TotalConns    int32 // open or being opened: idle + acquired + constructing
	IdleConns     int32 // open and waiting for work
	AcquiredConns int32 // in use by a transaction
	MaxConns      int32 // the pool's bound

	AcquireCount         int64         // successful acquires
	EmptyAcquireCount    int64         // of those, the ones that waited: no idle connection was free
	CanceledAcquireCount int64         // acquires given up because their context ended
	AcquireDuration      time.Duration // the time successful acquires took, in all
	EmptyAcquireWait     time.Duration // the time the waiting ones (EmptyAcquireCount) waited, in all
}

// PoolStats returns the pool figures of a driver that keeps a connection
// pool and reports it (store/postgres does); ok is false for SQLite and for
// drivers without one.
func (db *DB) PoolStats() (s PoolStats, ok bool) {
	p, ok := db.drv.(interface{ PoolStats() PoolStats })
	if !ok {
		return PoolStats{}, false
	}
	return p.PoolStats(), true
}

// Ping checks that a server database answers: the driver's own ping when
// it has one, else a trivial query in a read transaction. Bound ctx: a
// server that does not answer makes it wait. On SQLite it runs the trivial
// query too.
func (db *DB) Ping(ctx context.Context) error {
	if p, ok := db.drv.(interface{ Ping(context.Context) error }); ok {
		return mapErr(p.Ping(ctx))
	}
	return mapErr(db.Read(ctx, func(tx *Tx) error {
		var n int
		return tx.queryRow(ctx, `SELECT 1`).Scan(&n)
	}))
}
