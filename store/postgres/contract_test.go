package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/postgres"
	"github.com/xentree/xentree/store/sqlite"
)

// The store's contract, run against both drivers: the same calls give the
// same results and the same error kinds on SQLite and on PostgreSQL. The
// Engine's whole test suite runs on both as well (XENTREE_TEST_DATABASE_URL);
// these are the store-level promises it relies on.

var ctx = context.Background()

type driver struct {
	name string
	open func(t *testing.T, now func() time.Time) *store.DB
}

func drivers(t *testing.T) []driver {
	pgtest.Require(t)
	return []driver{
		{"sqlite", func(t *testing.T, now func() time.Time) *store.DB {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), sqlite.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(t *testing.T, now func() time.Time) *store.DB {
			d, err := postgres.Open(ctx, pgtest.Schema(t), postgres.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			db := store.OpenDriver(d, store.Options{Now: now})
			t.Cleanup(func() { db.Close() })
			return db
		}},
	}
}

func TestContractErrorKinds(t *testing.T) {
	for _, d := range drivers(t) {
		t.Run(d.name, func(t *testing.T) {
			now := time.Date(2026, 4, 16, 10, 0, 0, 123456789, time.UTC)
			db := d.open(t, func() time.Time { return now })
			u := store.UserRow{Profile: auth.Profile{ID: "u1", Email: "a@example.com", Username: "ada", Role: "user", Plan: "free"}}
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
				t.Fatal(err)
			}
			if got := u.CreatedAt.String(); got != "2026-04-16T10:00:00.123Z" {
				t.Errorf("created_at = %s, want the clock's time in ms", got)
			}
			for _, tc := range []struct {
				name string
				fn   func(tx *store.Tx) error
				want xerr.Kind
			}{
				{"duplicate id", func(tx *store.Tx) error {
					v := u
					v.Email, v.Username = "b@example.com", ""
					return tx.UserInsert(ctx, &v)
				}, xerr.Conflict},
				{"duplicate email", func(tx *store.Tx) error {
					v := u
					v.ID, v.Username = "u2", ""
					return tx.UserInsert(ctx, &v)
				}, xerr.Conflict},
				{"duplicate username in another case", func(tx *store.Tx) error {
					v := u
					v.ID, v.Email, v.Username = "u3", "c@example.com", "ADA"
					return tx.UserInsert(ctx, &v)
				}, xerr.Conflict},
				{"missing row", func(tx *store.Tx) error { _, err := tx.UserByID(ctx, "nope"); return err }, xerr.NotFound},
				{"missing reference", func(tx *store.Tx) error { return tx.SessionInsert(ctx, "s1", "nope", "h", 0) }, xerr.NotFound},
				{"update of a missing row", func(tx *store.Tx) error { v := u; v.ID = "nope"; return tx.UserUpdate(ctx, &v) }, xerr.NotFound},
				{"check constraint", func(tx *store.Tx) error {
					v := u
					v.ID, v.Email, v.Username, v.Role = "u4", "d@example.com", "", "king"
					return tx.UserInsert(ctx, &v)
				}, xerr.Internal},
			} {
				err := db.Write(ctx, tc.fn)
				if xerr.KindOf(err) != tc.want {
					t.Errorf("%s: %v (kind %v), want kind %v", tc.name, err, xerr.KindOf(err), tc.want)
				}
			}
			// The username is found in any case, as it was refused in any case.
			err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.UserByUsername(ctx, "ADA"); return err })
			if err != nil {
				t.Errorf("username in another case: %v", err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := db.Write(cctx, func(tx *store.Tx) error { return nil }); xerr.KindOf(err) != xerr.Unavailable {
				t.Errorf("cancelled write: %v, want Unavailable", err)
			}
			if err := db.Read(cctx, func(tx *store.Tx) error { return nil }); xerr.KindOf(err) != xerr.Unavailable {
				t.Errorf("cancelled read: %v, want Unavailable", err)
			}
			sentinel := errors.New("boom")
			err = db.Write(ctx, func(tx *store.Tx) error {
				v := store.UserRow{Profile: auth.Profile{ID: "u9", Email: "z@example.com", Role: "user"}}
				if err := tx.UserInsert(ctx, &v); err != nil {
					return err
				}
				return sentinel
			})
			if !errors.Is(err, sentinel) {
				t.Errorf("failing write: %v, want its own error", err)
			}
			if err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.UserByID(ctx, "u9"); return err }); xerr.KindOf(err) != xerr.NotFound {
				t.Errorf("a rolled-back row is visible: %v", err)
			}
		})
	}
}

