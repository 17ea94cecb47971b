package store

import (
	"context"
	"database/sql"
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/xentree/xentree/internal/xerr"
)

// mapErr turns driver errors into kinds at the edge, by SQLite result code,
// never by message text. Errors that already carry a kind pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if xerr.As(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return xerr.Wrap(xerr.NotFound, err, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return xerr.Wrap(xerr.Unavailable, err, "request cancelled or timed out")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return xerr.Wrap(xerr.Conflict, err, "already exists")
		case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return xerr.Wrap(xerr.NotFound, err, "a referenced resource does not exist")
		case code&0xff == sqlite3.SQLITE_FULL:
			return xerr.Wrap(xerr.Unavailable, err, "storage is full")
		case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED:
			return xerr.Wrap(xerr.Unavailable, err, "storage is busy")
		case code&0xff == sqlite3.SQLITE_IOERR:
			return xerr.Wrap(xerr.Unavailable, err, "storage I/O error")
		}
	}
	return xerr.Internalf(err, "store")
}
