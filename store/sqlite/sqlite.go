// Package sqlite is the store's embedded driver: one SQLite file through
// modernc.org/sqlite (pure Go), no server. It owns two handles: a small read
// pool and a single write connection, so writers queue in Go instead of
// failing with SQLITE_BUSY, and readers never wait for writers (WAL).
// Concurrent writes share one commit (group commit), and a checkpointer
// keeps the WAL bounded off the write path.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// Options configure Open. Zero values take the documented defaults.
type Options struct {
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// ReadConns is the read pool's size. Defaults to max(2, min(GOMAXPROCS, 4)).
	ReadConns int
	// schemaUpTo stops migrating at this version (tests of a migration).
	schemaUpTo int
	// BusyTimeout bounds how long a connection waits for a lock held by
	// another process (a CLI command beside the server). Defaults to 10s.
	BusyTimeout time.Duration
	// MmapSize is SQLite's mmap_size in bytes. Defaults to 0 (reads go
	// through SQLite's page cache and the kernel's): pages of a mapped
	// database count in the process's RSS for as long as it runs, so a
	// server that had read its whole database once looked that much
	// bigger, for a read speed-up too small to measure here.
	MmapSize int64
	// ReadCacheKiB bounds SQLite's page cache of each reader (and of the
	// checkpointer). Defaults to 256 KiB; SQLite's own default, 2000 KiB,
	// stays on the writer, whose cache lasts from one commit to the next.
	// A reader's does not: in WAL mode a connection drops its whole cache
	// when another has committed since its last transaction, which under
	// any write load is nearly every read, so a reader's cache serves the
	// one transaction that filled it, and 64 pages cover any query here.
	// What the larger cache did cost was memory: pages come from the
	// SQLite driver's C allocator, which keeps freed regions for reuse, and
	// its footprint rose to five times what SQLite reported in use and kept
	// rising under a 10-minute load (docs/reliability.md).
	ReadCacheKiB int
	// CheckpointInterval is how often a background goroutine copies the WAL
	// into the database file. Commits never checkpoint themselves, so no
	// request pays for it. Defaults to 1 s.
	CheckpointInterval time.Duration
	// WALLimit bounds the WAL file. A passive checkpoint copies frames but
	// cannot rewind the WAL while any reader still uses it, which under a
	// steady read load is always: a 10-minute load run grew it to gigabytes
	// beside a 16 MB database. When the WAL is larger than this after a
	// passive checkpoint, the checkpointer waits briefly for readers and
	// truncates it. Defaults to 64 MiB.
	WALLimit int64
}

// Driver is an open SQLite database: a store.Driver.
//
// Writes run on one dedicated connection (wc) under wlock, with BEGIN
// IMMEDIATE and COMMIT issued by hand, so that prepared statements (those
// two included) can live on that connection for the store's lifetime:
// SQLite's parser is a large share of a small write, and database/sql would
// otherwise re-prepare every statement in every transaction.
type Driver struct {
	w, r   *sql.DB
	wlock  chan struct{} // held for the whole of a write transaction
	closed chan struct{} // closed by Close, which keeps wlock

	closeOnce sync.Once
	closeErr  error
	pmu       sync.Mutex           // guards pending
	pending   []*pendingWrite      // writes waiting for the writer
	wc        *sql.Conn            // the writer; nil until first use or after a failure
	stmts     map[string]*sql.Stmt // prepared on wc; guarded by wlock
	readers   *readers             // over r
	path      string

	ckpt        *sql.DB // runs checkpoints, off the write path
	stopCkpt    chan struct{}
	ckptDone    chan struct{}
	walLimit    int64
	pageSize    int64
	busyTimeout time.Duration
}

var _ store.Driver = (*Driver)(nil)

// checkpointer runs checkpoint every interval; the last Close checkpoints
// whatever is left.
func (db *Driver) checkpointer(interval time.Duration) {
	defer close(db.ckptDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			db.checkpoint()
		}
	}
}

// restartWait is how long a restarting checkpoint waits for readers. It
// holds off writers while it waits, so it gives up soon and tries again at
// the next tick rather than stall requests behind a long reader.
const restartWait = 200 * time.Millisecond

