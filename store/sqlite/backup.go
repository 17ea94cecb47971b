package sqlite

import (
	"context"
	"database/sql"
	"net/url"
	"os"

	"github.com/xentree/xentree/internal/xerr"
)

// Backup writes a consistent copy of the database to path (which must not
// exist) with VACUUM INTO: it reads one snapshot, so writers carry on, and
// the copy is compact and needs no WAL.
func (db *Driver) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return xerr.Newf(xerr.Conflict, "backup: %s already exists", path)
	}
	if _, err := db.ckpt.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return xerr.Internalf(err, "backup: vacuum into %s", path)
	}
	return nil
}

// SchemaVersionOf reads the schema version of a database file without
// migrating it, so a backup can be checked before it is restored.
func SchemaVersionOf(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, xerr.Newf(xerr.NotFound, "%s: no such file", path)
	}
	r, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return 0, xerr.Internalf(err, "open %s", path)
	}
	defer r.Close()
	var v int
	if err := r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, xerr.Newf(xerr.Invalid, "%s is not a Xentree database: %v", path, err)
	}
	return v, nil
}
