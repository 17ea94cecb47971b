package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
)

const migratePassword = "correct horse battery staple"

// migrateSource is what a SQLite deployment built for migrate-store holds
// and what is checked on the other side.
type migrateSource struct {
	dir       string
	clock     *xentreetest.Clock
	google    xentree.GoogleConfig
	access    string // Ada's access token, issued by the SQLite engine
	convID    string
	noteID    string
	docID     string
	orgID     string
	apiKey    string
	intToken  string
	usedLive  int64
	xelTaskID string
}

// buildSQLiteDeployment makes one of everything in a SQLite data folder
// through the Engine, and closes it.
func buildSQLiteDeployment(t *testing.T) migrateSource {
	t.Helper()
	ctx := context.Background()
	g := xentreetest.NewFakeGoogle(t)
	s := migrateSource{dir: t.TempDir(), clock: xentreetest.NewClock(), google: xentree.GoogleConfig{
		ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
		RedirectURL: "https://app.example/integrations/google/callback",
		AuthURL:     g.AuthURL(), TokenURL: g.TokenURL(), RevokeURL: g.RevokeURL(), CalendarURL: g.CalendarURL()}}
	eng, err := xentree.Open(ctx, xentree.Config{Dir: s.dir, Password: password.Cheap, Clock: s.clock, Google: s.google})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, err = eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: migratePassword})
	must(t, "register ada", err)
	bob, err := eng.Register(ctx, auth.RegisterRequest{Email: "bob@example.com", Password: migratePassword})
	must(t, "register bob", err)
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: migratePassword})
	must(t, "login", err)
	s.access = tok.AccessToken
	ada, err := eng.Authenticate(ctx, tok.AccessToken)
	must(t, "authenticate", err)

	c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "Ice"})
	must(t, "conversation", err)
	s.convID = c.ID
	_, err = eng.Chat(ctx, ada, conversation.ChatRequest{ConversationID: c.ID, Message: "How does a glacier move?"})
	must(t, "chat", err)
	n, err := eng.CreateNote(ctx, ada, conversation.NoteCreateRequest{ConversationID: c.ID, Title: "Moraines", Content: "Rocks a glacier leaves behind."})
	must(t, "note", err)
	s.noteID = n.ID
	d, err := eng.CreateDocument(ctx, ada, knowledge.CreateRequest{Title: "Fjords", Content: "Glaciers carve fjords into the coast of Norway."})
	must(t, "document", err)
	s.docID = d.ID

	o, err := eng.CreateOrganization(ctx, ada, org.CreateRequest{Name: "Glaciology"})
	must(t, "organization", err)
	s.orgID = o.ID
	_, err = eng.AddMember(ctx, ada, o.ID, org.AddMemberRequest{UserID: bob.ID, Role: org.RoleMember})
	must(t, "member", err)
	k, err := eng.CreateAPIKey(ctx, ada, org.CreateKeyRequest{Name: "ci", OrganizationID: o.ID, Scopes: []string{auth.ScopeConversationsRead}})
	must(t, "api key", err)
	s.apiKey = k.Key
	// An integration token: its tenant key's private half is sealed.
	gr, err := eng.GrantIntegrationToken(ctx, ada, integration.GrantRequest{Mode: "api", Origin: "https://partner.example",
		Scopes: []string{"xel:read"}, TTLSeconds: 3600, TenantID: o.ID})
	must(t, "integration token", err)
	s.intToken = gr.Token
	// Google Calendar: the OAuth grant is sealed.
	a, err := eng.AuthorizeGoogleCalendar(ctx, ada, integration.AuthorizeRequest{})
	must(t, "authorize google", err)
	back, err := g.Consent(a.AuthorizationURL)
	must(t, "consent", err)
	_, err = eng.GoogleCalendarCallback(ctx, ada, integration.CallbackRequest{Code: back.Query().Get("code"), State: back.Query().Get("state")})
	must(t, "google callback", err)

	ls, err := eng.StartLiveSession(ctx, ada, live.StartRequest{SessionType: "voice"})
	must(t, "live start", err)
	s.clock.Advance(20 * time.Second)
	_, err = eng.HeartbeatLiveSession(ctx, ada, live.SessionRequest{SessionID: ls.SessionID})
	must(t, "live heartbeat", err)
	s.clock.Advance(20 * time.Second)
	_, err = eng.EndLiveSession(ctx, ada, live.SessionRequest{SessionID: ls.SessionID})
	must(t, "live end", err)
	q, err := eng.LiveQuota(ctx, ada)
	must(t, "live quota", err)
	if s.usedLive = q.UsedSeconds; s.usedLive == 0 {
		t.Fatalf("no Live usage recorded: %+v", q)
	}

	for _, m := range eng.Curriculum().Modules {
		for _, task := range m.Tasks {
			if task.Type == xel.TypeGapFill && s.xelTaskID == "" {
				s.xelTaskID = task.ID
			}
		}
	}
	task, _ := eng.Curriculum().Task(s.xelTaskID)
	_, err = eng.SubmitTask(ctx, ada, task.ID, xel.SubmitRequest{Answer: task.Accepted[0]})
	must(t, "xel submission", err)
	must(t, "wait indexed", eng.WaitIndexed(ctx))
	must(t, "close", eng.Close())
	return s
}

