package postgres

import (
	"context"
	"embed"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// The migration's advisory lock key: (lockMigrate, hashtext(current_schema())),
// so that deployments (and tests) in different schemas of one database
// never wait for each other.
const lockMigrate = 0x78656e74 // "xent": nodes starting together queue here; one migrates

// Migrations returns the PostgreSQL schema steps in order. Their versions
// are SQLite's: the first, 0014, creates the schema that SQLite reaches after
// its 14 steps, and each later step has a twin of the same number there, so
// one version names one schema on both.
func Migrations() ([]store.Migration, error) { return store.ReadMigrations(migrationFS, "migrations") }

// migrate applies every pending step, each in its own transaction, holding
// a session advisory lock so that concurrent nodes wait rather than race,
// and refuses a database migrated by a newer binary.
func (d *Driver) migrate(ctx context.Context, now func() time.Time) error {
	ms, err := Migrations()
	if err != nil {
		return xerr.Internalf(err, "postgres: read migrations")
	}
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", lockMigrate); err != nil {
		return xerr.Internalf(err, "postgres: take the migration lock")
	}
	defer func() {
		_, _ = c.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", lockMigrate)
	}()
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return xerr.Internalf(err, "postgres: create schema_migrations")
	}
	var cur int
	if err := c.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return xerr.Internalf(err, "postgres: read the schema version")
	}
	latest := ms[len(ms)-1].Version
	if cur > latest {
		return xerr.Newf(xerr.Unavailable,
			"database schema version %d is newer than this binary supports (%d): upgrade xentree", cur, latest)
	}
	for _, m := range ms {
		if m.Version <= cur {
			continue
		}
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, now().UnixMilli())
			return err
		})
		if err != nil {
			return xerr.Internalf(err, "postgres: migration %04d_%s", m.Version, m.Name)
		}
	}
	return nil
}

// SchemaVersion reads the schema version of the database at url without
// migrating it: 0 for a database xentree has not used.
func SchemaVersion(ctx context.Context, url string) (int, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, xerr.Newf(xerr.Invalid, "database URL: %v", err)
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, connectError(cfg, err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := c.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil || !exists {
		return 0, mapErr(err)
	}
	var v int
	err = c.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, mapErr(err)
}

// Exclusive runs fn holding the session advisory lock called name (within
// this schema), waiting for it within ctx. Should the connection holding it
// fail, the lock goes with it.
func (d *Driver) Exclusive(ctx context.Context, name string, fn func() error) error {
	_, err := d.exclusive(ctx, false, name, fn)
	return err
}

// TryExclusive is Exclusive when the lock is free; when another session
// holds it, it returns false at once and gives its connection back.
func (d *Driver) TryExclusive(ctx context.Context, name string, fn func() error) (bool, error) {
	return d.exclusive(ctx, true, name, fn)
}

// exclusive takes the session lock called name, waiting for it or, with
// try, only if it is free, on a connection held for fn.
func (d *Driver) exclusive(ctx context.Context, try bool, name string, fn func() error) (bool, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return false, mapErr(err)
	}
	defer c.Release()
	taken := true
	if try {
		err = c.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext($1))", name).Scan(&taken)
	} else {
		_, err = c.Exec(ctx, "SELECT pg_advisory_lock(hashtext(current_schema()), hashtext($1))", name)
	}
	if err != nil {
		// Whether the lock was granted is unknown (a cancel can cross the
		// grant): the connection must not go back to the pool holding it.
		_ = c.Conn().Close(context.WithoutCancel(ctx))
		return false, mapErr(err)
	}
	if !taken {
		return false, nil
	}
	defer func() {
		wctx := context.WithoutCancel(ctx)
		if _, err := c.Exec(wctx, "SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext($1))", name); err != nil {
			_ = c.Conn().Close(wctx) // closing the session ends its locks
		}
	}()
	return true, fn()
}
