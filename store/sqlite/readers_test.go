package sqlite

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xentree/xentree/store"
)

// idleReaders takes every idle reader out of the pool and returns them with
// a function that puts them back.
func idleReaders(db *Driver) ([]*reader, func()) {
	var rds []*reader
	for {
		select {
		case rd := <-db.readers.idle:
			rds = append(rds, rd)
		default:
			return rds, func() {
				for _, rd := range rds {
					db.readers.put(rd, false)
				}
			}
		}
	}
}

// A read query is prepared once on its connection and reused by later
// transactions, which see committed writes: statements are cached, not
// results.
func TestReadStatementsArePreparedOnce(t *testing.T) {
	db, d := openDriverTest(t, nil)
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES ('a'), ('b')`); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT count(*) FROM t WHERE v > ?`
	count := func() (n int) {
		t.Helper()
		if err := db.Read(ctx, func(tx *Tx) error { return tx.QueryRowRaw(ctx, q, "").Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var first any
	for i := range 3 {
		if n := count(); n != 2 {
			t.Fatalf("read %d: count = %d, want 2", i, n)
		}
		rds, putBack := idleReaders(d)
		if len(rds) != 1 || len(rds[0].stmts) != 3 {
			t.Fatalf("after read %d: %d readers, want one with BEGIN, ROLLBACK and the query prepared", i, len(rds))
		}
		if first == nil {
			first = rds[0].stmts[q]
		} else if rds[0].stmts[q] != first {
			t.Fatalf("read %d prepared the query again", i)
		}
		putBack()
	}
	if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES ('c')`); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("count after an insert = %d, want 3", n)
	}
}

// More concurrent reads than readers: they wait for one another, never
// open more connections than allowed, and a failed query or a panicking
// function gives its reader back.
func TestReadersAreBoundedAndReturned(t *testing.T) {
	d, err := OpenDriver(ctx, filepath.Join(t.TempDir(), "x.db"), Options{ReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	db := store.OpenDriver(d, store.Options{})
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			errs <- db.Read(ctx, func(tx *Tx) error {
				var n int
				return tx.QueryRowRaw(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)).Scan(&n)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := d.readers.open.Load(); n < 1 || n > 2 {
		t.Errorf("open readers = %d, want 1 or 2", n)
	}
	if err := db.Read(ctx, func(tx *Tx) error {
		var n int
		return tx.QueryRowRaw(ctx, `SELECT nope FROM t`).Scan(&n)
	}); err == nil {
		t.Error("a query of a missing column succeeded")
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.Read(ctx, func(*Tx) error { panic("boom") })
	}()
	rds, putBack := idleReaders(d)
	defer putBack()
	if int32(len(rds)) != d.readers.open.Load() {
		t.Errorf("idle readers = %d of %d open: a failed or panicking read kept one", len(rds), d.readers.open.Load())
	}
}