// pgScan runs one query on the PostgreSQL schema at u into dest.
func pgScan(t *testing.T, u, q string, dest ...any) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := c.QueryRow(context.Background(), q).Scan(dest...); err != nil {
		t.Fatal(err)
	}
}

// pgHas reports whether the PostgreSQL schema at u has the table.
func pgHas(t *testing.T, u, table string) bool {
	t.Helper()
	var ok bool
	pgScan(t, u, "SELECT to_regclass("+pgQuote(table)+") IS NOT NULL", &ok)
	return ok
}

// pgCount counts a table's rows in the PostgreSQL schema at u.
func pgCount(t *testing.T, u, table string) int64 {
	t.Helper()
	var n int64
	pgScan(t, u, "SELECT COUNT(*) FROM "+pgx.Identifier{table}.Sanitize(), &n)
	return n
}

// pgQuote is table as a SQL string literal.
func pgQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestMigrateStore copies a SQLite deployment with one of everything into
// PostgreSQL and runs an Engine there: the same accounts, content,
// tokens, keys and sealed secrets, knowledge search included; a second copy
// into the same database is refused.
func TestMigrateStore(t *testing.T) {
	pgtest.Require(t)
	ctx := context.Background()
	s := buildSQLiteDeployment(t)
	db := pgtest.Schema(t)

	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate-store", "--from", s.dir, "--to", db}, &out, &errb); err != nil {
		t.Fatalf("migrate-store: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"copied ", " rows in ", "xentree serve --database-url", "users ", "integrations ", "not copied: index_outbox"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	u, _ := url.Parse(db)
	if pw, ok := u.User.Password(); ok && strings.Contains(out.String()+errb.String(), ":"+pw+"@") {
		t.Error("the output shows the database password")
	}
	// Every row of every table on both sides.
	counts := regexp.MustCompile(`(?m)^(\w+)\s+(\d+)\s+(\d+)\s*$`).FindAllStringSubmatch(out.String(), -1)
	if len(counts) < 20 {
		t.Fatalf("the table of counts has %d rows:\n%s", len(counts), out.String())
	}
	for _, c := range counts {
		if c[2] != c[3] {
			t.Errorf("%s: %s in SQLite, %s in PostgreSQL", c[1], c[2], c[3])
		}
	}
	for _, table := range []string{"users", "auth_sessions", "conversations", "messages", "notes", "documents", "chunks",
		"organizations", "memberships", "api_keys", "live_sessions", "live_usage", "xel_submissions", "xel_task_progress",
		"xel_days", "integrations", "tenant_keys"} {
		if pgCount(t, db, table) == 0 {
			t.Errorf("%s is empty in PostgreSQL", table)
		}
	}
	if n := pgCount(t, db, "search_docs"); n != 0 {
		t.Errorf("search_docs has %d rows before the first start", n)
	}

	// An Engine on PostgreSQL, in another folder: no key files there. The
	// keys are in the database (instance_keys); a schema without that
	// table needs them passed, as a server needs the files.
	cfg := xentree.Config{Dir: t.TempDir(), Database: db, Password: password.Cheap, Clock: s.clock, Google: s.google}
	if !pgHas(t, db, "instance_keys") {
		t.Log("no instance_keys table: the keys are passed to the Engine")
		var err error
		if cfg.SigningKey, err = os.ReadFile(filepath.Join(s.dir, "signing.key")); err != nil {
			t.Fatal(err)
		}
		if cfg.EncryptionKey, err = os.ReadFile(filepath.Join(s.dir, "encryption.key")); err != nil {
			t.Fatal(err)
		}
	} else if n := pgCount(t, db, "instance_keys"); n != 2 {
		t.Errorf("instance_keys has %d rows, want 2", n)
	}
	eng, err := xentree.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	// The access token the SQLite engine issued: same signing key, same session.
	ada, err := eng.Authenticate(ctx, s.access)
	must(t, "an access token from before the copy", err)
	if _, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: migratePassword}); err != nil {
		t.Fatalf("login with the same password: %v", err)
	}
	if _, err := eng.Login(ctx, auth.LoginRequest{Username: "bob@example.com", Password: migratePassword}); err != nil {
		t.Fatalf("bob's login: %v", err)
	}
	if _, err := eng.AuthenticateAPIKey(ctx, s.apiKey, "192.0.2.1"); err != nil {
		t.Errorf("the API key: %v", err)
	}

	convs, err := eng.ListConversations(ctx, ada, xentree.Page{})
	must(t, "conversations", err)
	if len(convs.Items) != 1 || convs.Items[0].ID != s.convID {
		t.Errorf("conversations: %+v", convs.Items)
	}
	msgs, err := eng.ListMessages(ctx, ada, s.convID, xentree.Page{})
	must(t, "messages", err)
	if len(msgs.Items) != 2 || msgs.Items[0].Content != "How does a glacier move?" {
		t.Errorf("messages: %+v", msgs.Items)
	}
	notes, err := eng.ListNotes(ctx, ada, s.convID, xentree.Page{})
	must(t, "notes", err)
	if len(notes.Items) != 1 || notes.Items[0].ID != s.noteID {
		t.Errorf("notes: %+v", notes.Items)
	}
	doc, err := eng.GetDocument(ctx, ada, s.docID)
	must(t, "document", err)
	if doc.Title != "Fjords" {
		t.Errorf("document: %+v", doc)
	}
	members, err := eng.ListMembers(ctx, ada, s.orgID, xentree.Page{})
	must(t, "members", err)
	if len(members.Items) != 2 {
		t.Errorf("members: %+v", members.Items)
	}
	q, err := eng.LiveQuota(ctx, ada)
	must(t, "live quota", err)
	if q.UsedSeconds != s.usedLive {
		t.Errorf("Live usage: %d s, want %d", q.UsedSeconds, s.usedLive)
	}
	mod, err := eng.ListModules(ctx, ada, "", "", xentree.Page{})
	must(t, "xel modules", err)
	streak, err := eng.XPStreakStatus(ctx, ada)
	must(t, "xel streak", err)
	if streak.LastActivity == nil || len(mod.Items) == 0 {
		t.Errorf("XEL progress lost: %+v", streak)
	}

	// Sealed secrets open with the encryption key that came along: the
	// Google grant calls the calendar, the tenant key signs a new token,
	// and the old token verifies.
	if _, err := eng.ListCalendarEvents(ctx, ada, "", ""); err != nil {
		t.Errorf("Google Calendar after the copy: %v", err)
	}
	if _, err := eng.GrantIntegrationToken(ctx, ada, integration.GrantRequest{Mode: "api", Origin: "https://partner.example",
		Scopes: []string{"xel:read"}, TTLSeconds: 600, TenantID: s.orgID}); err != nil {
		t.Errorf("an integration token signed with the copied tenant key: %v", err)
	}
	if v, err := eng.VerifyIntegrationToken(ctx, ada, integration.VerifyRequest{Token: s.intToken, TenantID: s.orgID}); err != nil || !v.Valid {
		t.Errorf("the integration token from before the copy: %+v %v", v, err)
	}

	// Search: the first start rebuilt the empty search table.
	must(t, "wait indexed", eng.WaitIndexed(ctx))
	found, err := eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: "fjords"})
	must(t, "knowledge search", err)
	if len(found.Results) == 0 || found.Results[0].DocumentID != s.docID {
		t.Errorf("knowledge search: %+v", found.Results)
	}
	hits, err := eng.Search(ctx, ada, conversation.SearchRequest{Query: "moraines"})
	must(t, "search", err)
	if len(hits.Hits) == 0 {
		t.Errorf("search found no note: %+v", hits)
	}

	// The database has rows now: a second copy is refused and writes nothing.
	before := pgCount(t, db, "users")
	_, err = runCmd(t, "migrate-store", "--from", s.dir, "--to", db)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "users") {
		t.Errorf("a second copy: %v, want it refused as not empty", err)
	}
	if after := pgCount(t, db, "users"); after != before {
		t.Errorf("the refused copy changed users: %d → %d", before, after)
	}
}

