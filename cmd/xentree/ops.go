package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xentree/xentree"
)

// opsCmd runs the operations commands on a data folder.
func opsCmd(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("XENTREE_DATA", "./xentree-data"), "data folder (XENTREE_DATA)")
	out := fs.String("out", "", "file to write (backup; export, where - is standard output)")
	who := fs.String("user", "", "email or id of the account (export, delete)")
	yes := fs.Bool("yes", false, "confirm the hard delete (delete)")
	database := databaseFlag(fs)
	// Positional arguments may come first (restore FILE, migrate up), so
	// flags are parsed after them.
	var pos []string
	for len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	takes := map[string][]string{"backup": {"out"}, "export": {"user", "out"}, "delete": {"user", "yes"}}
	if err := onlyFlags(fs, name, takes[name]...); err != nil {
		return err
	}
	if name == "reindex" || name == "export" || name == "delete" {
		if err := haveDatabase(*data, *database); err != nil {
			return err
		}
	}
	bar := &progressBar{w: stderr, label: "indexing"}
	switch name {
	case "backup":
		if *out == "" || len(pos) > 0 {
			return errors.New("usage: xentree backup --out FILE [--data DIR]")
		}
		if *database != "" {
			return errors.New("backup: a PostgreSQL store is backed up with its own tools (pg_dump); see docs/scaling.md")
		}
		// BackupDir refuses a folder without a database (a mistyped --data),
		// and creates nothing in it.
		// Beside a running server: the file as it is, no engine opened, so
		// a newer binary does not migrate the server's database.
		if err := xentree.BackupDir(ctx, *data, *out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s (the search index is rebuilt on restore; keep signing.key and encryption.key from %s as well)\n", *out, *data)
		return nil
	case "restore":
		if len(pos) != 1 {
			return errors.New("usage: xentree restore FILE [--data DIR] (with the server stopped)")
		}
		cfg, err := operatorConfig(*data, *database, stderr, true)
		if err != nil {
			return err
		}
		var keyless []string // keys the restored data will be read with, made new
		for _, k := range []string{"signing.key", "encryption.key"} {
			if _, err := os.Stat(filepath.Join(*data, k)); err != nil {
				keyless = append(keyless, k)
			}
		}
		err = xentree.Restore(ctx, cfg, pos[0], bar.update)
		bar.finish()
		if err == nil {
			fmt.Fprintf(stdout, "restored %s into %s and rebuilt the search index\n", pos[0], *data)
		}
		if _, made := os.Stat(filepath.Join(*data, "encryption.key")); len(keyless) > 0 && made == nil { // also when a later step failed
			fmt.Fprintf(stderr, "note: %s had no %s, so new ones were made: the backup's access tokens and sealed secrets (Google connections, integration keys) "+
				"need the original files; stop, copy them in, and restore again if you have them\n", *data, strings.Join(keyless, " or "))
		}
		return err
	case "export", "delete":
		return userDataCmd(ctx, name, *data, *database, *who, *out, *yes, len(pos) > 0, stdout, stderr)
	case "reindex":
		if len(pos) > 0 {
			return errors.New("usage: xentree reindex [--data DIR] (with the server stopped; a running server reindexes with POST /api/core/search/reindex)")
		}
		cfg, err := operatorConfig(*data, *database, stderr, true)
		if err != nil {
			return err
		}
		eng, err := xentree.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer eng.Close()
		err = eng.RebuildIndexOnce(ctx, bar.update)
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "search index rebuilt")
		return nil
	}
	// migrate
	if len(pos) != 1 || (pos[0] != "status" && pos[0] != "up") {
		return errors.New("usage: xentree migrate status|up [--data DIR]")
	}
	if pos[0] == "up" {
		cfg, err := operatorConfig(*data, *database, stderr, false)
		if err != nil {
			return err
		}
		eng, err := xentree.Open(ctx, cfg)
		if err != nil {
			return err
		}
		if err := eng.Close(); err != nil {
			return err
		}
	}
	cur, latest, err := xentree.SchemaStatusOf(ctx, xentree.Config{Dir: *data, Database: *database})
	if err != nil {
		return err
	}
	state := "up to date"
	switch {
	case cur < latest:
		state = fmt.Sprintf("%d migration(s) pending: run xentree migrate up (serve also applies them)", latest-cur)
	case cur > latest:
		state = "newer than this binary: upgrade xentree"
	}
	fmt.Fprintf(stdout, "schema version %d, this binary's latest %d: %s\n", cur, latest, state)
	return nil
}

// userDataCmd exports or hard-deletes one account's data. It runs beside a
// running server: without the index, whose entries the server's indexer
// (or the next start) removes from the changes queued here.
func userDataCmd(ctx context.Context, name, data, database, who, out string, yes, extra bool, stdout, stderr io.Writer) error {
	if who == "" || extra || (name == "export" && out == "") {
		return errors.New("usage: xentree export --user EMAIL|ID --out FILE|- [--data DIR]\n" +
			"       xentree delete --user EMAIL|ID --yes [--data DIR]")
	}
	if name == "delete" && !yes {
		return fmt.Errorf("delete removes %s and everything the account owns, for good: add --yes (and take a backup first)", who)
	}
	cfg, err := operatorConfig(data, database, stderr, false)
	if err != nil {
		return err
	}
	eng, err := xentree.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	id := who
	if strings.Contains(who, "@") {
		p, err := eng.FindUserByEmail(ctx, who)
		if err != nil {
			return noAccount(err, who)
		}
		id = p.ID
	}
	if name == "delete" {
		rep, err := eng.DeleteUser(ctx, id)
		if err != nil {
			return noAccount(err, who)
		}
		fmt.Fprintf(stdout, "deleted user %s: %d search entries queued for removal, %d organization(s) deleted with them\n",
			id, rep.IndexEntries, len(rep.DeletedOrganizations))
		return nil
	}
	if out == "-" {
		return noAccount(eng.ExportUser(ctx, id, stdout), who)
	}
	// O_EXCL: an export holds personal data; never overwrite a file, and
	// never make it readable by others.
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := eng.ExportUser(ctx, id, f); err != nil {
		f.Close()
		os.Remove(out)
		return noAccount(err, who)
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported user %s to %s\n", id, out)
	return nil
}
