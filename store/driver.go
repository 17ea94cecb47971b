package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/xentree/xentree/internal/xerr"
)

// Driver is a server database that the store's SQL runs on instead of the
// embedded SQLite file: store/postgres implements it. The domain methods on
// Tx are the same for both, written in the SQL the two share; a driver
// rewrites the `?` placeholders into its own and maps its errors to kinds
// (sql.ErrNoRows from a Row that found nothing, Conflict for a unique
// violation, NotFound for a missing reference, Unavailable for a lost
// connection).
type Driver interface {
	// Write runs fn in one transaction that behaves as if it ran alone
	// (SQLite's single writer gives exactly that), retrying fn when the
	// database could not serialize it. fn may run more than once.
	Write(ctx context.Context, fn func(Conn) error) error
	// Read runs fn in a read-only transaction on one snapshot.
	Read(ctx context.Context, fn func(Conn) error) error
	// Close releases the driver's connections.
	Close() error
}

// Conn runs statements inside one of a driver's transactions.
type Conn interface {
	Exec(ctx context.Context, q string, args ...any) (rowsAffected int64, err error)
	QueryRow(ctx context.Context, q string, args ...any) Row
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

// Row is one result row; Scan reports sql.ErrNoRows when there was none.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set, read once; *sql.Rows is one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() ([]string, error)
	Err() error
	Close() error
}

// OpenDriver returns a store whose transactions run on d. The driver has
// already brought its schema up to date.
func OpenDriver(d Driver, o Options) *DB {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &DB{drv: d, now: o.Now}
}

// Postgres reports whether the store runs on a server database (a Driver)
// rather than the embedded SQLite file.
func (db *DB) Postgres() bool { return db.drv != nil }

// driverWrite is Write on a driver: fn in its own transaction, the outbox
// hook after a commit that queued index work.
func (db *DB) driverWrite(ctx context.Context, fn func(*Tx) error) error {
	outbox := false
	err := db.drv.Write(ctx, func(c Conn) error {
		tx := &Tx{x: c, Now: db.now().UTC().Truncate(time.Millisecond)}
		err := fn(tx)
		outbox = tx.outbox
		return err
	})
	if err == nil && outbox && db.onOutbox != nil {
		db.onOutbox()
	}
	return mapErr(err)
}

func (db *DB) driverRead(ctx context.Context, fn func(*Tx) error) error {
	return mapErr(db.drv.Read(ctx, func(c Conn) error {
		return fn(&Tx{x: c, Now: db.now().UTC().Truncate(time.Millisecond)})
	}))
}

// affected is a driver's count of changed rows as an sql.Result.
type affected int64

func (n affected) RowsAffected() (int64, error) { return int64(n), nil }
func (affected) LastInsertId() (int64, error) {
	return 0, xerr.New(xerr.Internal, "store: no insert ids on this database")
}

var _ sql.Result = affected(0)