// checkpoint copies committed WAL frames into the database file. PASSIVE
// never blocks the writer or readers, but under a steady stream of writes it
// never catches up with the end of the log, so the log only grows. A log
// past the limit pays for a RESTART: once no reader needs the log, the next
// write starts it again from the top. RESTART and not TRUNCATE: truncating
// the file (and syncing that) held writers off for 60-120 ms at a time under
// a create load, against 10-20 ms for a restart (a p99 of 65-90 ms at 64
// connections, 42 ms after). The file keeps its size for reuse, and
// journal_size_limit on the writer trims it back to the limit when the log
// restarts.
func (db *Driver) checkpoint() {
	var busy, logFrames, done int
	if err := db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err != nil {
		return
	}
	if int64(logFrames)*db.pageSize <= db.walLimit {
		return
	}
	_, _ = db.ckpt.Exec(fmt.Sprintf("PRAGMA busy_timeout(%d)", restartWait.Milliseconds()))
	_, _ = db.ckpt.Exec("PRAGMA wal_checkpoint(RESTART)")
	_, _ = db.ckpt.Exec(fmt.Sprintf("PRAGMA busy_timeout(%d)", db.busyTimeout.Milliseconds()))
}

// Open opens (creating if needed) the database at path, migrates it, and
// returns the store on it.
func Open(ctx context.Context, path string, o Options) (*store.DB, error) {
	d, err := OpenDriver(ctx, path, o)
	if err != nil {
		return nil, err
	}
	return store.OpenDriver(d, store.Options{Now: o.Now}), nil
}

// OpenDriver opens (creating if needed) the database at path and migrates
// it.
func OpenDriver(ctx context.Context, path string, o Options) (*Driver, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReadConns <= 0 {
		o.ReadConns = min(max(runtime.GOMAXPROCS(0), 2), 4)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	o.MmapSize = max(o.MmapSize, 0)
	if o.ReadCacheKiB <= 0 {
		o.ReadCacheKiB = 256
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = time.Second
	}
	if o.WALLimit <= 0 {
		o.WALLimit = 64 << 20
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, xerr.Internalf(err, "store: create folder")
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		// busy_timeout first: the pragmas after it may need a lock.
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(ON)")
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", o.MmapSize))
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	// The writer takes the write lock at BEGIN, so a transaction never has
	// to upgrade from read to write and fail half-way.
	w, err := sql.Open("sqlite", dsn("_txlock", "immediate", "_pragma", "wal_autocheckpoint(0)",
		"_pragma", fmt.Sprintf("journal_size_limit(%d)", o.WALLimit)))
	if err != nil {
		return nil, xerr.Internalf(err, "store: open writer")
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &Driver{w: w, path: path, wlock: make(chan struct{}, 1), closed: make(chan struct{})}
	// Migrate on the writer before readers open, so readers see the schema.
	if err := db.migrate(ctx, o.schemaUpTo, o.Now); err != nil {
		w.Close()
		return nil, err
	}
	if db.pageSize, err = db.pragmaInt(ctx, "page_size"); err != nil {
		db.Close()
		return nil, err
	}
	readCache := fmt.Sprintf("cache_size(%d)", -o.ReadCacheKiB)
	r, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)", "_pragma", readCache))
	if err != nil {
		w.Close()
		return nil, xerr.Internalf(err, "store: open readers")
	}
	r.SetMaxOpenConns(o.ReadConns)
	r.SetMaxIdleConns(o.ReadConns)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	db.r, db.readers = r, newReaders(r, o.ReadConns)
	if err := r.PingContext(ctx); err != nil {
		db.Close()
		return nil, mapErr(err)
	}
	if db.ckpt, err = sql.Open("sqlite", dsn("_pragma", readCache)); err != nil {
		db.Close()
		return nil, xerr.Internalf(err, "store: open checkpointer")
	}
	// One connection, kept: checkpoint changes its busy timeout in place.
	db.ckpt.SetMaxOpenConns(1)
	db.ckpt.SetMaxIdleConns(1)
	db.ckpt.SetConnMaxIdleTime(0)
	db.ckpt.SetConnMaxLifetime(0)
	db.walLimit, db.busyTimeout = o.WALLimit, o.BusyTimeout
	db.stopCkpt, db.ckptDone = make(chan struct{}), make(chan struct{})
	go db.checkpointer(o.CheckpointInterval)
	return db, nil
}

// pragmaInt reads an integer pragma on the writer.
func (db *Driver) pragmaInt(ctx context.Context, name string) (int64, error) {
	if err := db.lockWriter(); err != nil {
		return 0, err
	}
	defer func() { <-db.wlock }()
	var v int64
	err := db.connect(ctx)
	if err == nil {
		err = db.wc.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	}
	return v, mapErr(err)
}

// Path is the database file.
func (db *Driver) Path() string { return db.path }

// Close closes both handles; the WAL is checkpointed by SQLite on the last close.
func (db *Driver) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *Driver) close() error {
	if db.stopCkpt != nil {
		close(db.stopCkpt)
		<-db.ckptDone
		db.ckpt.Close()
	}
	db.wlock <- struct{}{}
	close(db.closed)
	db.dropWriter()
	var err error
	if db.readers != nil {
		db.readers.closeAll()
	}
	if db.r != nil {
		err = db.r.Close()
	}
	if e := db.w.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// Write runs fn in a write transaction and commits it if fn returns nil.
// fn runs once.
//
// Writes that arrive while another commits are grouped: the next caller to
// get the writer runs every waiting fn in one transaction, each inside its
// own SAVEPOINT (a failing fn is rolled back alone), and commits once. One
// commit is most of a small write's cost, so concurrent writers share it.
// Each fn still sees its own ctx: a cancelled one is skipped, not run late.
func (db *Driver) Write(ctx context.Context, fn func(store.Conn) error) error {
	w := &pendingWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	db.pmu.Lock()
	db.pending = append(db.pending, w)
	db.pmu.Unlock()
	for {
		select {
		case <-w.done:
			return w.result()
		case db.wlock <- struct{}{}:
			db.runPending()
			<-db.wlock
		case <-db.closed:
			// A group that ran w marked it done before Close could take
			// the writer; otherwise nothing ever will.
			select {
			case <-w.done:
				return w.result()
			default:
				return errClosed
			}
		}
	}
}

// lockWriter takes the writer for a statement of its own, or fails once
// the driver is closed (Close keeps the writer).
func (db *Driver) lockWriter() error {
	select {
	case db.wlock <- struct{}{}:
		return nil
	case <-db.closed:
		return errClosed
	}
}

// errClosed is a write that arrived after Close: the request outlived the
// store (a server stopping under it).
var errClosed = xerr.New(xerr.Unavailable, "the store is closed")

// pendingWrite is one Write waiting for a leader to run it.
type pendingWrite struct {
	ctx   context.Context
	fn    func(store.Conn) error
	err   error
	panic any // fn's panic, raised again in its caller's goroutine
	done  chan struct{}
}

// run runs w's fn. A panic is w's failure, not the group's: it is kept
// for Write to raise in w's own goroutine (the leader may be another
// request's), and the group goes on without w's writes.
func (w *pendingWrite) run(c store.Conn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.panic = p
			err = errPanicked
		}
	}()
	return w.fn(c)
}

