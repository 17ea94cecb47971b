package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	"github.com/xentree/xentree/store"
)

// readers is the read pool. database/sql's own pool would do, but a
// transaction begun through it has its BEGIN and ROLLBACK parsed anew by
// the driver every time, and a query run in it is parsed every time too:
// on a point read that was a quarter of the request's CPU. Each reader here
// keeps one connection with every statement it ran prepared, BEGIN and
// ROLLBACK included.
type readers struct {
	pool  *sql.DB
	idle  chan *reader  // open readers nobody uses
	slots chan struct{} // one per reader that may be open
	open  atomic.Int32
}

// reader is one read connection and the statements prepared on it. Only
// the goroutine that got it from the pool uses it.
type reader struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// maxReadStmts bounds each reader's statements. Queries are constant strings
// but for the few that list a variable number of placeholders, so this is
// far above what the code has and only guards against a future query built
// from input; past it, a query runs unprepared.
const maxReadStmts = 512

func newReaders(pool *sql.DB, n int) *readers {
	return &readers{pool: pool, idle: make(chan *reader, n), slots: make(chan struct{}, n)}
}

// get returns an idle reader, opens one if fewer than the limit are open,
// or waits for one to be put back.
func (p *readers) get(ctx context.Context) (*reader, error) {
	select {
	case rd := <-p.idle:
		return rd, nil
	default:
	}
	select {
	case rd := <-p.idle:
		return rd, nil
	case p.slots <- struct{}{}:
		c, err := p.pool.Conn(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		p.open.Add(1)
		return &reader{conn: c, stmts: map[string]*sql.Stmt{}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put gives rd back; a broken one is closed, freeing its slot.
func (p *readers) put(rd *reader, broken bool) {
	if !broken {
		p.idle <- rd // never blocks: there are no more readers than slots
		return
	}
	rd.close()
	p.open.Add(-1)
	<-p.slots
}

// closeAll closes the idle readers; the pool is closed after, by its owner.
func (p *readers) closeAll() {
	for {
		select {
		case rd := <-p.idle:
			rd.close()
			p.open.Add(-1)
			<-p.slots
		default:
			return
		}
	}
}

func (rd *reader) close() {
	for _, st := range rd.stmts {
		st.Close()
	}
	rd.conn.Close()
}

// stmt returns q prepared on rd's connection, or nil past maxReadStmts.
func (rd *reader) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := rd.stmts[q]; ok {
		return st, nil
	}
	if len(rd.stmts) >= maxReadStmts {
		return nil, nil
	}
	st, err := rd.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	rd.stmts[q] = st
	return st, nil
}

// control runs BEGIN or ROLLBACK.
func (rd *reader) control(ctx context.Context, q string) error {
	st, err := rd.stmt(ctx, q)
	if err == nil {
		_, err = st.ExecContext(ctx)
	}
	return err
}

// brokenConn reports whether err means the connection is unusable.
func brokenConn(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// Read runs fn in a read-only transaction (a consistent snapshot).
func (db *Driver) Read(ctx context.Context, fn func(store.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return mapErr(err) // a caller already gone reads nothing (BEGIN below would not notice)
	}
	rd, err := db.readers.get(ctx)
	if err != nil {
		return mapErr(err)
	}
	// BEGIN runs detached from ctx: the SQLite driver reports a context
	// that ended while a statement ran as the statement's error even when
	// the statement completed, and a reader put back after a BEGIN that did
	// begin was inside a transaction for the next read ("cannot start a
	// transaction within a transaction": the indexer's stop at Close). A
	// BEGIN takes no lock and is instant; fn's first statement sees ctx.
	if err := rd.control(context.WithoutCancel(ctx), "BEGIN"); err != nil {
		db.readers.put(rd, brokenConn(err))
		return mapErr(err)
	}
	// Deferred so that a panicking fn still ends its snapshot: a reader
	// left inside a transaction would pin the WAL. If ROLLBACK fails the
	// connection is dropped, which ends the transaction too.
	defer func() {
		err := rd.control(context.Background(), "ROLLBACK")
		db.readers.put(rd, err != nil)
	}()
	return mapErr(fn(rd))
}

// prepared returns q prepared on rd's connection, or nil past
// maxReadStmts or when preparing failed; the connection's own call then
// runs it, or reports why.
func (rd *reader) prepared(ctx context.Context, q string) *sql.Stmt {
	st, err := rd.stmt(ctx, q)
	if err != nil {
		return nil
	}
	return st
}

func (rd *reader) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if st := rd.prepared(ctx, q); st != nil {
		return affectedRows(st.ExecContext(ctx, args...))
	}
	return affectedRows(rd.conn.ExecContext(ctx, q, args...))
}

func (rd *reader) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	if st := rd.prepared(ctx, q); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return row{rd.conn.QueryRowContext(ctx, q, args...)}
}

func (rd *reader) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	if st := rd.prepared(ctx, q); st != nil {
		return wrapRows(st.QueryContext(ctx, args...))
	}
	return wrapRows(rd.conn.QueryContext(ctx, q, args...))
}
