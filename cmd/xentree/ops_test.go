package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/dirlock"
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
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v (%v), want 0600: it holds every user's data", fi.Mode(), err)
	}
	// A folder with no database (a mistyped --data) is refused, not backed up empty.
	nothing := filepath.Join(t.TempDir(), "nothing-here")
	if out, err := runCmd(t, "backup", "--out", filepath.Join(t.TempDir(), "b"), "--data", nothing); err == nil || strings.Contains(out, "backup written") {
		t.Errorf("backup of a folder without a database: %q %v", out, err)
	}
	if _, err := os.Stat(nothing); !os.IsNotExist(err) {
		t.Errorf("backup created the folder it was pointed at: %v", err)
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
	// A damaged backup (its last page overwritten, which the old restore
	// took in and reported as restored) is refused before it replaces anything.
	whole, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(whole) - 4096; i < len(whole); i++ {
		whole[i] = 0xff
	}
	cut := filepath.Join(t.TempDir(), "damaged.backup")
	if err := os.WriteFile(cut, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", cut, "--data", dst); err == nil {
		t.Fatalf("restore of a damaged backup: %q", out)
	}
	if after := answers(t, dst, "ada@example.com"); after != before {
		t.Fatalf("a refused restore changed the folder:\n%s\n%s", before, after)
	}
	// A restore keeps the database it replaced, as one file: restoring
	// that file goes back.
	if _, err := runCmd(t, "restore", backup, "--data", dst); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(t.TempDir(), "kept.db")
	if err := os.Rename(filepath.Join(dst, "xentree.db.pre-restore"), kept); err != nil {
		t.Fatalf("the replaced database was not kept: %v", err)
	}
	if _, err := runCmd(t, "restore", kept, "--data", dst); err != nil {
		t.Fatalf("restoring the kept database: %v", err)
	}
	if after := answers(t, dst, "ada@example.com"); after != before {
		t.Fatalf("the kept database differs:\n%s\n%s", before, after)
	}
	// reindex draws a bar on stderr that ends full, at the store's count.
	var out, bar bytes.Buffer
	if err := run(ctx, []string{"reindex", "--data", dst}, &out, &bar); err != nil || !strings.Contains(out.String(), "rebuilt") {
		t.Fatalf("reindex: %q %v", out.String(), err)
	}
	full := regexp.MustCompile(`\[#{30}\] 100% (\d+)/(\d+)\n$`).FindStringSubmatch(bar.String())
	if full == nil || full[1] != full[2] || full[1] == "0" || !strings.HasPrefix(bar.String(), "\rindexing [ ") {
		t.Fatalf("reindex progress: %q", bar.String())
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

// TestExportAndDeleteUser: export holds every object the user created;
// delete leaves no row naming the user, and once the index has applied the
// queued removals, it holds exactly what SQLite holds.
func TestExportAndDeleteUser(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	login := func(email string) xentree.User {
		if _, err := eng.Register(ctx, auth.RegisterRequest{Email: email, Password: "correct horse battery staple"}); err != nil {
			t.Fatal(err)
		}
		tok, _ := eng.Login(ctx, auth.LoginRequest{Username: email, Password: "correct horse battery staple"})
		u, _ := eng.Authenticate(ctx, tok.AccessToken)
		return u
	}
	ada, bob := login("ada@example.com"), login("bob@example.com")
	var created []string
	for i := range 3 {
		c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: fmt.Sprint("Ice ", i), InitialQuery: "How does a glacier move?"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := eng.CreateNote(ctx, ada, conversation.NoteCreateRequest{ConversationID: c.ID, Title: "Moraine", Content: "glacier debris"})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, c.ID, n.ID)
	}
	d, err := eng.CreateDocument(ctx, ada, knowledge.CreateRequest{Title: "Fjords", Content: "Glaciers carve fjords."})
	if err != nil {
		t.Fatal(err)
	}
	created = append(created, d.ID, ada.ID)
	if _, err := eng.CreateConversation(ctx, bob, conversation.CreateRequest{Title: "Bob's glacier"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "ada.json")
	if out, err := runCmd(t, "export", "--user", "ada@example.com", "--out", file, "--data", dir); err != nil || !strings.Contains(out, "exported") {
		t.Fatalf("export: %q %v", out, err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var archive struct {
		Tables map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(b, &archive); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, rows := range archive.Tables {
		for _, r := range rows {
			if id, ok := r["id"].(string); ok {
				have[id] = true
			}
		}
	}
	for _, id := range created {
		if !have[id] {
			t.Errorf("export lacks %s", id)
		}
	}
	if bytes.Contains(b, []byte("Bob's glacier")) || bytes.Contains(b, []byte("password_hash")) {
		t.Error("export holds another user's data or a password hash")
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}

	if _, err := runCmd(t, "delete", "--user", "ada@example.com", "--data", dir); err == nil {
		t.Fatal("delete ran without --yes")
	}
	if out, err := runCmd(t, "delete", "--user", ada.ID, "--yes", "--data", dir); err != nil || !strings.Contains(out, "deleted user") {
		t.Fatalf("delete: %q %v", out, err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "xentree.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('index_outbox') AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	for _, tbl := range names {
		n := countPerColumn(t, db, tbl, ada.ID) // any column of any row holding the id
		if n > 0 {
			t.Errorf("table %s: %d rows still name the deleted user", tbl, n)
		}
	}

	// The next start applies the queued index removals: the index then
	// holds what SQLite holds, which is Bob's conversation alone.
	eng, err = xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.SetUserRole(ctx, bob.ID, auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	tok, _ := eng.Login(ctx, auth.LoginRequest{Username: "bob@example.com", Password: "correct horse battery staple"})
	admin, _ := eng.Authenticate(ctx, tok.AccessToken)
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := eng.SearchStatus(ctx, admin)
	if err != nil || st.Documents != 1 || st.Pending != 0 {
		t.Fatalf("index after delete: %+v %v (want exactly Bob's conversation)", st, err)
	}
	if _, err := runCmd(t, "export", "--user", ada.ID, "--out", "-", "--data", dir); xentree.KindOf(err) != xentree.KindNotFound {
		t.Fatalf("export of a deleted user: %v", err)
	}
}

func countPerColumn(t *testing.T, db *sql.DB, table, value string) int {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		t.Fatal(err)
	}
	var conds []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		conds = append(conds, `instr(CAST("`+c+`" AS TEXT), ?1) > 0`)
	}
	rows.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM "`+table+`" WHERE `+strings.Join(conds, " OR "), value).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDataFolderLock: a restore is refused while a server has the folder
// open (it used to delete the running server's WAL and index under it), a
// server cannot open a folder a restore holds, and a backup beside a
// running server neither waits for it nor migrates the database.
func TestDataFolderLock(t *testing.T) {
	if !dirlock.Supported {
		t.Skip("no flock on this system")
	}
	ctx := context.Background()
	dir := t.TempDir()
	eng := openWithAda(t, dir)
	backup := filepath.Join(t.TempDir(), "xentree.backup")
	if _, err := runCmd(t, "backup", "--out", backup, "--data", dir); err != nil {
		t.Fatalf("backup beside a running engine: %v", err)
	}
	_, err := runCmd(t, "restore", backup, "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "in use by another xentree process") {
		t.Fatalf("restore beside a running engine: %v", err)
	}
	for _, f := range []string{"xentree.db-wal", "index.bleve"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("a refused restore removed %s: %v", f, err)
		}
	}
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "bob@example.com", Password: "correct horse battery staple"}); err != nil {
		t.Fatalf("the engine after a refused restore: %v", err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	// A restore in progress (its lock held) keeps servers off the folder.
	lock, err := dirlock.Exclusive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap}); xentree.KindOf(err) != xentree.KindUnavailable {
		t.Fatalf("Open during a restore: %v, want unavailable", err)
	}
	if _, err := runCmd(t, "backup", "--out", filepath.Join(t.TempDir(), "b"), "--data", dir); err == nil {
		t.Fatal("a backup ran while a restore held the folder")
	}
	lock.Release()
	if out, err := runCmd(t, "restore", backup, "--data", dir); err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore once the engine is closed: %q %v", out, err)
	}

	// A backup reads the database as it is: one whose schema is behind
	// this binary's stays behind (opening an engine used to migrate it).
	db, err := sql.Open("sqlite", filepath.Join(dir, "xentree.db"))
	if err != nil {
		t.Fatal(err)
	}
	var latest int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, latest); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := runCmd(t, "backup", "--out", filepath.Join(t.TempDir(), "older.backup"), "--data", dir); err != nil {
		t.Fatal(err)
	}
	cur, _, err := xentree.SchemaStatus(ctx, dir)
	if err != nil || cur != latest-1 {
		t.Fatalf("schema after a backup: %d (%v), want %d: the backup migrated it", cur, err, latest-1)
	}
}

// TestOperatorMistakes: a mistyped --data, a flag the command does not
// use, an unknown account or a bad setting are said to be so, and leave
// nothing behind; they used to create an empty deployment with new keys,
// be ignored, or answer "sql: no rows in result set".
func TestOperatorMistakes(t *testing.T) {
	ctx := context.Background()
	t.Setenv("XENTREE_DATABASE_URL", "")
	dir := t.TempDir()
	openWithAda(t, dir).Close()
	typo := filepath.Join(t.TempDir(), "dtaa")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"reindex", "--data", typo}, "no Xentree database"},
		{[]string{"export", "--user", "ada@example.com", "--out", "-", "--data", typo}, "no Xentree database"},
		{[]string{"delete", "--user", "ada@example.com", "--yes", "--data", typo}, "no Xentree database"},
		{[]string{"user", "set-plan", "--email", "ada@example.com", "--plan", "pro", "--data", typo}, "no Xentree database"},
		{[]string{"backup", "--out", filepath.Join(t.TempDir(), "b"), "--user", "x", "--data", dir}, "backup does not take --user"},
		{[]string{"user", "set-plan", "--email", "ada@example.com", "--plan", "pro", "--admin", "--data", dir}, "user set-plan does not take --admin"},
		{[]string{"export", "--user", "nobody@example.com", "--out", "-", "--data", dir}, `no account with email or id "nobody@example.com"`},
		{[]string{"user", "disable", "--email", "nobody@example.com", "--data", dir}, `no account with email or id "nobody@example.com"`},
		{[]string{"serve", "--data", typo, "extra"}, "serve takes no arguments"},
		{[]string{"serve", "--data", typo, "--addr", ""}, "--addr must not be empty"},
	} {
		_, err := runCmd(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// A busy address fails before the data folder is touched.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := runCmd(t, "serve", "--data", typo, "--addr", busy.Addr().String()); err == nil {
		t.Error("serve on a busy address started")
	}
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Errorf("a mistyped --data was created: %v", err)
	}
	t.Setenv("XENTREE_LOG_LEVEL", "verbose")
	if _, err := runCmd(t, "serve", "--data", typo); err == nil || !strings.Contains(err.Error(), "XENTREE_LOG_LEVEL") {
		t.Errorf("an unknown log level: %v", err)
	}
	t.Setenv("XENTREE_LOG_LEVEL", "")
	if out, err := runCmd(t, "user", "-h"); err != nil || !strings.Contains(out, "usage: xentree user create") {
		t.Errorf("user -h: %q %v", out, err)
	}
	// A restore into a folder without the keys says that new ones were made.
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, err := runCmd(t, "backup", "--out", backup, "--data", dir); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"restore", backup, "--data", filepath.Join(t.TempDir(), "fresh")}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "had no signing.key or encryption.key, so new ones were made") {
		t.Errorf("restore without keys said: %q", errb.String())
	}
}

// openWithAda opens an engine on dir with one account, ada@example.com.
func openWithAda(t *testing.T, dir string) *xentree.Engine {
	t.Helper()
	ctx := context.Background()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery staple"}); err != nil {
		eng.Close()
		t.Fatal(err)
	}
	return eng
}
