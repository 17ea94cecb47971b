package postgres

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/sqlite"
)

func TestNumberPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' || ? FROM t", "SELECT '?' || $1 FROM t"},
		{`SELECT "a?b" FROM t WHERE c = ?`, `SELECT "a?b" FROM t WHERE c = $1`},
		{"SELECT 'it''s ?', ? -- why?\nFROM t WHERE x = ?", "SELECT 'it''s ?', $1 -- why?\nFROM t WHERE x = $2"},
		{"SELECT id FROM a WHERE u = ?1 UNION SELECT id FROM b WHERE u = ?1", "SELECT id FROM a WHERE u = $1 UNION SELECT id FROM b WHERE u = $1"},
		{"INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
		{"SELECT ? -- trailing comment ?", "SELECT $1 -- trailing comment ?"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
	} {
		if got := numberPlaceholders(c.in); got != c.want {
			t.Errorf("numberPlaceholders(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestConvertLeavesTheCallersArgs(t *testing.T) {
	in := []any{"a", true, false, 3}
	out := convert(in)
	if in[1] != true || out[1] != int64(1) || out[2] != int64(0) || out[3] != 3 {
		t.Errorf("convert(%v) = %v", in, out)
	}
}

// openTest opens a driver on a schema of its own.
func openTest(t *testing.T) (*Driver, string) {
	t.Helper()
	pgtest.Require(t)
	u := pgtest.Schema(t)
	d, err := Open(context.Background(), u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, u
}

func TestOpenSaysWhatIsWrong(t *testing.T) {
	_, good := openTest(t)
	ctx := context.Background()
	u, _ := url.Parse(good)
	wrongPass := *u
	wrongPass.User = url.UserPassword(u.User.Username(), "not-the-password")
	noDB := *u
	noDB.Path = "/no_such_database_xentree"
	unreachable := *u
	unreachable.Host = "127.0.0.1:1"
	for _, c := range []struct {
		name, url string
		kind      xerr.Kind
	}{
		{"not a URL", "postgres://%zz", xerr.Invalid},
		{"wrong password", wrongPass.String(), xerr.Unauthenticated},
		{"no such database", noDB.String(), xerr.NotFound},
		{"unreachable", unreachable.String(), xerr.Unavailable},
	} {
		_, err := Open(ctx, c.url, Options{})
		if xerr.KindOf(err) != c.kind {
			t.Errorf("%s: %v (kind %v), want kind %v", c.name, err, xerr.KindOf(err), c.kind)
		}
		if err != nil && c.name == "wrong password" && strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("%s: the error shows the password: %v", c.name, err)
		}
	}
}

// Nodes that start together migrate once: the advisory lock makes the
// others wait and then find the schema current.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	openTest(t) // skips without a server
	fresh := pgtest.Schema(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			d, err := Open(ctx, fresh, Options{})
			if err == nil {
				d.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	d, err := Open(ctx, fresh, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n, v int
	err = store.OpenDriver(d, store.Options{}).Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowRaw(ctx, "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &v)
	})
	ms, _ := Migrations()
	if err != nil || n != len(ms) || v != sqlite.LatestSchema() {
		t.Errorf("schema_migrations: %d rows, version %d, %v; want one a step (%d) up to %d", n, v, err, len(ms), sqlite.LatestSchema())
	}
}

// One version names one schema on both stores: a new SQLite migration needs
// its PostgreSQL twin.
func TestSchemaVersionsMatchSQLite(t *testing.T) {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	if got, want := ms[len(ms)-1].Version, sqlite.LatestSchema(); got != want {
		t.Errorf("PostgreSQL schema version %d, SQLite %d: add store/postgres/migrations/%04d_*.sql", got, want, want)
	}
}

// TestExclusiveLocks: Exclusive waits for a lock another node holds;
// TryExclusive does not, and runs nothing, until the holder lets go. A lock
// is per schema, so two deployments on one server never share one.
func TestExclusiveLocks(t *testing.T) {
	ctx := context.Background()
	a, u := openTest(t)
	b, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	other, _ := openTest(t) // another schema
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- a.Exclusive(ctx, "indexer", func() error { close(held); <-release; return nil })
	}()
	<-held
	ran := false
	if ok, err := b.TryExclusive(ctx, "indexer", func() error { ran = true; return nil }); ok || ran || err != nil {
		t.Fatalf("TryExclusive while another holds the lock: taken %v, ran %v, %v", ok, ran, err)
	}
	if ok, err := other.TryExclusive(ctx, "indexer", func() error { return nil }); !ok || err != nil {
		t.Fatalf("TryExclusive in another schema: taken %v, %v", ok, err)
	}
	waited := make(chan error)
	go func() { waited <- b.Exclusive(ctx, "indexer", func() error { ran = true; return nil }) }()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil || !ran {
		t.Fatalf("Exclusive after the holder let go: ran %v, %v", ran, err)
	}
	if ok, err := b.TryExclusive(ctx, "indexer", func() error { return nil }); !ok || err != nil {
		t.Fatalf("TryExclusive on a free lock: taken %v, %v", ok, err)
	}
}

// TestReadsOfOneStatement: a read function that ran one statement runs it
// outside a transaction from then on (PostgreSQL's autocommit isolation is
// read committed; the store's read transactions are repeatable read), one
// that ran more keeps its transaction, and one that runs a second
// statement only sometimes begins the transaction at that statement and
// keeps it from then on.
func TestReadsOfOneStatement(t *testing.T) {
	ctx := context.Background()
	d, _ := openTest(t)
	db := store.OpenDriver(d, store.Options{})
	const iso = `SELECT current_setting('transaction_isolation')`
	var got []string
	isolation := func(tx *store.Tx) error {
		var s string
		err := tx.QueryRowRaw(ctx, iso).Scan(&s)
		got = append(got, s)
		return err
	}
	twice := false
	one := func(tx *store.Tx) error {
		if err := isolation(tx); err != nil || !twice {
			return err
		}
		return isolation(tx)
	}
	two := func(tx *store.Tx) error {
		if err := isolation(tx); err != nil {
			return err
		}
		return isolation(tx)
	}
	read := func(fn func(*store.Tx) error) []string {
		t.Helper()
		got = nil
		if err := db.Read(ctx, fn); err != nil {
			t.Fatal(err)
		}
		return got
	}
	const rr, rc = "repeatable read", "read committed"
	for i, c := range []struct {
		fn    func(*store.Tx) error
		twice bool
		want  []string
	}{
		{one, false, []string{rr}},     // not seen before: a transaction
		{one, false, []string{rc}},     // seen to run one statement: none
		{one, false, []string{rc}},     //
		{one, true, []string{rc, rr}},  // a second statement begins one
		{one, false, []string{rr}},     // and it is a transaction from then on
		{two, false, []string{rr, rr}}, //
		{two, false, []string{rr, rr}}, //
	} {
		twice = c.twice
		if g := read(c.fn); !slices.Equal(g, c.want) {
			t.Errorf("read %d: isolation %q, want %q", i, g, c.want)
		}
	}
	// A failed lone statement leaves nothing open on its connection.
	for range 8 {
		if err := db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowRaw(ctx, `SELECT 1/0`).Scan(new(int)) }); err == nil {
			t.Fatal("division by zero succeeded")
		}
	}
	if g := read(two); !slices.Equal(g, []string{rr, rr}) {
		t.Errorf("after failed reads: isolation %q", g)
	}
}
