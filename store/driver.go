package store

import "context"

// Driver is a database that the store's SQL runs on: store/sqlite and
// store/postgres implement it. The domain methods on Tx are the same for
// both, written in the SQL the two share; a driver rewrites the `?`
// placeholders into its own and maps its errors to kinds (sql.ErrNoRows
// from a Row that found nothing, Conflict for a unique violation, NotFound
// for a missing reference, Unavailable for a lost connection or a busy
// database).
//
// A driver may offer more, found by interface assertion: Path, Backup,
// IntegrityCheck, Memory, ExecRaw (SQLite's file); Ping, PoolStats,
// Exclusive, Notify and Listen (a server that several nodes share).
type Driver interface {
	// Write runs fn in one transaction that behaves as if it ran alone
	// (SQLite's single writer gives exactly that), retrying fn when the
	// database could not serialize it. fn may run more than once.
	Write(ctx context.Context, fn func(Conn) error) error
	// Read runs fn in a read-only transaction on one snapshot.
	Read(ctx context.Context, fn func(Conn) error) error
	// Dialect names the SQL the driver speaks, for the few statements
	// that differ.
	Dialect() Dialect
	// Close releases the driver's connections.
	Close() error
}

// Dialect is the SQL a driver speaks beyond what the two share.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

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
