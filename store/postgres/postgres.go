// Package postgres runs Xentree's store on PostgreSQL (15 or newer) through
// pgx v5 and its pool: the store.Driver of a deployment with several nodes.
//
// The store's domain SQL is shared with SQLite; this package supplies what
// differs: the connection pool, transactions that behave like SQLite's
// single writer (SERIALIZABLE, retried when the server could not serialize
// them), `?` placeholders rewritten to `$n`, errors mapped to kinds, and the
// schema, migrated under an advisory lock so that nodes starting together
// migrate once.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// Options configure Open. Zero values take the documented defaults.
type Options struct {
	// MaxConns bounds the pool. Defaults to the URL's pool_max_conns, or
	// pgxpool's default (4 or the number of CPUs, whichever is larger).
	MaxConns int32
	// ConnectTimeout bounds the first connection at Open. Defaults to 10 s.
	ConnectTimeout time.Duration
	// Now is the clock of migration records. Defaults to time.Now.
	Now func() time.Time
}

// Driver is an open PostgreSQL store.
type Driver struct {
	pool *pgxpool.Pool
	sqls sync.Map // the store's SQL → the same with $n placeholders
}

var _ store.Driver = (*Driver)(nil)

// Open connects to the database at url (postgres://user:pass@host:port/db?...)
// and migrates its schema. Errors say which of the URL, the login or the
// server is at fault, never with the password.
func Open(ctx context.Context, url string, o Options) (*Driver, error) {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, xerr.Newf(xerr.Invalid, "database URL: %v", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	// The indexer holds a connection for its lock while it drains with
	// another (Exclusive).
	cfg.MaxConns = max(cfg.MaxConns, 2)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, xerr.Newf(xerr.Invalid, "database URL: %v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, connectError(cfg.ConnConfig, err)
	}
	d := &Driver{pool: pool}
	if err := d.migrate(ctx, o.Now); err != nil {
		pool.Close()
		return nil, err
	}
	return d, nil
}

// connectError says why the first connection failed.
func connectError(cc *pgx.ConnConfig, err error) error {
	where := cc.Host + ":" + strconv.Itoa(int(cc.Port)) + "/" + cc.Database
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return xerr.Newf(xerr.Unauthenticated, "database %s refused user %q: %s", where, cc.User, pe.Message)
		case "3D000":
			return xerr.Newf(xerr.NotFound, "database %s does not exist: %s", where, pe.Message)
		}
		return xerr.Newf(xerr.Unavailable, "database %s: %s (%s)", where, pe.Message, pe.Code)
	}
	return xerr.Newf(xerr.Unavailable, "database %s cannot be reached: %v", where, err)
}

// Pool is the connection pool, for its statistics.
func (d *Driver) Pool() *pgxpool.Pool { return d.pool }

// Dialect is PostgreSQL's.
func (d *Driver) Dialect() store.Dialect { return store.Postgres }

// Close closes every connection.
func (d *Driver) Close() error {
	d.pool.Close()
	return nil
}

// retryFor bounds how long a transaction is run again after serialization
// failures or a connection lost before anything was sent: under contention
// on one row (eight writers of one counter) a transaction may lose several
// times in a row, and as on SQLite, where writers queue, the caller should
// not see it. The caller's context bounds it too.
const retryFor = 10 * time.Second

