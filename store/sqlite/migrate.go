package sqlite

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns SQLite's schema steps in order. PostgreSQL has a twin
// of each (store/postgres/migrations), and its contract test holds the two
// schemas to the same tables, columns and indexes.
func Migrations() ([]store.Migration, error) { return store.ReadMigrations(migrationFS, "migrations") }

// LatestSchema is the newest migration this binary has.
func LatestSchema() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// migrate applies every pending migration, one transaction each, and refuses
// a database written by a newer binary. It runs before the readers open.
func (db *Driver) migrate(ctx context.Context, upTo int, now func() time.Time) error {
	if err := db.ExecRaw(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	ms, err := Migrations()
	if err != nil {
		return xerr.Internalf(err, "store: read migrations")
	}
	var cur int
	err = db.Write(ctx, func(c store.Conn) error {
		return c.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur)
	})
	if err != nil {
		return mapErr(err)
	}
	latest := ms[len(ms)-1].Version
	if cur > latest {
		return xerr.Newf(xerr.Unavailable,
			"database schema version %d is newer than this binary supports (%d): upgrade xentree", cur, latest)
	}
	for _, m := range ms {
		if m.Version <= cur || (upTo > 0 && m.Version > upTo) {
			continue
		}
		err := db.Write(ctx, func(store.Conn) error {
			// Not on a prepared statement: a migration holds many
			// statements and must not be prepared (and cached) as one.
			// Once begun, a step runs to its end, as every write does.
			wctx := uninterruptible(ctx)
			if _, err := db.wc.ExecContext(wctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, mapErr(err))
			}
			_, err := db.wc.ExecContext(wctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, now().UnixMilli())
			return mapErr(err)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
