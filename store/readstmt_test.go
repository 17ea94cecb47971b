package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// A read query is prepared once and then reused by later transactions,
// whichever reader connection they get.
func TestReadStatementsAreCached(t *testing.T) {
	db := openTest(t, nil)
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES ('a'), ('b')`); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		t.Helper()
		if err := db.Read(ctx, func(tx *Tx) error {
			return tx.queryRow(ctx, `SELECT count(*) FROM t WHERE v > ?`, "").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		if n := count(); n != 2 {
			t.Fatalf("read %d: count = %d, want 2", i, n)
		}
		if got := db.nrstmts.Load(); got != 1 {
			t.Fatalf("after read %d: %d cached statements, want 1", i, got)
		}
	}
	// The cache sees committed writes: it holds statements, not results.
	if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES ('c')`); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("count after an insert = %d, want 3", n)
	}
}

// Every reader in a read that misses the cache at once: none may wait for
// a connection another holds (the cache is filled after a transaction).
func TestReadStatementCacheNeverWaitsForAReader(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{ReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			errs <- db.Read(ctx, func(tx *Tx) error {
				var n int
				// A query of its own each: every one misses.
				return tx.queryRow(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)).Scan(&n)
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
	if got := db.nrstmts.Load(); got != 32 {
		t.Errorf("cached statements = %d, want 32", got)
	}
}
