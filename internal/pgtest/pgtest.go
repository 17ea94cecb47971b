// Package pgtest gives each test an empty PostgreSQL schema of its own on
// the server XENTREE_TEST_DATABASE_URL names, so tests on PostgreSQL stay
// parallel. xentreetest uses it; so do the Engine's internal tests, which
// cannot import xentreetest, and xentree-eval (NewSchema).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the server (postgres://user:password@host:port/db).
const Env = "XENTREE_TEST_DATABASE_URL"

// RequiredEnv, set to 1 (as .ci/run does), turns a PostgreSQL test that
// would skip for want of Env into a failure: a run that silently tested
// nothing must not pass.
const RequiredEnv = "XENTREE_TEST_POSTGRES_REQUIRED"

// Require skips t when no server is configured, or fails it under RequiredEnv.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(Env) != "" {
		return
	}
	if os.Getenv(RequiredEnv) == "1" {
		t.Fatalf("%s=1 but %s is not set", RequiredEnv, Env)
	}
	t.Skipf("%s is not set: PostgreSQL test skipped", Env)
}

// Schema returns the URL of a new, empty schema on the server Env
// names, dropped when t ends, or "" when Env is unset. The role needs the
// CREATE privilege on the database.
func Schema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		return ""
	}
	u, drop, err := NewSchema(context.Background(), base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// NewSchema creates an empty schema with a random name on the database at
// base and returns base's URL with that schema as its search_path, and the
// function that drops it with everything in it.
func NewSchema(ctx context.Context, base string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect: %w", err)
	}
	defer c.Close(ctx)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "xt_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() error {
		ctx := context.WithoutCancel(ctx)
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