var errPanicked = errors.New("store: the write panicked")

// result is w's outcome, once done, in the caller's goroutine.
func (w *pendingWrite) result() error {
	if w.panic != nil {
		panic(w.panic)
	}
	return w.err
}

// maxGroup bounds how many writes share one commit, which bounds latency.
const maxGroup = 128

// runPending runs waiting writes as one transaction. Called with wlock held.
func (db *Driver) runPending() {
	db.pmu.Lock()
	n := min(len(db.pending), maxGroup)
	group := db.pending[:n:n]
	db.pending = append([]*pendingWrite(nil), db.pending[n:]...)
	db.pmu.Unlock()
	if n == 0 {
		return
	}
	defer func() {
		for _, w := range group {
			close(w.done)
		}
	}()
	if err := db.begin(context.Background()); err != nil {
		for _, w := range group {
			w.err = mapErr(err)
		}
		return
	}
	ran := 0
	for _, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.err = mapErr(err)
			continue
		}
		if n > 1 {
			if err := db.control(context.Background(), "SAVEPOINT w"); err != nil {
				w.err = mapErr(err)
				continue
			}
		}
		if err := w.run(writer{db}); err != nil {
			w.err = mapErr(err)
			if n == 1 {
				db.rollback()
				return
			}
			if err := db.control(context.Background(), "ROLLBACK TO w"); err != nil {
				db.rollback()
				db.failAll(group, err)
				return
			}
		} else {
			ran++
		}
		if n > 1 {
			if err := db.control(context.Background(), "RELEASE w"); err != nil {
				db.rollback()
				db.failAll(group, err)
				return
			}
		}
	}
	if ran == 0 {
		db.rollback()
		return
	}
	if err := db.control(context.Background(), "COMMIT"); err != nil {
		db.rollback()
		db.failAll(group, err)
	}
}

// failAll reports a failure of the shared transaction to every write in
// the group that had succeeded on its own.
func (db *Driver) failAll(group []*pendingWrite, err error) {
	for _, w := range group {
		if w.err == nil {
			w.err = mapErr(err)
		}
	}
}

