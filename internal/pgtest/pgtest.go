// Package pgtest gives each test an empty PostgreSQL schema of its own on
// the server XENTREE_TEST_DATABASE_URL names, so tests on PostgreSQL stay
// parallel. xentreetest uses it; so do the Engine's internal tests, which
// cannot import xentreetest.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
// names, or "" when it is unset. The role needs the CREATE privilege on the
// database.
func Schema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("xentreetest: %s: %v", Env, err)
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("xentreetest: %s: connect: %v", Env, err)
	}
	defer c.Close(ctx)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "xt_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("xentreetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("xentreetest: drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("xentreetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
