package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"

	"github.com/xentree/xentree/internal/xerr"
)

// Backup writes a consistent copy of the database to path (which must not
// exist) with VACUUM INTO: it reads one snapshot, so writers carry on, and
// the copy is compact and needs no WAL. The file is created first, empty,
// readable by its owner only (it holds password hashes and every user's
// data), and removed again if the copy fails, so a half-written backup is
// never left to be restored.
func (db *Driver) Backup(ctx context.Context, path string) error {
	return vacuumInto(ctx, db.ckpt, path)
}

// BackupFile is Backup of the database file at src, read through a
// read-only connection of its own: it neither migrates the database nor
// needs a Driver, so a backup taken beside a running server by a newer
// binary leaves the server's schema alone. (SQLite may still create the
// -wal and -shm files beside src, as any reader of a WAL database does.)
func BackupFile(ctx context.Context, src, path string) error {
	r, err := openFile(src, "?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer r.Close()
	return vacuumInto(ctx, r, path)
}

func vacuumInto(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return xerr.Newf(xerr.Conflict, "backup: %s already exists", path)
	}
	if err != nil {
		return xerr.Internalf(err, "backup: create %s", path)
	}
	f.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return xerr.Internalf(err, "backup: vacuum into %s", path)
	}
	return nil
}

// CheckFile runs SQLite's quick_check over a database file, read-only: a
// truncated or damaged file fails it before it replaces anything.
func CheckFile(ctx context.Context, path string) error {
	r, err := openFile(path, "?mode=ro")
	if err != nil {
		return err
	}
	defer r.Close()
	var res string
	err = r.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res)
	if ctx.Err() != nil {
		return xerr.Wrap(xerr.Unavailable, ctx.Err(), "check cancelled")
	}
	if err != nil || res != "ok" {
		if err == nil {
			err = errors.New(res)
		}
		return xerr.Newf(xerr.Invalid, "%s is damaged: %v", path, err)
	}
	return nil
}

// Checkpoint moves the commits in a database's WAL into its file and
// empties the WAL, so the file alone holds the database.
func Checkpoint(ctx context.Context, path string) error {
	r, err := openFile(path, "")
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := r.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return xerr.Internalf(err, "checkpoint %s", path)
	}
	return nil
}

// SchemaVersionOf reads the schema version of a database file without
// migrating it, so a backup can be checked before it is restored.
func SchemaVersionOf(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, xerr.Newf(xerr.NotFound, "%s: no such file", path)
	}
	r, err := openFile(path, "?mode=ro")
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var v int
	if err := r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, xerr.Newf(xerr.Invalid, "%s is not a Xentree database: %v", path, err)
	}
	return v, nil
}

// openFile opens the database file at path on its own, apart from any
// Driver, with query (say "?mode=ro") after its URL.
func openFile(path, query string) (*sql.DB, error) {
	r, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+query)
	if err != nil {
		return nil, xerr.Internalf(err, "open %s", path)
	}
	return r, nil
}