// begin starts a write transaction on the writer, (re)connecting it if
// needed. Called with wlock held.
func (db *Driver) begin(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		if err := db.connect(ctx); err != nil {
			return err
		}
		err := db.control(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			return nil
		}
		if attempt > 0 || ctx.Err() != nil || !(errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn)) {
			return err
		}
		db.dropWriter()
	}
}

// connect takes the writer connection if it is not held. Called with wlock held.
func (db *Driver) connect(ctx context.Context) error {
	if db.wc != nil {
		return nil
	}
	wc, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	db.wc, db.stmts = wc, map[string]*sql.Stmt{}
	return nil
}

// rollback ends a failed transaction; if even that fails the connection is
// dropped, which makes SQLite roll back, and the next write reconnects.
func (db *Driver) rollback() {
	if _, err := db.wc.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		db.dropWriter()
	}
}

func (db *Driver) dropWriter() {
	for _, st := range db.stmts {
		st.Close()
	}
	if db.wc != nil {
		db.wc.Close()
	}
	db.wc, db.stmts = nil, nil
}

// control runs a transaction-control statement on the writer, prepared
// once: each commit runs two or more, and parsing them anew every time cost
// more than the statement itself. Called with wlock held.
func (db *Driver) control(ctx context.Context, q string) error {
	st, err := db.stmt(ctx, q)
	if err == nil {
		_, err = st.ExecContext(ctx)
	}
	return err
}

// stmt returns q prepared on the writer. Called with wlock held.
func (db *Driver) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := db.stmts[q]; ok {
		return st, nil
	}
	st, err := db.wc.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	db.stmts[q] = st
	return st, nil
}

// uninterruptible detaches a statement on the writer from its caller's
// cancellation. The driver interrupts a statement whose context ends, and
// SQLite answers an interrupted INSERT, UPDATE or DELETE by rolling back the
// whole transaction: in a group commit that undid the writes of every other
// caller sharing it (they got 500s when one client hung up). A write that
// has started is short, so it runs to the end; a cancelled caller's write
// that has not started is still skipped (runPending checks first).
func uninterruptible(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// writer is the write transaction's connection, as a store.Conn.
type writer struct{ db *Driver }

// stmt returns q prepared on the writer, or nil when preparing failed (the
// connection's own call then reports why). A statement on the writer runs
// to its end: uninterruptible.
func (w writer) stmt(ctx context.Context, q string) *sql.Stmt {
	st, err := w.db.stmt(ctx, q)
	if err != nil {
		return nil
	}
	return st
}

func (w writer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	ctx = uninterruptible(ctx)
	var res sql.Result
	var err error
	if st := w.stmt(ctx, q); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = w.db.wc.ExecContext(ctx, q, args...)
	}
	return affectedRows(res, err)
}

func (w writer) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	ctx = uninterruptible(ctx)
	if st := w.stmt(ctx, q); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return row{w.db.wc.QueryRowContext(ctx, q, args...)}
}

func (w writer) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	ctx = uninterruptible(ctx)
	if st := w.stmt(ctx, q); st != nil {
		return wrapRows(st.QueryContext(ctx, args...))
	}
	return wrapRows(w.db.wc.QueryContext(ctx, q, args...))
}

func affectedRows(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

// row and rows give SQLite's errors their kinds; a Row that found nothing
// still reports sql.ErrNoRows itself.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return mapErr(err)
}

type rows struct{ *sql.Rows }

func wrapRows(r *sql.Rows, err error) (store.Rows, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	return rows{r}, nil
}

func (r rows) Scan(dest ...any) error { return mapErr(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return mapErr(r.Rows.Err()) }

// Dialect is SQLite's.
func (db *Driver) Dialect() store.Dialect { return store.SQLite }

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (db *Driver) IntegrityCheck(ctx context.Context) (string, error) {
	var s string
	err := db.Read(ctx, func(c store.Conn) error { return c.QueryRow(ctx, "PRAGMA integrity_check").Scan(&s) })
	return s, mapErr(err)
}

// ExecRaw runs one autocommitted statement on the writer, prepared once:
// the baseline "raw single-row write" that benchmarks compare against.
func (db *Driver) ExecRaw(ctx context.Context, q string, args ...any) error {
	if err := db.lockWriter(); err != nil {
		return err
	}
	defer func() { <-db.wlock }()
	if err := db.connect(ctx); err != nil {
		return mapErr(err)
	}
	st, err := db.stmt(ctx, q)
	if err != nil {
		return mapErr(err)
	}
	_, err = st.ExecContext(ctx, args...)
	return mapErr(err)
}
