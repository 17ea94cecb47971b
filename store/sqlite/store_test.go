package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

var ctx = context.Background()

// The store's own names, as the tests here use them on a SQLite store.
type (
	Tx      = store.Tx
	UserRow = store.UserRow
)

func openTest(t testing.TB, now func() time.Time) *store.DB {
	db, _ := openDriverTest(t, now)
	return db
}

// openDriverTest opens a store and returns its driver too, for the tests
// that hold the writer or look at the readers.
func openDriverTest(t testing.TB, now func() time.Time) (*store.DB, *Driver) {
	t.Helper()
	d, err := OpenDriver(ctx, filepath.Join(t.TempDir(), "x.db"), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return store.OpenDriver(d, store.Options{Now: now}), d
}

func TestMigrationsApplyOnceAndRefuseNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := Migrations()
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != ms[len(ms)-1].Version {
		t.Fatalf("schema version = %d, %v; want %d", v, err, ms[len(ms)-1].Version)
	}
	// A database from a newer binary.
	if err := db.ExecRaw(ctx, "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path, Options{})
	if xerr.KindOf(err) != xerr.Unavailable {
		t.Fatalf("opening a newer schema: %v, want unavailable", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := UserRow{Profile: auth.Profile{ID: "u1", Email: "a@example.com", Role: "user", Plan: "free", Timezone: "UTC", PreferredLanguage: "en"}}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, path)
	var got UserRow
	if err := db.Read(ctx, func(tx *Tx) error { got, err = tx.UserByID(ctx, "u1"); return err }); err != nil {
		t.Fatal(err)
	}
	if got.Email != "a@example.com" {
		t.Errorf("email = %q", got.Email)
	}
	if s, err := db.IntegrityCheck(ctx); err != nil || s != "ok" {
		t.Errorf("integrity_check = %q, %v", s, err)
	}
}

func TestErrorKinds(t *testing.T) {
	now := time.Date(2026, 4, 16, 10, 0, 0, 123456789, time.UTC)
	db := openTest(t, func() time.Time { return now })
	u := UserRow{Profile: auth.Profile{ID: "u1", Email: "a@example.com", Username: "ada", Role: "user", Plan: "free"}}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	if got := u.CreatedAt.String(); got != "2026-04-16T10:00:00.123Z" {
		t.Errorf("created_at = %s, want the clock's time in ms", got)
	}
	for _, tc := range []struct {
		name string
		fn   func(tx *Tx) error
		want xerr.Kind
	}{
		{"duplicate id", func(tx *Tx) error {
			v := u
			v.Email = "b@example.com"
			v.Username = ""
			return tx.UserInsert(ctx, &v)
		}, xerr.Conflict},
		{"duplicate email", func(tx *Tx) error {
			v := u
			v.ID, v.Username = "u2", ""
			return tx.UserInsert(ctx, &v)
		}, xerr.Conflict},
		{"duplicate username other case", func(tx *Tx) error {
			v := u
			v.ID, v.Email, v.Username = "u3", "c@example.com", "ADA"
			return tx.UserInsert(ctx, &v)
		}, xerr.Conflict},
		{"missing row", func(tx *Tx) error { _, err := tx.UserByID(ctx, "nope"); return err }, xerr.NotFound},
		{"foreign key", func(tx *Tx) error { return tx.SessionInsert(ctx, "s1", "nope", "h", 0) }, xerr.NotFound},
		{"update missing", func(tx *Tx) error { v := u; v.ID = "nope"; return tx.UserUpdate(ctx, &v) }, xerr.NotFound},
	} {
		err := db.Write(ctx, tc.fn)
		if xerr.KindOf(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A cancelled context is Unavailable, not Internal.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := db.Write(cctx, func(tx *Tx) error { return nil })
	if xerr.KindOf(err) != xerr.Unavailable {
		t.Errorf("cancelled: %v", err)
	}
	// A failing fn rolls back.
	sentinel := errors.New("boom")
	err = db.Write(ctx, func(tx *Tx) error {
		v := UserRow{Profile: auth.Profile{ID: "u9", Email: "z@example.com", Role: "user"}}
		if err := tx.UserInsert(ctx, &v); err != nil {
			return err
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("err = %v", err)
	}
	if err := db.Read(ctx, func(tx *Tx) error { _, err := tx.UserByID(ctx, "u9"); return err }); xerr.KindOf(err) != xerr.NotFound {
		t.Errorf("rolled-back row is visible: %v", err)
	}
}

// Concurrent writers queue on the one write connection: none sees SQLITE_BUSY.
func TestConcurrentWritesNeverBusy(t *testing.T) {
	db := openTest(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.Write(ctx, func(tx *Tx) error {
				return tx.ExecRaw(ctx, `INSERT INTO index_outbox (doc_id, op, created_at) VALUES (?, 'delete', 0)`, i)
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _, _ := db.OutboxStats(ctx); n != 200 {
		t.Errorf("rows = %d, want 200", n)
	}
}

// Writes grouped into one commit stay independent: a failing one is rolled
// back alone, the others land, and each caller gets its own result.
// A write that comes after Close (a request the server's stop outlived)
// fails as Unavailable instead of waiting forever for the writer Close
// keeps; closing twice is harmless.
func TestWriteAfterClose(t *testing.T) {
	db, d := openDriverTest(t, nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, func(tx *Tx) error { return nil })
	if !xerr.Is(err, xerr.Unavailable) {
		t.Errorf("write after close: %v, want unavailable", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// A write whose fn panics panics in its own caller, wherever the group
// ran, and neither the writer nor the other writes are left behind.
func TestWritePanicStaysWithItsCaller(t *testing.T) {
	db := openTest(t, nil)
	insert := func(tx *Tx) error {
		return tx.ExecRaw(ctx, `INSERT INTO index_outbox (doc_id, op, created_at) VALUES ('x', 'delete', 0)`)
	}
	var wg sync.WaitGroup
	panics := make([]any, 20)
	errs := make([]error, 20)
	for i := range panics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = db.Write(ctx, func(tx *Tx) error {
				if err := insert(tx); err != nil {
					return err
				}
				if i%4 == 0 {
					panic(fmt.Sprint("boom ", i))
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i := range panics {
		if want := i%4 == 0; (panics[i] != nil) != want || (!want && errs[i] != nil) || (want && panics[i] != fmt.Sprint("boom ", i)) {
			t.Errorf("write %d: panic %v, err %v", i, panics[i], errs[i])
		}
	}
	var n int
	if err := db.Read(ctx, func(tx *Tx) error {
		return tx.QueryRowRaw(ctx, `SELECT COUNT(*) FROM index_outbox`).Scan(&n)
	}); err != nil || n != 15 {
		t.Errorf("rows after the group: %d, %v; want the 15 writes that did not panic", n, err)
	}
	if err := db.Write(ctx, insert); err != nil {
		t.Errorf("a write after the panics: %v", err)
	}
}

func TestGroupedWritesFailAlone(t *testing.T) {
	db := openTest(t, nil)
	var wg sync.WaitGroup
	errs := make([]error, 100)
	boom := errors.New("boom")
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = db.Write(ctx, func(tx *Tx) error {
				if err := tx.ExecRaw(ctx, `INSERT INTO index_outbox (doc_id, op, created_at) VALUES (?, 'delete', 0)`, i); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom // after writing: must be undone
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		if i%3 == 0 {
			if !errors.Is(err, boom) {
				t.Errorf("write %d: %v, want boom", i, err)
			}
			continue
		}
		want++
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if n, _, _ := db.OutboxStats(ctx); n != int64(want) {
		t.Errorf("rows = %d, want %d (failed writes must leave nothing)", n, want)
	}
	// A cancelled caller's write is not run.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	if err := db.Write(cctx, func(tx *Tx) error { ran = true; return nil }); err == nil || ran {
		t.Errorf("cancelled write: err %v, ran %v", err, ran)
	}
}

// TestCancelMidWriteSparesTheGroup: a caller whose context ends while its
// write runs must not undo the other writes of its group commit (SQLite
// rolls back the whole transaction when a write statement is interrupted).
func TestCancelMidWriteSparesTheGroup(t *testing.T) {
	db, d := openDriverTest(t, nil)
	insert := func(ctx context.Context, tx *Tx, id string) error {
		return tx.ExecRaw(ctx, `INSERT INTO index_outbox (doc_id, op, created_at) VALUES (?, 'delete', 0)`, id)
	}
	// Hold the writer so both writes queue and run as one group.
	d.wlock <- struct{}{}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- db.Write(ctx, func(tx *Tx) error { return insert(ctx, tx, "a") }) }()
	go func() {
		errs <- db.Write(cctx, func(tx *Tx) error {
			if err := insert(cctx, tx, "b1"); err != nil {
				return err
			}
			cancel() // the client hangs up half-way
			return insert(cctx, tx, "b2")
		})
	}()
	for {
		d.pmu.Lock()
		n := len(d.pending)
		d.pmu.Unlock()
		if n == 2 {
			break
		}
		runtime.Gosched()
	}
	<-d.wlock
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("write: %v", err)
		}
	}
	if n, _, _ := db.OutboxStats(ctx); n != 3 {
		t.Errorf("rows = %d, want 3: a started write runs to its end and spares its group", n)
	}
}

// TestCheckpointBoundsWAL: a reader that holds the WAL keeps a passive
// checkpoint from rewinding it, so it grows; once the reader is done, the
// next checkpoint over the limit restarts it, the next write starts the log
// again from the top and trims the file back to the limit, and writes go on.
func TestCheckpointBoundsWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := OpenDriver(ctx, path, Options{CheckpointInterval: time.Hour, WALLimit: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES (?)`, strings.Repeat("x", 2000)); err != nil {
				t.Fatal(err)
			}
		}
	}
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	insert(10)
	reader, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	insert(300)
	db.checkpoint() // the reader holds the WAL: it cannot be rewound
	if got := walSize(); got <= 256<<10 {
		t.Fatalf("WAL = %d bytes with a reader holding it; the test writes too little", got)
	}
	if err := reader.Rollback(); err != nil {
		t.Fatal(err)
	}
	db.checkpoint()
	insert(1)
	if got := walSize(); got > 256<<10 {
		t.Fatalf("WAL = %d bytes after a checkpoint with no reader and a write, want at most the limit (%d)", got, 256<<10)
	}
	var busy, logFrames, done int
	if err := db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err != nil || logFrames > 10 {
		t.Fatalf("log = %d frames, %v; want the one write's frames: the log restarted", logFrames, err)
	}
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 311 {
		t.Fatalf("rows = %d, %v; want 311", n, err)
	}
}