// Concurrent writers of the same rows all succeed, and the result is as if
// they had run one after another: SQLite queues them; PostgreSQL runs them
// SERIALIZABLE and retries the ones it could not serialize.
func TestContractConcurrentWritesAddUp(t *testing.T) {
	for _, d := range drivers(t) {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t, time.Now)
			u := store.UserRow{Profile: auth.Profile{ID: "u1", Email: "a@example.com", Role: "user", Plan: "free"}}
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
				t.Fatal(err)
			}
			const writers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						errs <- db.Write(ctx, func(tx *store.Tx) error {
							// Read, then write what was read plus one: lost
							// updates would show in the total.
							used, err := tx.LiveUsage(ctx, "u1", "2026-04")
							if err != nil {
								return err
							}
							if err := tx.LiveUsageAdd(ctx, "u1", "2026-04", 1000); err != nil {
								return err
							}
							after, err := tx.LiveUsage(ctx, "u1", "2026-04")
							if err == nil && after != used+1000 {
								err = fmt.Errorf("usage went from %d to %d inside one transaction", used, after)
							}
							return err
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var used int64
			err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				used, err = tx.LiveUsage(ctx, "u1", "2026-04")
				return err
			})
			if err != nil || used != writers*each*1000 {
				t.Errorf("usage %d ms (%v), want %d", used, err, writers*each*1000)
			}
		})
	}
}

// Ids sort the same on both (UUIDv7 text: keyset pages depend on it), and
// text sorts by code point, as SQLite's BINARY collation does.
func TestContractTextOrder(t *testing.T) {
	words := []string{"b", "B", "a", "ä", "A", "0", "a-b", "ab", "_", "Z"}
	var orders [][]string
	for _, d := range drivers(t) {
		db := d.open(t, time.Now)
		var got []string
		err := db.Read(ctx, func(tx *store.Tx) error {
			q := "SELECT w FROM (SELECT 'x' AS w"
			for _, w := range words {
				q += " UNION ALL SELECT '" + w + "'"
			}
			q += ") v WHERE w <> 'x' ORDER BY w"
			rows, err := queryStrings(ctx, tx, q)
			got = rows
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		orders = append(orders, got)
	}
	if !slices.Equal(orders[0], orders[1]) {
		t.Errorf("text order differs:\nsqlite   %q\npostgres %q\n(create the database with LOCALE 'C.UTF-8', as scripts/postgres.sh does)", orders[0], orders[1])
	}
}

func queryStrings(ctx context.Context, tx *store.Tx, q string) ([]string, error) {
	var out []string
	n := 0
	for {
		var s string
		err := tx.QueryRowRaw(ctx, q+fmt.Sprintf(" LIMIT 1 OFFSET %d", n)).Scan(&s)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		n++
	}
}

// pgOnly are the PostgreSQL store's own tables: what SQLite keeps outside
// its database file (the Bleve index, key files, rate limits in memory).
var pgOnly = []string{"search_docs", "search_analysis", "instance_keys", "rate_events"}

// Every migration's result is the same schema on both: each SQLite table
// with the same columns, types that hold the same values, the same NOT NULL
// and the same indexes by name. A SQLite migration without its PostgreSQL
// twin fails here.
func TestContractSchemasMatch(t *testing.T) {
	pgtest.Require(t)
	dir := t.TempDir()
	sq, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sq.Close()
	lite, err := sql.Open("sqlite", filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	url := pgtest.Schema(t)
	d, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	pg, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)

	want := map[string]string{} // "table.column" → "type notnull"
	tables, err := postgres.SQLiteStrings(context.Background(), lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		rows, err := lite.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, tb)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ string
			var notNull, pk int
			if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			// A SQLite primary key may hold NULL unless it is an INTEGER
			// one; ours never do, and PostgreSQL's are NOT NULL.
			want[tb+"."+name] = fmt.Sprintf("%s %v", liteType(typ), notNull == 1 || pk > 0)
		}
		rows.Close()
	}
	got := map[string]string{}
	rows, err := pg.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tb, name, typ, nullable string
		if err := rows.Scan(&tb, &name, &typ, &nullable); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(pgOnly, tb) {
			continue
		}
		got[tb+"."+name] = fmt.Sprintf("%s %v", typ, nullable == "NO")
	}
	rows.Close()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: SQLite %q, PostgreSQL %q", k, w, got[k])
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s (%s) is on PostgreSQL only", k, g)
		}
	}

	liteIdx, err := postgres.SQLiteStrings(context.Background(), lite, `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var pgIdx []string
	rows, err = pg.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		pgIdx = append(pgIdx, n)
	}
	rows.Close()
	for _, n := range liteIdx {
		if !slices.Contains(pgIdx, n) {
			t.Errorf("index %s is missing on PostgreSQL", n)
		}
	}
}

// liteType is the PostgreSQL type that holds what SQLite's declared type
// holds here.
func liteType(t string) string {
	switch strings.ToUpper(t) {
	case "INTEGER":
		return "bigint"
	case "REAL":
		return "double precision"
	case "BLOB":
		return "bytea"
	case "TEXT":
		return "text"
	}
	return "? " + t
}
