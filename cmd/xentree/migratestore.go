package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/xentree/xentree/internal/dirlock"
	"github.com/xentree/xentree/store/postgres"
	"github.com/xentree/xentree/store/sqlite"
)

const migrateStoreUsage = "usage: xentree migrate-store --from DIR --to postgres://user:password@host:5432/db (with the server stopped)"

// The files of a SQLite data folder that migrate-store reads (xentree.go
// names them).
const (
	sqliteFile        = "xentree.db"
	signingKeyFile    = "signing.key"
	encryptionKeyFile = "encryption.key"
)

// instanceKeys are the data folder's key files, each with the name its
// copy takes in PostgreSQL's instance_keys.
var instanceKeys = []struct{ name, file string }{{"signing", signingKeyFile}, {"encryption", encryptionKeyFile}}

// migrateStoreCmd copies a SQLite deployment into an empty PostgreSQL
// database: every table in one transaction, the counts compared before it
// commits, and the data folder's keys into instance_keys when the schema
// has that table.
func migrateStoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", env("XENTREE_DATA", ""), "data folder of the SQLite deployment to copy, read only (XENTREE_DATA)")
	to := fs.String("to", env("XENTREE_DATABASE_URL", ""), "PostgreSQL URL to copy into, postgres://user:password@host:5432/db; its tables must be empty (XENTREE_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		return errors.New(migrateStoreUsage)
	}
	start := time.Now()

	lock, src, err := openSQLiteSource(ctx, *from)
	if err != nil {
		return err
	}
	defer lock.Release()
	defer src.Close()
	snap, err := src.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(*from, sqliteFile), err)
	}
	defer func() { _ = snap.Rollback() }()
	var version int
	if err := snap.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return fmt.Errorf("%s is not a Xentree database: %v", filepath.Join(*from, sqliteFile), err)
	}
	switch latest := sqlite.LatestSchema(); {
	case version < latest:
		return fmt.Errorf("the SQLite database in %s is at schema version %d, this binary's is %d: run `xentree migrate up --data %s` first",
			*from, version, latest, *from)
	case version > latest:
		return fmt.Errorf("the SQLite database in %s is at schema version %d, newer than this binary's %d: upgrade xentree", *from, version, latest)
	}
	keys, missing, err := readKeys(*from)
	if err != nil {
		return err
	}
	// Without the deployment's keys its access tokens and sealed secrets
	// (Google tokens, organization signing keys) would be copied unreadable,
	// and the target, no longer empty, would refuse a second try.
	if len(missing) > 0 {
		return fmt.Errorf("%s has no %s: copy the key files the SQLite deployment used into it first, or write the keys it was given in Config (SigningKey, EncryptionKey) there as those files (they are what its tokens and sealed secrets need)",
			*from, strings.Join(missing, " or "))
	}

	where := redactURL(*to)
	fmt.Fprintf(stderr, "copying %s into %s\n", filepath.Join(*from, sqliteFile), where)
	d, err := postgres.Open(ctx, *to, postgres.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	bar, current := &progressBar{w: stderr}, ""
	rep, err := d.CopyFromSQLite(ctx, snap, postgres.CopyOptions{Keys: keys, Progress: func(table string, done, total int64) {
		if table != current {
			bar.finish()
			current, bar.label = table, fmt.Sprintf("%-24s", table)
		}
		bar.update(int(done), int(total))
	}})
	bar.finish()
	if len(rep.Tables) > 0 && err != nil {
		printCounts(stderr, rep)
	}
	if err != nil {
		return err
	}
	printCounts(stdout, rep)
	skipped := make([]string, 0, len(rep.Skipped))
	for table := range rep.Skipped {
		skipped = append(skipped, table)
	}
	sort.Strings(skipped)
	for _, table := range skipped {
		fmt.Fprintf(stdout, "not copied: %s (%s)\n", table, rep.Skipped[table])
	}
	switch {
	case rep.KeysTable:
		fmt.Fprintln(stdout, "keys: signing.key and encryption.key are stored in the database (instance_keys); the server needs no key files")
	default:
		fmt.Fprintf(stdout, "note: this database keeps no keys yet: copy %s and %s from %s into the --data folder of every server on this database, "+
			"or access tokens stop working and sealed integration secrets cannot be read\n", signingKeyFile, encryptionKeyFile, *from)
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables into %s in %s; start `xentree serve --database-url %s` (the search index is rebuilt at its first start)\n",
		rep.Rows(), len(rep.Tables), where, time.Since(start).Round(time.Millisecond), where)
	return nil
}

// openSQLiteSource takes dir's lock alone (internal/dirlock), so no
// server, backup or restore runs on the folder while it is copied (a copy
// would miss the writes a server made after it), and opens its database
// read-only and immutable, so that nothing is written in the folder, not
// even SQLite's -shm and -wal files. That is consistent only when no WAL
// holds commits the file lacks, so a folder whose -wal file is not empty
// is refused too: its server stopped without closing the database, or is
// an older xentree that takes no lock. An empty one is what a read-only
// opener (migrate status) leaves behind. A folder whose lock file cannot
// be written (a read-only copy) is read without the lock.
func openSQLiteSource(ctx context.Context, dir string) (*dirlock.Lock, *sql.DB, error) {
	path := filepath.Join(dir, sqliteFile)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s holds no %s: --from takes the data folder of a SQLite deployment", dir, sqliteFile)
	}
	lock, err := dirlock.Exclusive(dir)
	switch {
	case errors.Is(err, dirlock.ErrBusy):
		return nil, nil, fmt.Errorf("%s is in use: a server still runs on it, or a backup or restore; stop it and try again", dir)
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		// A read-only copy of a folder: no server writes in it.
	case err != nil:
		return nil, nil, err
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		lock.Release()
		return nil, nil, fmt.Errorf("%s-wal is not empty: a server still runs on %s, or it stopped without closing the database; "+
			"stop the server, run `xentree migrate up --data %s` (which closes the database cleanly) and try again", path, dir, dir)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		lock.Release()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		lock.Release()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	return lock, db, nil
}

// readKeys reads the data folder's keys by their instance_keys names, and
// names the files that are missing.
func readKeys(dir string) (map[string][]byte, []string, error) {
	keys := map[string][]byte{}
	var missing []string
	for _, k := range instanceKeys {
		b, err := os.ReadFile(filepath.Join(dir, k.file))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, k.file)
		case err != nil:
			return nil, nil, fmt.Errorf("read %s: %w", filepath.Join(dir, k.file), err)
		default:
			keys[k.name] = b
		}
	}
	return keys, missing, nil
}

// printCounts writes the table of row counts on both sides.
func printCounts(w io.Writer, rep postgres.CopyReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tSQLite\tPostgreSQL\t")
	for _, t := range rep.Tables {
		mark := ""
		if t.Source != t.Target {
			mark = " differs"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d%s\t\n", t.Table, t.Source, t.Target, mark)
	}
	tw.Flush()
}

// redactURL is a database URL fit to print: without its password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "the PostgreSQL database"
	}
	return u.Redacted()
}