// The statements that begin a transaction. Each goes to the server with the
// transaction's first statement, in one round trip (a pipeline), rather than
// alone before it: a request's read is then two round trips, not three.
const (
	beginWrite = "BEGIN ISOLATION LEVEL SERIALIZABLE"
	beginRead  = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

// Write runs fn in a SERIALIZABLE transaction: the store's domain code was
// written for SQLite, where a write transaction runs alone, and
// serializable isolation keeps that promise (read-check-write sequences
// stay correct) at the price of occasional retries, which run fn again.
func (d *Driver) Write(ctx context.Context, fn func(store.Conn) error) error {
	_, err := d.run(ctx, beginWrite, false, fn)
	return err
}

// Read runs fn in a read-only transaction on one snapshot.
func (d *Driver) Read(ctx context.Context, fn func(store.Conn) error) error {
	_, err := d.run(ctx, beginRead, false, fn)
	return err
}

// ReadCounted is Read, and reports how many statements fn ran. With
// single, fn's first statement runs on its own, outside a transaction
// (one statement is one snapshot: a transaction around it only adds a
// round trip, and the server's work for BEGIN and COMMIT), and a second
// statement, if fn runs one, begins the transaction: from there on fn's
// statements share a snapshot, the first's is a moment older. The store
// passes single only for functions it has seen run one statement.
func (d *Driver) ReadCounted(ctx context.Context, fn func(store.Conn) error, single bool) (int, error) {
	return d.run(ctx, beginRead, single, fn)
}

func (d *Driver) run(ctx context.Context, begin string, single bool, fn func(store.Conn) error) (int, error) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		committing, n, err := d.once(ctx, begin, single, fn)
		// A connection lost before COMMIT was sent committed nothing (the
		// server rolls back): a pooled connection found dead is replaced
		// by the next attempt. Twice at most: a database that is down
		// answers 503 at once, not in 10 s.
		deadConn := !committing && isConnErr(err) && attempt <= 2
		if err == nil || time.Since(start) > retryFor || !(retryable(err) || deadConn) {
			return n, err
		}
		// Full jitter: transactions that collided should not collide again.
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, err
		case <-t.C:
		}
	}
}

// once runs fn in one transaction (or, with single, its first statement
// outside one); committing reports whether COMMIT was sent, after which a
// lost connection leaves the outcome unknown; n is how many statements fn
// ran.
func (d *Driver) once(ctx context.Context, begin string, single bool, fn func(store.Conn) error) (committing bool, n int, err error) {
	pc, err := d.pool.Acquire(ctx)
	if err != nil {
		return false, 0, mapErr(err)
	}
	c := &conn{d: d, c: pc, begin: begin, single: single}
	// A connection that failed, or is still inside a transaction, is
	// closed by Release rather than returned to the pool.
	defer pc.Release()
	if err := fn(c); err != nil {
		c.done()
		if c.tx && !pc.Conn().IsClosed() {
			if _, rerr := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				_ = pc.Conn().Close(context.WithoutCancel(ctx))
			}
		}
		return false, c.n, err
	}
	c.done()
	if !c.tx {
		return false, c.n, nil // no transaction began: no statement, or one on its own
	}
	// A COMMIT, once sent, runs to its end: a caller that hangs up must
	// not leave its outcome unknown.
	tag, err := pc.Exec(context.WithoutCancel(ctx), "COMMIT")
	if err == nil && tag.String() == "ROLLBACK" {
		// A statement failed and fn went on: PostgreSQL ended the
		// transaction, and nothing of it was written.
		err = pgx.ErrTxCommitRollback
	}
	return true, c.n, mapErr(err)
}

// retryable: the server could not serialize the transaction (nothing of it
// took effect), or the connection failed before anything was sent.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return pgconn.SafeToRetry(err)
}

// conn is one transaction's statements, on one pooled connection. The
// transaction's BEGIN is sent with its first statement (with its second,
// when the first runs on its own: single).
type conn struct {
	d      *Driver
	c      *pgxpool.Conn
	begin  string           // the BEGIN still to send; "" once sent
	tx     bool             // BEGIN ran: a transaction is open
	single bool             // the first statement runs outside a transaction
	n      int              // statements run
	rows   pgx.BatchResults // the first statement's pipeline, while its rows are read
}

// next counts a statement and reports whether it must be sent with BEGIN.
func (c *conn) next() bool {
	c.done()
	c.n++
	if c.single && c.n == 1 {
		return false // on its own
	}
	return c.begin != ""
}

// first sends BEGIN and q together and returns their results, with
// BEGIN's already read.
func (c *conn) first(ctx context.Context, q string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(c.begin)
	b.Queue(q, args...)
	br := c.c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, mapErr(err) // no transaction began: the next statement sends BEGIN again
	}
	c.begin, c.tx = "", true
	return br, nil
}

// done closes a pipeline left open by the previous statement: the
// connection serves one statement at a time.
func (c *conn) done() {
	if c.rows != nil {
		c.rows.Close()
		c.rows = nil
	}
}

func (c *conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	withBegin := c.next()
	q, args = c.d.sql(q), convert(args)
	if withBegin {
		br, err := c.first(ctx, q, args)
		if err != nil {
			return 0, err
		}
		tag, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return tag.RowsAffected(), mapErr(err)
	}
	tag, err := c.c.Exec(ctx, q, args...)
	return tag.RowsAffected(), mapErr(err)
}

