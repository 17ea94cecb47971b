package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xentree/xentree/internal/pgtest"
)

// serve, user and migrate with --database-url: the store is PostgreSQL, a
// command runs beside the serving node, a second serving node is refused
// with the reason, and a bad URL or password is a clear error at start-up.
func TestServeOnPostgres(t *testing.T) {
	pgtest.Require(t)
	db := pgtest.Schema(t)
	s := startServer(t, t.TempDir(), "--database-url", db)
	if code, body := post(t, s.url+"/api/auth/register", "application/json",
		`{"email":"pg@example.com","password":"correct horse battery staple"}`); code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, body)
	}
	// A command beside the server, on another data folder: the account is
	// in the database, not in a folder.
	if out, err := runCmd(t, "user", "set-plan", "--data", t.TempDir(), "--database-url", db,
		"--email", "pg@example.com", "--plan", "pro"); err != nil || !strings.Contains(out, "pro") {
		t.Fatalf("user set-plan beside the server: %q %v", out, err)
	}
	if out, err := runCmd(t, "migrate", "status", "--database-url", db); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate status: %q %v", out, err)
	}
	if code, body := post(t, s.url+"/api/auth/login", "application/json",
		`{"username":"pg@example.com","password":"correct horse battery staple"}`); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}

	_, err := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", db)
	if err == nil || !strings.Contains(err.Error(), "another xentree node already serves this database") {
		t.Errorf("second serving node: %v, want it refused with the reason", err)
	}

	u, _ := url.Parse(db)
	u.User = url.UserPassword(u.User.Username(), "wrong-password-xyz")
	_, err = runCmd(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", u.String())
	if err == nil || !strings.Contains(err.Error(), "refused user") || strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Errorf("wrong password: %v, want a login refusal that does not show the password", err)
	}
	_, err = runCmd(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("unreachable database: %v", err)
	}
	if _, err := runCmd(t, "migrate", "status", "--database-url", "mysql://nope"); err == nil || !strings.Contains(err.Error(), "database URL") {
		t.Errorf("bad URL: %v", err)
	}
}
