package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestMemoryCountsEveryConnection(t *testing.T) {
	db := openTest(t, nil)
	if err := db.ExecRaw(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if err := db.ExecRaw(ctx, `INSERT INTO t (v) VALUES (?)`, strings.Repeat("x", 2000)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() {
		if err := db.Read(ctx, func(tx *Tx) error {
			var n int
			return tx.QueryRowRaw(ctx, `SELECT count(*) FROM t WHERE v LIKE 'x%'`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
	}
	read()
	before, err := db.Memory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The writer and the one reader opened so far; a page cache that has
	// read 200 rows of 2 KB holds more than the first page.
	if before.Conns != 2 || before.Cache < 100<<10 || before.Schema == 0 || before.Statements == 0 {
		t.Fatalf("Memory = %+v; want 2 connections with a filled cache, a schema and statements", before)
	}
	// A second reader opened by two overlapping reads is counted too.
	err = db.Read(ctx, func(*Tx) error { read(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	after, err := db.Memory(ctx)
	if err != nil || after.Conns != 3 || after.Cache <= before.Cache {
		t.Fatalf("Memory = %+v, %v; want 3 connections and more cache than %d", after, err, before.Cache)
	}
}

func TestMemoryWaitsForTheWriterWithinItsContext(t *testing.T) {
	db := openTest(t, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_ = db.Write(ctx, func(*Tx) error { close(started); <-release; return nil })
	}()
	<-started
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := db.Memory(cctx)
	close(release)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Memory during a write with a cancelled context = %v; want the cancellation", err)
	}
	if _, err := db.Memory(ctx); err != nil {
		t.Fatalf("Memory after the write: %v", err)
	}
}

func TestReadersCacheLessThanTheWriter(t *testing.T) {
	db := openTest(t, nil)
	cacheSize := func(read func(func(*Tx) error) error) int {
		var n int
		if err := read(func(tx *Tx) error { return tx.QueryRowRaw(ctx, `PRAGMA cache_size`).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := cacheSize(func(fn func(*Tx) error) error { return db.Read(ctx, fn) }); got != -256 {
		t.Errorf("reader cache_size = %d; want -256 (KiB)", got)
	}
	if got := cacheSize(func(fn func(*Tx) error) error { return db.Write(ctx, fn) }); got != -2000 {
		t.Errorf("writer cache_size = %d; want SQLite's default -2000 (KiB)", got)
	}
}
