package store

import (
	"context"
	"database/sql"
	"errors"
)

// This file holds what a PostgreSQL store shares between the nodes of a
// deployment and a SQLite store keeps in its one process or folder: keys,
// rate-limit events and the locks of background work. Its tables exist on
// PostgreSQL only.

// InstanceKey returns the shared key called name, storing the one create
// makes when there is none yet; the first node to start creates it and
// every other node reads it. PostgreSQL only.
func (db *DB) InstanceKey(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	var key []byte
	err := db.Write(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT key FROM instance_keys WHERE name = ?`, name).Scan(&key)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if key, err = create(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO instance_keys (name, key, created_at) VALUES (?, ?, ?)`, name, key, tx.NowMillis())
		return err
	})
	return key, mapErr(err)
}

// TryLock takes the lock called name for the rest of tx, or reports that
// another node holds it: background work that one node at a time must do
// (ending silent Live sessions) runs only where it is taken. On SQLite,
// whose writes run one at a time in one process, it is always taken.
func (tx *Tx) TryLock(ctx context.Context, name string) (bool, error) {
	if !tx.pg {
		return true, nil
	}
	var ok bool
	err := tx.queryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), hashtext(?))`, name).Scan(&ok)
	return ok, mapErr(err)
}

// RateEvents returns the times (Unix ms) of the latest n events of limit
// name for key after since, newest first. PostgreSQL only.
func (tx *Tx) RateEvents(ctx context.Context, name, key string, since int64, n int) ([]int64, error) {
	return queryAll(ctx, tx, `SELECT at FROM rate_events WHERE name = ? AND key = ? AND at > ? ORDER BY at DESC LIMIT ?`,
		[]any{name, key, since, n}, func(row interface{ Scan(...any) error }) (int64, error) {
			var at int64
			return at, row.Scan(&at)
		})
}

// RateRecord records an event of limit name for key at tx.Now, kept until
// expires. PostgreSQL only.
func (tx *Tx) RateRecord(ctx context.Context, name, key string, expires int64) error {
	_, err := tx.exec(ctx, `INSERT INTO rate_events (name, key, at, expires_at) VALUES (?, ?, ?, ?)`, name, key, tx.NowMillis(), expires)
	return mapErr(err)
}

// RateForget forgets one event of limit name for key recorded at at.
// PostgreSQL only.
func (tx *Tx) RateForget(ctx context.Context, name, key string, at int64) error {
	_, err := tx.exec(ctx, `DELETE FROM rate_events WHERE ctid = (SELECT ctid FROM rate_events WHERE name = ? AND key = ? AND at = ? LIMIT 1)`, name, key, at)
	return mapErr(err)
}

// RateReset forgets the events of limit name for key. PostgreSQL only.
func (tx *Tx) RateReset(ctx context.Context, name, key string) error {
	_, err := tx.exec(ctx, `DELETE FROM rate_events WHERE name = ? AND key = ?`, name, key)
	return mapErr(err)
}

// RatePurge deletes the events that no longer count. PostgreSQL only.
func (tx *Tx) RatePurge(ctx context.Context) error {
	_, err := tx.exec(ctx, `DELETE FROM rate_events WHERE expires_at <= ?`, tx.NowMillis())
	return mapErr(err)
}

// Exclusive runs fn holding the lock called name against every other node
// of a PostgreSQL deployment, waiting for it within ctx: work that must not
// interleave across nodes (applying the search outbox, whose rows each
// node reads as committed) runs one node at a time. On SQLite, with one
// process, it just runs fn.
func (db *DB) Exclusive(ctx context.Context, name string, fn func() error) error {
	if ex, ok := db.drv.(interface {
		Exclusive(ctx context.Context, name string, fn func() error) error
	}); ok {
		return ex.Exclusive(ctx, name, fn)
	}
	return fn()
}

// TryExclusive is Exclusive without the wait: when another node holds the
// lock it returns false at once, without running fn, and without keeping a
// connection of the pool waiting for the lock (background work that
// another node is already doing, and that will come round again, need not
// queue behind it). On SQLite it runs fn.
func (db *DB) TryExclusive(ctx context.Context, name string, fn func() error) (bool, error) {
	if ex, ok := db.drv.(interface {
		TryExclusive(ctx context.Context, name string, fn func() error) (bool, error)
	}); ok {
		return ex.TryExclusive(ctx, name, fn)
	}
	return true, fn()
}

// notifier is a driver that can tell every node of a deployment something
// (PostgreSQL's NOTIFY) and hear what others tell (LISTEN).
type notifier interface {
	Notify(ctx context.Context, channel, payload string) error
	Listen(ctx context.Context, channel string, handle func(payload string), state func(up bool))
}

// Notify sends payload to every node listening on channel, this one
// included. On SQLite, with one process, there is nobody else to tell.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if n, ok := db.drv.(notifier); ok {
		return mapErr(n.Notify(ctx, channel, payload))
	}
	return nil
}

// Listen calls handle with each payload sent on channel until ctx ends, and
// state with true once it is listening and false whenever it stops (a lost
// connection, which it re-establishes): what was sent while it was not
// listening is not heard. On SQLite it returns at once, never listening.
func (db *DB) Listen(ctx context.Context, channel string, handle func(payload string), state func(up bool)) {
	if n, ok := db.drv.(notifier); ok {
		n.Listen(ctx, channel, handle, state)
	}
}
