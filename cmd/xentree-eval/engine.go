package main

import (
	"context"
	"github.com/xentree/xentree/internal/pgtest"
	"io"
	"log/slog"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
)

// evalEngine opens an Engine on cfg in a temporary folder, warnings logged
// to log, with one throwaway user. done closes it and removes the folder.
func evalEngine(ctx context.Context, cfg xentree.Config, log io.Writer) (eng *xentree.Engine, user xentree.User, done func(), err error) {
	dir, err := os.MkdirTemp("", "xentree-eval-")
	if err != nil {
		return nil, user, nil, err
	}
	cfg.Dir = dir
	dropSchema := func() error { return nil }
	if cfg.Database != "" {
		// A schema of its own on that database, as for a folder of its own.
		if cfg.Database, dropSchema, err = pgtest.NewSchema(ctx, cfg.Database); err != nil {
			os.RemoveAll(dir)
			return nil, user, nil, err
		}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err = xentree.Open(ctx, cfg)
	if err != nil {
		os.RemoveAll(dir)
		_ = dropSchema()
		return nil, user, nil, err
	}
	done = func() {
		eng.Close()
		os.RemoveAll(dir)
		_ = dropSchema()
	}
	const email, pw = "eval@example.com", "evaluation only, thrown away"
	if _, err = eng.Register(ctx, auth.RegisterRequest{Email: email, Password: pw}); err != nil {
		done()
		return nil, user, nil, err
	}
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: email, Password: pw})
	if err == nil {
		user, err = eng.Authenticate(ctx, tok.AccessToken)
	}
	if err != nil {
		done()
		return nil, user, nil, err
	}
	return eng, user, done, nil
}
