package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/xentree/xentree/internal/xerr"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one embedded schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) { return ReadMigrations(migrationFS, "migrations") }

// ReadMigrations reads the steps named NNNN_name.sql in dir of fsys, in
// order: SQLite's here, PostgreSQL's in store/postgres.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %q is not named NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	})
	return v, mapErr(err)
}

// migrate applies every pending migration, one transaction each, and refuses
// a database written by a newer binary.
func (db *DB) migrate(ctx context.Context, upTo int) error {
	if err := db.ExecRaw(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	ms, err := Migrations()
	if err != nil {
		return xerr.Internalf(err, "store: read migrations")
	}
	cur, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
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
		err := db.Write(ctx, func(tx *Tx) error {
			// Not tx.exec: a migration holds many statements and must not be
			// prepared (and cached) as one.
			if err := tx.execScript(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			_, err := tx.exec(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, tx.NowMillis())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
