package xentree_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/xentreetest"
)

// Two engines on one PostgreSQL database, as two nodes: a session revoked
// on one is refused by the other, which had it cached, as soon as the
// notice arrives; and a node whose listening connection dropped trusts no
// cache until it listens again.
func TestCacheNoticesReachOtherNodes(t *testing.T) {
	pgtest.Require(t)
	db := xentreetest.Database(t)
	a := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.Database = db }))
	b := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.Database = db }))
	user, _ := xentreetest.CreateUser(t, a, "ada@example.com")

	// refusedOnB waits, at most a second, for b to refuse tok.
	refusedOnB := func(tok string, what string) {
		t.Helper()
		for start := time.Now(); ; {
			if _, err := b.Authenticate(ctx, tok); xentree.KindOf(err) == xentree.KindUnauthenticated {
				return
			}
			if time.Since(start) > time.Second {
				t.Fatalf("%s: the other node still accepts the token a second later", what)
			}
			runtime.Gosched()
		}
	}
	login := func() (auth.TokenResponse, xentree.User) {
		t.Helper()
		tok, err := a.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password})
		if err != nil {
			t.Fatal(err)
		}
		u, err := b.Authenticate(ctx, tok.AccessToken) // b caches the session
		if err != nil {
			t.Fatal(err)
		}
		return tok, u
	}

	tok, u := login()
	if err := a.Logout(ctx, u, auth.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
	refusedOnB(tok.AccessToken, "logout")

	// A disabled account: every node forgets its sessions.
	tok, _ = login()
	if err := a.SetUserDisabled(ctx, user.ID, true); err != nil {
		t.Fatal(err)
	}
	refusedOnB(tok.AccessToken, "disabled account")
	if err := a.SetUserDisabled(ctx, user.ID, false); err != nil {
		t.Fatal(err)
	}

	// Cut every listening connection (b's among them): until b listens
	// again it reads the database, and then it has dropped its cache, so a
	// logout whose notice it may have missed is refused all the same.
	tok, u = login()
	pg, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, u, auth.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
	refusedOnB(tok.AccessToken, "logout while the other node's listener was cut")
}
