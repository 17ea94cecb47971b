package xentree

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/xentree/xentree/internal/dirlock"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store/postgres"
	"github.com/xentree/xentree/store/sqlite"
)

// Backup writes a consistent copy of the database to path (which must not
// exist) while the engine keeps serving. The search index is not copied:
// it is derived, and Restore rebuilds it. Neither are the keys in Dir
// (signing.key, encryption.key): back them up once, apart from the data,
// since sealed Google tokens and integration keys need encryption.key.
func (e *Engine) Backup(ctx context.Context, path string) error {
	return e.db.Backup(ctx, path)
}

// BackupDir is Backup of the SQLite data folder dir without opening an
// Engine on it, so it runs beside a server on that folder: it reads the
// database as it is (a newer binary does not migrate it), through a
// read-only connection, under the folder's shared lock (internal/dirlock).
// It is refused while a restore or migrate-store holds the folder.
func BackupDir(ctx context.Context, dir, path string) error {
	src := filepath.Join(dir, dbFile)
	if _, err := os.Stat(src); err != nil {
		return xerr.Newf(xerr.NotFound, "no Xentree database in %s (is the folder right?)", dir)
	}
	lock, err := sharedLock(dir)
	if err != nil {
		return err
	}
	defer lock.Release()
	return sqlite.BackupFile(ctx, src, path)
}

// SchemaStatus reports a data folder's schema version and the newest this
// binary knows; opening an Engine migrates up to it.
func SchemaStatus(ctx context.Context, dir string) (current, latest int, err error) {
	return SchemaStatusOf(ctx, Config{Dir: dir})
}

// SchemaStatusOf is SchemaStatus for cfg's store: the SQLite file in
// cfg.Dir, or the PostgreSQL database cfg.Database names (read, not
// migrated).
func SchemaStatusOf(ctx context.Context, cfg Config) (current, latest int, err error) {
	latest = sqlite.LatestSchema()
	if cfg.Database != "" {
		current, err = postgres.SchemaVersion(ctx, cfg.Database)
		return current, latest, err
	}
	path := filepath.Join(cfg.Dir, dbFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, latest, nil
	}
	current, err = sqlite.SchemaVersionOf(ctx, path)
	return current, latest, err
}

// Restore replaces the database of cfg.Dir with a backup and rebuilds the
// search index from it, calling progress with the documents indexed. It
// refuses a backup written by a newer Xentree, and refuses to start while
// any other process (a server, a backup) has cfg.Dir open: it holds the
// folder's lock alone until it returns (internal/dirlock).
func Restore(ctx context.Context, cfg Config, backup string, progress func(done, total int)) error {
	if cfg.Database != "" {
		return xerr.New(xerr.Invalid, "restore replaces a SQLite data folder; a PostgreSQL store is restored with the server's own tools (pg_restore)")
	}
	v, err := sqlite.SchemaVersionOf(ctx, backup)
	if err != nil {
		return err
	}
	if latest := sqlite.LatestSchema(); v > latest {
		return xerr.Newf(xerr.Invalid, "the backup has schema version %d, newer than this binary supports (%d): upgrade xentree", v, latest)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return xerr.Internalf(err, "create data folder")
	}
	lock, err := dirlock.Exclusive(cfg.Dir)
	if errors.Is(err, dirlock.ErrBusy) {
		return xerr.Newf(xerr.Conflict, "the data folder %s is in use by another xentree process (a running server, a backup or an export): stop it, then restore", cfg.Dir)
	} else if err != nil {
		return err
	}
	defer lock.Release()
	dst := filepath.Join(cfg.Dir, dbFile)
	tmp := dst + ".restore"
	removeDB(tmp) // an interrupted restore's, WAL included: never replayed onto this one
	if err := copyFile(backup, tmp); err != nil {
		return err
	}
	// The copy is checked and migrated before it replaces anything: a
	// damaged backup, or one whose migration fails, leaves the folder as
	// it was.
	if err := prepareRestore(ctx, tmp); err != nil {
		removeDB(tmp)
		return err
	}
	// The database it replaces is kept beside it as one file (its WAL
	// checkpointed in) until the next restore: `xentree restore` of that
	// file goes back.
	kept := dst + ".pre-restore"
	if _, err := os.Stat(dst); err == nil {
		if err := sqlite.Checkpoint(ctx, dst); err != nil {
			removeDB(tmp)
			return err
		}
	}
	removeDB(kept)
	for _, stale := range []string{dst + "-wal", dst + "-shm", filepath.Join(cfg.Dir, indexDir)} {
		if err := os.RemoveAll(stale); err != nil {
			return xerr.Internalf(err, "remove %s", stale)
		}
	}
	if err := os.Rename(dst, kept); err != nil && !os.IsNotExist(err) {
		return xerr.Internalf(err, "restore: keep the replaced database")
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Rename(kept, dst) // never leave the folder without a database
		return xerr.Internalf(err, "restore: replace the database")
	}
	cfg.DisableIndex = false
	eng, err := open(ctx, cfg, lock) // migrates an older backup up to this binary
	if err != nil {
		return err
	}
	// The restored folder has no index: Open began rebuilding it.
	err = eng.RebuildIndexOnce(ctx, progress)
	if cerr := eng.Close(); err == nil {
		err = cerr
	}
	return err
}

// prepareRestore checks the copy of a backup at path and migrates it to
// this binary's schema.
func prepareRestore(ctx context.Context, path string) error {
	if err := sqlite.CheckFile(ctx, path); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	return db.Close()
}

// removeDB removes a database file and the files SQLite keeps beside it.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return xerr.Internalf(err, "open %s", src)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return xerr.Internalf(err, "create %s", dst)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return xerr.Internalf(err, "copy %s", src)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return xerr.Internalf(err, "sync %s", dst)
	}
	return out.Close()
}
