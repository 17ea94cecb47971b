package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/xentree/xentree"
)

// opsCmd runs the operations commands on a data folder.
func opsCmd(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("XENTREE_DATA", "./xentree-data"), "data folder (XENTREE_DATA)")
	out := fs.String("out", "", "backup file to write (backup)")
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
	progress := func(n int) { fmt.Fprintf(stderr, "\rindexed %d documents", n) }
	switch name {
	case "backup":
		if *out == "" || len(pos) > 0 {
			return errors.New("usage: xentree backup --out FILE [--data DIR]")
		}
		// Beside a running server: without the index, which that server holds.
		eng, err := xentree.Open(ctx, xentree.Config{Dir: *data, Logger: newLogger(stderr), DisableIndex: true})
		if err != nil {
			return err
		}
		defer eng.Close()
		if err := eng.Backup(ctx, *out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s (the search index is rebuilt on restore; keep signing.key and encryption.key from %s as well)\n", *out, *data)
		return nil
	case "restore":
		if len(pos) != 1 {
			return errors.New("usage: xentree restore FILE [--data DIR] (with the server stopped)")
		}
		if err := xentree.Restore(ctx, xentree.Config{Dir: *data, Logger: newLogger(stderr)}, pos[0], progress); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nrestored %s into %s and rebuilt the search index\n", pos[0], *data)
		return nil
	case "reindex":
		if len(pos) > 0 {
			return errors.New("usage: xentree reindex [--data DIR] (with the server stopped; a running server reindexes with POST /api/core/search/reindex)")
		}
		eng, err := xentree.Open(ctx, xentree.Config{Dir: *data, Logger: newLogger(stderr)})
		if err != nil {
			return err
		}
		defer eng.Close()
		if err := eng.RebuildIndex(ctx, progress); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nsearch index rebuilt")
		return nil
	}
	// migrate
	if len(pos) != 1 || (pos[0] != "status" && pos[0] != "up") {
		return errors.New("usage: xentree migrate status|up [--data DIR]")
	}
	if pos[0] == "up" {
		eng, err := xentree.Open(ctx, xentree.Config{Dir: *data, Logger: newLogger(stderr), DisableIndex: true})
		if err != nil {
			return err
		}
		if err := eng.Close(); err != nil {
			return err
		}
	}
	cur, latest, err := xentree.SchemaStatus(ctx, *data)
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
