package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// mapErr turns SQLite's errors into kinds, by result code, never by message
// text; the store's own rules give the rest theirs.
func mapErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || xerr.As(err) != nil {
		return store.MapError(err)
	}
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
	case code&0xff == sqlite3.SQLITE_READONLY:
		// A read-only data folder or file, or a disk the kernel remounted
		// read-only after errors: the operator's to fix, not a bug.
		return xerr.Wrap(xerr.Unavailable, err, "storage is read-only")
	}
	return store.MapError(err)
}
