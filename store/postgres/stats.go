package postgres

import (
	"context"

	"github.com/xentree/xentree/store"
)

// PoolStats reports the connection pool's figures (store.DB.PoolStats
// finds it through an interface, so that store needs no pgx).
func (d *Driver) PoolStats() store.PoolStats {
	s := d.pool.Stat()
	return store.PoolStats{
		TotalConns:           s.TotalConns(),
		IdleConns:            s.IdleConns(),
		AcquiredConns:        s.AcquiredConns(),
		MaxConns:             s.MaxConns(),
		AcquireCount:         s.AcquireCount(),
		EmptyAcquireCount:    s.EmptyAcquireCount(),
		CanceledAcquireCount: s.CanceledAcquireCount(),
		AcquireDuration:      s.AcquireDuration(),
		EmptyAcquireWait:     s.EmptyAcquireWaitTime(),
	}
}

// Ping checks that the server answers, on one of the pool's connections
// (an empty statement: one round trip). Errors are mapped like the
// transactions': a lost or refused connection is xerr.Unavailable.
func (d *Driver) Ping(ctx context.Context) error {
	return mapErr(d.pool.Ping(ctx))
}
