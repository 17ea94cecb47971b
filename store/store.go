// Package store is Xentree's source of truth: the domain's SQL, written
// once in the dialect SQLite and PostgreSQL share, over a Driver that runs
// it. store/sqlite (the embedded default: one file, no server) and
// store/postgres (a server that several nodes share) are the two drivers;
// nothing in this package knows which database it talks to beyond the
// Dialect, for the few statements that differ.
//
// A public method opens a transaction; query methods live on *Tx so one Engine
// call composes several in one transaction, and Tx.Now is the injected clock's
// time, read once per transaction.
package store

import (
	"context"
	"database/sql"
	"reflect"
	"sync"
	"time"

	"github.com/xentree/xentree/internal/xerr"
)

// Options configure OpenDriver. Zero values take the documented defaults.
type Options struct {
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// DB is an open store: the domain's transactions over a driver.
type DB struct {
	drv      Driver
	pg       bool
	now      func() time.Time
	onOutbox func()

	counted   countedReader // drv, if it can run a lone statement outside a transaction
	readSites sync.Map      // a read function's code pointer → its readShape
}

// countedReader is a driver whose read transactions cost round trips of
// their own (a server's BEGIN and COMMIT), so that a read function that
// runs one statement is better run without one: store/postgres.
type countedReader interface {
	ReadCounted(ctx context.Context, fn func(Conn) error, single bool) (statements int, err error)
}

// readShape is what the store has seen a read function do.
type readShape int8

const (
	oneStatement readShape = iota + 1
	manyStatements
)

// OpenDriver returns a store whose transactions run on d. The driver has
// already brought its schema up to date.
func OpenDriver(d Driver, o Options) *DB {
	if o.Now == nil {
		o.Now = time.Now
	}
	db := &DB{drv: d, pg: d.Dialect() == Postgres, now: o.Now}
	db.counted, _ = d.(countedReader)
	return db
}

// Postgres reports whether the store runs on a server database rather than
// the embedded SQLite file.
func (db *DB) Postgres() bool { return db.pg }

// Close closes the driver.
func (db *DB) Close() error { return db.drv.Close() }

// SetOutboxHook registers f, called after every committed write transaction
// that added index_outbox rows (the indexer's wake-up).
func (db *DB) SetOutboxHook(f func()) { db.onOutbox = f }

// Tx is a transaction with the clock's time fixed at its start.
type Tx struct {
	x      Conn
	pg     bool // the PostgreSQL dialect
	Now    time.Time
	outbox bool
}

// NowMillis is Now in the storage format.
func (tx *Tx) NowMillis() int64 { return tx.Now.UnixMilli() }

func (db *DB) newTx(c Conn) *Tx {
	return &Tx{x: c, pg: db.pg, Now: db.now().UTC().Truncate(time.Millisecond)}
}

// Write runs fn in a write transaction and commits it if fn returns nil.
// fn may run more than once (a driver retries what the database could not
// serialize), so it must not accumulate into variables it does not reset.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	outbox := false
	err := db.drv.Write(ctx, func(c Conn) error {
		tx := db.newTx(c)
		err := fn(tx)
		outbox = tx.outbox
		return err
	})
	if err == nil && outbox && db.onOutbox != nil {
		db.onOutbox()
	}
	return mapErr(err)
}

// Read runs fn in a read-only transaction (a consistent snapshot).
//
// On a server database, a function that has run one statement before
// (the function's code, whichever closure of it) runs its statement
// without a transaction: half the round trips of a point read or a list
// page. Should it run a second one after all, the transaction begins with
// that one, and the function is run in a transaction from then on.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	if db.counted == nil {
		return db.ReadSnapshot(ctx, fn)
	}
	run := func(c Conn) error { return fn(db.newTx(c)) }
	site := reflect.ValueOf(fn).Pointer()
	seen, _ := db.readSites.Load(site)
	n, err := db.counted.ReadCounted(ctx, run, seen == oneStatement)
	switch {
	case n > 1 && seen != manyStatements:
		db.readSites.Store(site, manyStatements)
	case n == 1 && err == nil && seen == nil:
		// Only a success counts (a function that failed at its first
		// statement may run more when it succeeds), and never over a
		// concurrent read's "many".
		db.readSites.LoadOrStore(site, oneStatement)
	}
	return mapErr(err)
}

// ReadSnapshot is Read, always in one transaction: for a function whose
// statements must agree even when how many it runs depends on the data
// (Read may run the first of them on its own once, see above).
func (db *DB) ReadSnapshot(ctx context.Context, fn func(*Tx) error) error {
	return mapErr(db.drv.Read(ctx, func(c Conn) error { return fn(db.newTx(c)) }))
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	n, err := tx.x.Exec(ctx, q, args...)
	return affected(n), err
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) Row {
	return tx.x.QueryRow(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (Rows, error) {
	return tx.x.Query(ctx, q, args...)
}

// affected is a driver's count of changed rows as an sql.Result.
type affected int64

func (n affected) RowsAffected() (int64, error) { return int64(n), nil }
func (affected) LastInsertId() (int64, error) {
	return 0, xerr.New(xerr.Internal, "store: no insert ids")
}

var _ sql.Result = affected(0)

// IntegrityCheck returns the driver's verdict on its pages ("ok"): SQLite
// checks its file; a server database checks its own, so there it is a ping.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if c, ok := db.drv.(interface {
		IntegrityCheck(context.Context) (string, error)
	}); ok {
		s, err := c.IntegrityCheck(ctx)
		return s, mapErr(err)
	}
	return "ok", db.Ping(ctx)
}

// Path is the database file, or "" for a server database.
func (db *DB) Path() string {
	if p, ok := db.drv.(interface{ Path() string }); ok {
		return p.Path()
	}
	return ""
}

// Backup writes a consistent copy of the database to path (which must not
// exist), where the driver can: a PostgreSQL store is backed up by its
// server (pg_dump).
func (db *DB) Backup(ctx context.Context, path string) error {
	if b, ok := db.drv.(interface {
		Backup(context.Context, string) error
	}); ok {
		return mapErr(b.Backup(ctx, path))
	}
	return xerr.New(xerr.Invalid, "backup: a PostgreSQL store is backed up by the database server (pg_dump), not by xentree")
}

// nullMillis turns an optional time into a nullable column value.
func nullMillis(ms int64) any {
	if ms == 0 {
		return nil
	}
	return ms
}

// nullString turns "" into NULL, for optional unique columns.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ExecRaw runs one statement in tx; for benchmarks and tools that measure
// or repair the store below the domain methods.
func (tx *Tx) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return mapErr(err)
}

// QueryRowRaw runs one query in tx; for tests and tools below the domain
// methods, as ExecRaw.
func (tx *Tx) QueryRowRaw(ctx context.Context, q string, args ...any) Row {
	return tx.queryRow(ctx, q, args...)
}

// QueryRaw runs one query in tx, as QueryRowRaw, for any number of rows.
func (tx *Tx) QueryRaw(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := tx.query(ctx, q, args...)
	return rows, mapErr(err)
}

// ExecRaw runs one statement in a transaction of its own: on SQLite an
// autocommitted statement on the writer, prepared once, which is the
// baseline "raw single-row write" that benchmarks compare against.
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	if r, ok := db.drv.(interface {
		ExecRaw(context.Context, string, ...any) error
	}); ok {
		return mapErr(r.ExecRaw(ctx, q, args...))
	}
	return db.Write(ctx, func(tx *Tx) error { return tx.ExecRaw(ctx, q, args...) })
}
