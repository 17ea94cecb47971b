package xentree

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/xentree/xentree/internal/pgtest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xtime"
)

// userFixture is everything one user created, by the id it got.
type userFixture struct {
	user User
	ids  map[string][]string // table -> ids of rows the user created
	org  string              // an organization the user alone belongs to
}

func openInternal(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(context.Background(), Config{Dir: t.TempDir(), Database: pgtest.Schema(t), Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// createEverything makes u create one of each kind of thing, with the
// marker word in its text, and uploads a document to shared, an
// organization of another user.
func createEverything(t *testing.T, e *Engine, u User, marker, shared string) userFixture {
	t.Helper()
	ctx := context.Background()
	f := userFixture{user: u, ids: map[string][]string{}}
	add := func(table, id string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		f.ids[table] = append(f.ids[table], id)
	}
	c, err := e.CreateConversation(ctx, u, conversation.CreateRequest{Title: "About " + marker})
	add("conversations", c.ID, err)
	_, err = e.Chat(ctx, u, conversation.ChatRequest{ConversationID: c.ID, Message: "Tell me about " + marker})
	add("messages", "", err)
	n, err := e.CreateNote(ctx, u, conversation.NoteCreateRequest{ConversationID: c.ID, Title: "Note", Content: marker + " notes"})
	add("notes", n.ID, err)
	s, err := e.StartConversationSession(ctx, u, c.ID)
	add("conversation_sessions", s.SessionID, err)
	ls, err := e.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
	add("live_sessions", ls.SessionID, err)
	if _, err = e.EndLiveSession(ctx, u, live.SessionRequest{SessionID: ls.SessionID}); err != nil {
		t.Fatal(err)
	}
	now := e.cfg.Clock.Now()
	tr, err := e.SaveLiveTranscript(ctx, u, live.SaveTranscriptRequest{SessionID: ls.SessionID,
		SessionStartedAt: xtimeOf(now.Add(-time.Minute)), SessionEndedAt: xtimeOf(now),
		Transcripts: []live.Turn{{Role: "user", Text: "We spoke about " + marker, Timestamp: xtimeOf(now)}}})
	add("live_transcripts", tr.ID, err)
	d, err := e.CreateDocument(ctx, u, knowledge.CreateRequest{Title: "Own", Content: "A personal page about " + marker + "."})
	add("documents", d.ID, err)
	o, err := e.CreateOrganization(ctx, u, org.CreateRequest{Name: "Solo " + marker})
	add("memberships", o.ID, err)
	f.org = o.ID
	od, err := e.CreateDocument(ctx, u, knowledge.CreateRequest{Title: "Solo org doc", Content: "The solo team writes about " + marker + ".", OrganizationID: o.ID})
	add("documents", od.ID, err)
	k, err := e.CreateAPIKey(ctx, u, org.CreateKeyRequest{Name: "ci", OrganizationID: o.ID, Scopes: []string{auth.ScopeConversationsRead}})
	add("api_keys", k.ID, err)
	if shared != "" {
		sd, err := e.CreateDocument(ctx, u, knowledge.CreateRequest{Title: "Shared", Content: "Shared knowledge about " + marker + ".", OrganizationID: shared})
		add("documents", sd.ID, err)
	}
	var gap *xel.TaskDef
	for _, m := range e.Curriculum().Modules {
		for _, task := range m.Tasks {
			if task.Type == xel.TypeGapFill && gap == nil {
				gap, _ = e.Curriculum().Task(task.ID)
			}
		}
	}
	r, err := e.SubmitTask(ctx, u, gap.ID, xel.SubmitRequest{Answer: gap.Accepted[0]})
	add("xel_submissions", r.SubmissionID, err)
	add("xel_task_progress", "", nil)
	add("xel_days", "", nil)
	add("users", u.ID, nil)
	add("auth_sessions", "", nil)
	add("chunks", "", nil)
	if err := e.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// twoUsers opens an engine where Ada and Bob each created one of
// everything, Ada also a document in Bob's organization "Shared".
func twoUsers(t *testing.T) (e *Engine, ada, bob User, shared org.Organization, fa userFixture) {
	e = openInternal(t)
	ctx := context.Background()
	var err error
	ada = benchUser(t, e, "ada@example.com")
	bob = benchUser(t, e, "bob@example.com")
	shared, err = e.CreateOrganization(ctx, bob, org.CreateRequest{Name: "Shared"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddMember(ctx, bob, shared.ID, org.AddMemberRequest{UserID: ada.ID, Role: org.RoleMember}); err != nil {
		t.Fatal(err)
	}
	fa = createEverything(t, e, ada, "quokka", shared.ID)
	createEverything(t, e, bob, "wombat", "")
	return e, ada, bob, shared, fa
}

func TestExportUser(t *testing.T) {
	e, ada, bob, _, f := twoUsers(t)
	ctx := context.Background()

	var buf bytes.Buffer
	if err := e.ExportUser(ctx, ada.ID, &buf); err != nil {
		t.Fatal(err)
	}
	var archive struct {
		Format  string                      `json:"format"`
		Version int                         `json:"version"`
		UserID  string                      `json:"user_id"`
		Tables  map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(buf.Bytes(), &archive); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, buf.Bytes())
	}
	if archive.Format != ExportFormat || archive.Version != ExportVersion || archive.UserID != ada.ID {
		t.Fatalf("header: %+v", archive)
	}
	for _, tbl := range store.UserTables {
		rows, ok := archive.Tables[tbl.Name]
		if !ok {
			t.Errorf("table %s missing from the export", tbl.Name)
			continue
		}
		if want := f.ids[tbl.Name]; len(want) > 0 && len(rows) == 0 {
			t.Errorf("table %s: no rows, want the user's", tbl.Name)
		}
		key := "id"
		if tbl.Name == "memberships" {
			key = "org_id"
		}
		for _, id := range f.ids[tbl.Name] {
			if id != "" && !slices.ContainsFunc(rows, func(r map[string]any) bool { return r[key] == id }) {
				t.Errorf("table %s: %s missing", tbl.Name, id)
			}
		}
		for _, r := range rows {
			for _, omit := range tbl.Omit {
				if _, ok := r[omit]; ok {
					t.Errorf("table %s exports the secret %s", tbl.Name, omit)
				}
			}
		}
	}
	if strings.Contains(buf.String(), "wombat") || strings.Contains(buf.String(), bob.ID) {
		t.Error("the export holds another user's data")
	}
	if err := e.ExportUser(ctx, "nobody", &buf); xerr.KindOf(err) != xerr.NotFound {
		t.Fatalf("unknown user: %v", err)
	}
}

// Every table that references a user is either exported and deleted with
// the user, or listed with the reason it is not: a new table cannot be
// forgotten.
func TestUserTablesCoverSchema(t *testing.T) {
	e := openInternal(t)
	var naming map[string][]string
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		naming, err = tx.TablesNaming(context.Background())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for table := range naming {
		listed := slices.ContainsFunc(store.UserTables, func(u store.UserTable) bool { return u.Name == table })
		if _, skipped := store.NotUserTables[table]; !listed && !skipped {
			t.Errorf("table %s names a user (%v) but is neither in store.UserTables nor store.NotUserTables", table, naming[table])
		}
	}
}

func TestDeleteUser(t *testing.T) {
	e, ada, bob, shared, fa := twoUsers(t)
	ctx := context.Background()
	var err error

	// The last owner of an organization with other members is refused
	// until someone else owns it.
	if _, err := e.AddMember(ctx, ada, fa.org, org.AddMemberRequest{UserID: bob.ID, Role: org.RoleMember}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteUser(ctx, ada.ID); xerr.KindOf(err) != xerr.Conflict || ErrorCode(err) != "last_owner" {
		t.Fatalf("last owner: %v", err)
	}
	if err := e.RemoveMember(ctx, ada, fa.org, bob.ID); err != nil {
		t.Fatal(err)
	}

	if res, err := e.ix.Search(ctx, indexSearchAll("quokka", ada.ID, fa.org)); err != nil || res.Total < 5 {
		t.Fatalf("before the deletion the index finds %d of the user's entries (%v)", res.Total, err)
	}
	rep, err := e.DeleteUser(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.DeletedOrganizations) != 1 || rep.DeletedOrganizations[0] != fa.org || rep.IndexEntries == 0 {
		t.Fatalf("report: %+v", rep)
	}
	if err := e.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}

	// No row of any table mentions the user, in any column.
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		n, err := tx.CountMentions(ctx, ada.ID)
		for table, c := range n {
			t.Errorf("table %s still has %d rows naming the user", table, c)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing of theirs is in the index; the index holds exactly what
	// SQLite holds (Bob's content, and Ada's document in Bob's
	// organization, which stays with it).
	res, err := e.ix.Search(ctx, indexSearchAll("quokka", ada.ID, fa.org))
	if err != nil || res.Total != 0 {
		t.Fatalf("the index still finds the user's content: %d %v", res.Total, err)
	}
	var want int
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		want, err = tx.SearchableCount(ctx)
		return err
	})
	if got, _ := e.ix.Count(context.Background()); err != nil || int(got) != want {
		t.Fatalf("index has %d entries, SQLite %d searchable rows (%v)", got, want, err)
	}
	if o, err := e.GetOrganization(ctx, bob, shared.ID); err != nil || o.MemberCount != 1 {
		t.Fatalf("the shared organization's member count: %+v %v", o, err)
	}
	kb, err := e.SearchKnowledge(ctx, bob, knowledge.SearchRequest{Query: "quokka", OrganizationID: shared.ID})
	if err != nil || len(kb.Results) != 1 {
		t.Fatalf("the shared organization lost the document Ada uploaded: %+v %v", kb, err)
	}
	if _, err := e.Me(ctx, ada); xerr.KindOf(err) != xerr.NotFound && xerr.KindOf(err) != xerr.Unauthenticated {
		t.Fatalf("deleted user still has a profile: %v", err)
	}
	if _, err := e.DeleteUser(ctx, ada.ID); xerr.KindOf(err) != xerr.NotFound {
		t.Fatalf("second delete: %v", err)
	}
}

func xtimeOf(t time.Time) xtime.Time { return xtime.Of(t) }

// indexSearchAll asks the index for text among everything the owner and
// the organizations could ever have seen.
func indexSearchAll(text, owner string, orgs ...string) index.SearchOptions {
	return index.SearchOptions{Query: text, OwnerID: owner, OrgIDs: orgs, Size: 10,
		Types: []string{conversation.TypeConversation, conversation.TypeMessage, conversation.TypeNote,
			conversation.TypeTranscript, knowledge.TypeChunk}}
}

// A read the store runs again (a lost PostgreSQL connection) starts the
// export over while nothing has reached the output, and fails rather than
// writing the archive's start twice once something has.
func TestExportAttemptWriter(t *testing.T) {
	var out bytes.Buffer
	a := &attemptWriter{w: &out}
	bw := a.bw()
	if err := a.begin(); err != nil {
		t.Fatal(err)
	}
	bw.WriteString(`{"format":`)
	if err := a.begin(); err != nil { // retried with the start still buffered
		t.Fatal(err)
	}
	bw.WriteString(`{"format":"x"}`)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != `{"format":"x"}` {
		t.Fatalf("after a retry: %q", out.String())
	}
	big := strings.Repeat("x", 200<<10) // more than the buffer: part of it is out
	bw.WriteString(big)
	if err := a.begin(); xerr.KindOf(err) != xerr.Unavailable {
		t.Fatalf("a retry after output was written: %v, want unavailable", err)
	}
}