// TestMigrateStoreRefuses: a folder without a database, a database behind
// this binary, a bad or unreachable URL and missing flags are clear errors;
// a row PostgreSQL cannot take fails the copy and leaves the target empty.
func TestMigrateStoreRefuses(t *testing.T) {
	ctx := context.Background()
	t.Setenv("XENTREE_DATA", "")
	t.Setenv("XENTREE_DATABASE_URL", "")
	if _, err := runCmd(t, "migrate-store", "--from", t.TempDir()); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no --to: %v", err)
	}
	_, err := runCmd(t, "migrate-store", "--from", t.TempDir(), "--to", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "holds no xentree.db") {
		t.Errorf("a folder without a database: %v", err)
	}

	dir := t.TempDir()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: migratePassword}); err != nil {
		t.Fatal(err)
	}
	ada, err := eng.Authenticate(ctx, mustLogin(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "Ice"})
	if err != nil {
		t.Fatal(err)
	}
	// The engine is open: a server runs on the folder, its WAL not empty.
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "a server still runs") {
		t.Errorf("a folder in use: %v", err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	// A folder without its key files: its sealed secrets would be copied unreadable.
	keyFile := filepath.Join(dir, "encryption.key")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "has no encryption.key") {
		t.Errorf("a folder without its keys: %v", err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", "mysql://nope")
	if err == nil || !strings.Contains(err.Error(), "database URL") {
		t.Errorf("bad URL: %v", err)
	}
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", "postgres://x:secret-pw@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("unreachable database: %v", err)
	}

	raw := func(q string, args ...any) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "xentree.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// A database that misses this binary's last migration.
	raw(`UPDATE schema_migrations SET version = -version WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "xentree migrate up --data "+dir) {
		t.Errorf("an older schema: %v, want the advice to migrate first", err)
	}
	raw(`UPDATE schema_migrations SET version = -version WHERE version < 0`)

	pgtest.Require(t)
	db := pgtest.Schema(t)
	// A NUL in a title: PostgreSQL text cannot hold it. The copy fails on
	// it, after the users went in, and the transaction takes them back.
	raw(`UPDATE conversations SET title = 'Ice' || char(0) || 'Age' WHERE id = ?`, c.ID)
	_, err = runCmd(t, "migrate-store", "--from", dir, "--to", db)
	if err == nil || !strings.Contains(err.Error(), "NUL") || !strings.Contains(err.Error(), "conversations") {
		t.Errorf("a NUL in a text column: %v", err)
	}
	if n := pgCount(t, db, "users"); n != 0 {
		t.Errorf("a failed copy left %d users", n)
	}
	raw(`UPDATE conversations SET title = 'Ice Age' WHERE id = ?`, c.ID)
	if out, err := runCmd(t, "migrate-store", "--from", dir, "--to", db); err != nil || !strings.Contains(out, "copied ") {
		t.Errorf("the copy once the row is fixed: %q %v", out, err)
	}
}

func mustLogin(t *testing.T, eng *xentree.Engine) string {
	t.Helper()
	tok, err := eng.Login(context.Background(), auth.LoginRequest{Username: "ada@example.com", Password: migratePassword})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// must fails t with what when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