func (c *conn) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	withBegin := c.next()
	q, args = c.d.sql(q), convert(args)
	if withBegin {
		br, err := c.first(ctx, q, args)
		if err != nil {
			return errRow{err}
		}
		c.rows = br
		return row{br.QueryRow()}
	}
	return row{c.c.QueryRow(ctx, q, args...)}
}

func (c *conn) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	withBegin := c.next()
	q, args = c.d.sql(q), convert(args)
	if withBegin {
		br, err := c.first(ctx, q, args)
		if err != nil {
			return nil, err
		}
		c.rows = br
		r, err := br.Query()
		if err != nil {
			return nil, mapErr(err)
		}
		return rows{r}, nil
	}
	r, err := c.c.Query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return rows{r}, nil
}

// errRow is a row whose statement failed before it ran.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.r.Scan(bools(dest)...)) }

type rows struct{ r pgx.Rows }

func (r rows) Next() bool             { return r.r.Next() }
func (r rows) Scan(dest ...any) error { return mapErr(r.r.Scan(bools(dest)...)) }
func (r rows) Err() error             { return mapErr(r.r.Err()) }
func (r rows) Close() error           { r.r.Close(); return nil }
func (r rows) Columns() ([]string, error) {
	fs := r.r.FieldDescriptions()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return names, nil
}

// convert passes Go booleans as the integers the shared schema stores them
// as (SQLite has no boolean type; the two schemas agree on BIGINT).
func convert(args []any) []any {
	copied := false
	for i, a := range args {
		b, ok := a.(bool)
		if !ok {
			continue
		}
		if !copied { // never change the caller's slice
			args, copied = append([]any(nil), args...), true
		}
		args[i] = int64(0)
		if b {
			args[i] = int64(1)
		}
	}
	return args
}

// bools lets a *bool destination take the integer the schema stores (see
// convert); pgx scans an int8 only into integers.
func bools(dest []any) []any {
	copied := false
	for i, d := range dest {
		p, ok := d.(*bool)
		if !ok {
			continue
		}
		if !copied {
			dest, copied = append([]any(nil), dest...), true
		}
		dest[i] = intBool{p}
	}
	return dest
}

type intBool struct{ p *bool }

func (b intBool) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*b.p = v != 0
	case bool:
		*b.p = v
	default:
		return fmt.Errorf("postgres: cannot scan %T into a bool", src)
	}
	return nil
}

// sql returns q with its `?` placeholders numbered, once per statement text.
func (d *Driver) sql(q string) string {
	if s, ok := d.sqls.Load(q); ok {
		return s.(string)
	}
	s := numberPlaceholders(q)
	d.sqls.Store(q, s)
	return s
}

// numberPlaceholders rewrites each `?` outside string literals, quoted
// identifiers and comments as $1, $2, ..., and a numbered `?NNN` as $NNN.
// The store's SQL never mixes the two forms in one statement.
func numberPlaceholders(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			// A doubled quote inside a literal ends this run and starts the
			// next at once, so the literal is copied whole either way.
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 { // SQLite's numbered ?NNN is PostgreSQL's $NNN
				b.WriteString(q[i+1 : j])
				i = j - 1
				break
			}
			n++
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mapErr turns pgx's errors into what the store expects: sql.ErrNoRows for
// an empty row, kinds for constraint violations and lost connections. A
// serialization failure keeps its *pgconn.PgError (wrapped) so that run can
// retry it.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return xerr.Wrap(xerr.Conflict, err, "already exists")
		case pe.Code == "23503":
			return xerr.Wrap(xerr.NotFound, err, "a referenced resource does not exist")
		case pe.Code == "22021" || pe.Code == "22P05":
			// Text PostgreSQL cannot hold (a NUL, invalid UTF-8) that got
			// past the domain's checks is still the client's input.
			return xerr.Wrap(xerr.Invalid, err, "text must be valid UTF-8 without NUL characters")
		case pe.Code == "40001" || pe.Code == "40P01":
			return xerr.Wrap(xerr.Unavailable, err, "the database is busy; try again")
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "57P"):
			return xerr.Wrap(xerr.Unavailable, err, "the database is unavailable")
		}
		return err
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isConnErr(err) {
		return xerr.Wrap(xerr.Unavailable, err, "the database is unavailable")
	}
	return err
}

// isConnErr reports a failure of the connection itself: the server went
// away mid-statement or could not be reached.
func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed)
}
