package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/knowledge"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), err
}

// answers is what the API would say about one user's content.
func answers(t *testing.T, dir, email string) string {
	t.Helper()
	ctx := context.Background()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: email, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	convs, err1 := eng.ListConversations(ctx, u, xentree.Page{})
	found, err2 := eng.Search(ctx, u, conversation.SearchRequest{Query: "glacier"})
	docs, err3 := eng.SearchKnowledge(ctx, u, knowledge.SearchRequest{Query: "fjords"})
	if err := errorsJoin(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{convs, found, docs})
	return string(b)
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// TestBackupRestore: a backup restored into another folder (with the keys
// copied) gives identical API answers, index included; a backup from a
// newer schema is refused; migrate and reindex report what they did.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: src, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	tok, _ := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "correct horse battery staple"})
	u, _ := eng.Authenticate(ctx, tok.AccessToken)
	if _, err := eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Ice", InitialQuery: "How does a glacier move?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.CreateDocument(ctx, u, knowledge.CreateRequest{Title: "Fjords", Content: "Glaciers carve fjords."}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	before := answers(t, src, "ada@example.com")

	if out, err := runCmd(t, "migrate", "status", "--data", src); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate status: %q %v", out, err)
	}
	backup := filepath.Join(t.TempDir(), "xentree.backup")
	if out, err := runCmd(t, "backup", "--out", backup, "--data", src); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := runCmd(t, "backup", "--out", backup, "--data", src); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}
	for _, k := range []string{"signing.key", "encryption.key"} {
		b, err := os.ReadFile(filepath.Join(src, k))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, k), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := runCmd(t, "restore", backup, "--data", dst); err != nil || !strings.Contains(out, "rebuilt the search index") {
		t.Fatalf("restore: %q %v", out, err)
	}
	if after := answers(t, dst, "ada@example.com"); after != before {
		t.Fatalf("restored answers differ:\n%s\n%s", before, after)
	}
	if out, err := runCmd(t, "reindex", "--data", dst); err != nil || !strings.Contains(out, "rebuilt") {
		t.Fatalf("reindex: %q %v", out, err)
	}

	// A backup from a newer Xentree is refused, and the folder is untouched.
	newer := filepath.Join(t.TempDir(), "newer.backup")
	b, _ := os.ReadFile(backup)
	if err := os.WriteFile(newer, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := runCmd(t, "restore", newer, "--data", dst); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("restore of a newer schema: %v", err)
	}
	if after := answers(t, dst, "ada@example.com"); after != before {
		t.Fatal("a refused restore changed the data")
	}
	empty := t.TempDir()
	if out, err := runCmd(t, "migrate", "status", "--data", empty); err != nil || !strings.Contains(out, "pending") {
		t.Fatalf("migrate status on an empty folder: %q %v", out, err)
	}
	if out, err := runCmd(t, "migrate", "up", "--data", empty); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate up: %q %v", out, err)
	}
}

// TestUserRoleAndDisable: set-role makes an instance admin; disable stops
// logins and enable restores them.
func TestUserRoleAndDisable(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCmd(t, "user", "create", "--data", dir, "--email", "bo@example.com", "--password", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "user", "set-role", "--data", dir, "--email", "bo@example.com", "--role", "admin"); err != nil || !strings.Contains(out, "role admin") {
		t.Fatalf("set-role: %q %v", out, err)
	}
	if _, err := runCmd(t, "user", "set-role", "--data", dir, "--email", "bo@example.com", "--role", "king"); err == nil {
		t.Fatal("an unknown role was accepted")
	}
	login := func() error {
		eng, err := xentree.Open(context.Background(), xentree.Config{Dir: dir, DisableIndex: true})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		tok, err := eng.Login(context.Background(), auth.LoginRequest{Username: "bo@example.com", Password: "correct horse battery staple"})
		if err != nil {
			return err
		}
		u, err := eng.Authenticate(context.Background(), tok.AccessToken)
		if err == nil && !u.IsAdmin() {
			t.Fatal("set-role did not make an admin")
		}
		return err
	}
	if err := login(); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "user", "disable", "--data", dir, "--email", "bo@example.com"); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %q %v", out, err)
	}
	if err := login(); xentree.KindOf(err) != xentree.KindUnauthenticated {
		t.Fatalf("a disabled account logged in: %v", err)
	}
	if _, err := runCmd(t, "user", "enable", "--data", dir, "--email", "bo@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := login(); err != nil {
		t.Fatalf("after enable: %v", err)
	}
}
