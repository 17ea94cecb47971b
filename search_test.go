package xentree_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/xentreetest"
)

func search(t *testing.T, eng *xentree.Engine, u xentree.User, q string, types ...string) conversation.SearchResponse {
	t.Helper()
	res, err := eng.Search(ctx, u, conversation.SearchRequest{Query: q, Types: types})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res
}

func TestSearchOwnContent(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "Photosynthesis homework", InitialQuery: "How are plants running photosynthesis at night?"})
	n, _ := eng.CreateNote(ctx, ada, conversation.NoteCreateRequest{Title: "Chlorophyll", Content: "Chlorophyll absorbs red and blue light.", ConversationID: c.ID})
	bc, _ := eng.CreateConversation(ctx, bob, conversation.CreateRequest{Title: "Bob's photosynthesis", InitialQuery: "photosynthesis photosynthesis"})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}

	res := search(t, eng, ada, "photosynthesis")
	if res.Total != 2 || len(res.Hits) != 2 {
		t.Fatalf("ada's hits = %+v", res)
	}
	for _, h := range res.Hits {
		if h.ConversationID != c.ID || h.Title != "Photosynthesis homework" || !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("hit = %+v", h)
		}
	}
	if res.Hits[0].Type != "conversation" {
		t.Errorf("title match not first: %+v", res.Hits)
	}
	if got := search(t, eng, ada, "run", "message"); got.Total != 1 || got.Hits[0].Type != "message" {
		t.Errorf("stemmed, typed search = %+v", got)
	}
	if got := search(t, eng, ada, `"absorbs red"`); got.Total != 1 || got.Hits[0].ID != n.ID {
		t.Errorf("phrase search = %+v", got)
	}
	if got := search(t, eng, ada, `"red absorbs"`); got.Total != 0 {
		t.Errorf("phrase out of order matched: %+v", got)
	}
	if got := search(t, eng, bob, "photosynthesis"); got.Total != 2 {
		t.Errorf("bob's total = %d, want only his 2", got.Total)
	}
	for _, h := range search(t, eng, bob, "photosynthesis").Hits {
		if h.ConversationID != bc.ID {
			t.Errorf("bob sees %+v", h)
		}
	}
	if got := search(t, eng, bob, "chlorophyll"); got.Total != 0 || len(got.Hits) != 0 {
		t.Errorf("bob sees ada's note: %+v", got)
	}

	// Deleted content never shows, even before the index catches up.
	if err := eng.DeleteConversation(ctx, ada, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := search(t, eng, ada, "photosynthesis"); len(got.Hits) != 0 || got.Total != 0 {
		t.Errorf("after delete = %+v", got)
	}
	// The note survives, unlinked.
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := search(t, eng, ada, "chlorophyll"); got.Total != 1 || got.Hits[0].ConversationID != "" {
		t.Errorf("unlinked note = %+v", got)
	}
}

func TestSearchPagingAndValidation(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	u, _ := xentreetest.CreateUser(t, eng, "")
	for i := 0; i < 25; i++ {
		if _, err := eng.CreateNote(ctx, u, conversation.NoteCreateRequest{Content: "volcano note"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for off := 0; off < 30; off += 10 {
		res, err := eng.Search(ctx, u, conversation.SearchRequest{Query: "volcano", Limit: 10, Offset: off})
		if err != nil || res.Total != 25 {
			t.Fatalf("page %d: %+v %v", off, res.Total, err)
		}
		for _, h := range res.Hits {
			seen[h.ID] = true
		}
	}
	if len(seen) != 25 {
		t.Errorf("paged through %d distinct hits, want 25", len(seen))
	}
	// Tabs and newlines (a query pasted from a text) are white space.
	for _, q := range []string{"volcano\n", "\tvolcano", "volcano\r\nnote", "\"volcano\tnote\""} {
		res, err := eng.Search(ctx, u, conversation.SearchRequest{Query: q})
		if err != nil || res.Total != 25 || strings.ContainsAny(res.Query, "\t\r\n") {
			t.Errorf("search %q: %d hits, query %q, %v", q, res.Total, res.Query, err)
		}
	}
	// A type named many times is searched once (each is a clause per word).
	many := make([]string, 8000)
	for i := range many {
		many[i] = []string{"note", "message"}[i%2]
	}
	if res, err := eng.Search(ctx, u, conversation.SearchRequest{Query: strings.Repeat("volcano ", 60), Types: many}); err != nil || res.Total != 25 {
		t.Errorf("types repeated: %+v %v", res.Total, err)
	}
	if req := (conversation.SearchRequest{Query: "x", Types: many}); req.Validate(10, 50) != nil || len(req.Types) != 2 || len(many) != 8000 {
		t.Errorf("validated types %v (the caller's %d)", req.Types, len(many))
	}
	for name, req := range map[string]conversation.SearchRequest{
		"empty":        {Query: " \n\t "},
		"long":         {Query: strings.Repeat("a", 501)},
		"bad type":     {Query: "x", Types: []string{"users"}},
		"big limit":    {Query: "x", Limit: 51},
		"deep offset":  {Query: "x", Offset: 1001},
		"control char": {Query: "a\x00b"},
	} {
		if _, err := eng.Search(ctx, u, req); xentree.KindOf(err) != xentree.KindInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReindexAndStatus(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	u, _ := xentreetest.CreateUser(t, eng, "")
	admin, _ := xentreetest.CreateUser(t, eng, "")
	if err := eng.SetUserRole(ctx, admin.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	admin.Role = "admin"
	for i := 0; i < 3; i++ {
		eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "glacier trip", InitialQuery: "glaciers move slowly"})
	}
	eng.CreateNote(ctx, u, conversation.NoteCreateRequest{Content: "glacier note"})
	_, err := eng.SearchStatus(ctx, u)
	wantKind(t, err, xentree.KindForbidden)
	wantKind(t, eng.Reindex(ctx, u), xentree.KindForbidden)

	if err := eng.RebuildIndex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := search(t, eng, u, "glacier"); got.Total != 7 {
		t.Errorf("after rebuild total = %d, want 7", got.Total)
	}
	if err := eng.Reindex(ctx, admin); err != nil {
		t.Fatal(err)
	}
	// Close waits for the background rebuild; status before that may show it running.
	st, err := eng.SearchStatus(ctx, admin)
	if err != nil || st.Reindex == nil {
		t.Fatalf("status = %+v %v", st, err)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ = eng.SearchStatus(ctx, admin)
	if st.Documents != 7 || st.Pending != 0 || !st.Healthy || st.Reindex.Running || st.Reindex.Indexed != 7 || st.Reindex.Total != 7 {
		t.Errorf("status after reindex = %+v %+v", st, st.Reindex)
	}
}

// Content written while the index was unavailable (a CLI beside the server,
// or a crash before indexing) becomes searchable when an engine opens it.
func TestSearchCatchesUpAfterCrash(t *testing.T) {
	dir := t.TempDir()
	noIndex, err := xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir), xentreetest.WithConfig(func(c *xentree.Config) { c.DisableIndex = true })))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := xentreetest.CreateUser(t, noIndex, "ada@example.com")
	if _, err := noIndex.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Tectonics", InitialQuery: "continental drift"}); err != nil {
		t.Fatal(err)
	}
	_, err = noIndex.Search(ctx, u, conversation.SearchRequest{Query: "drift"})
	wantKind(t, err, xentree.KindUnavailable)
	noIndex.Close()

	eng := xentreetest.NewEngine(t, xentreetest.WithDir(dir))
	if got := search(t, eng, u, "drift"); got.Total != 1 {
		t.Errorf("after reopen = %+v", got)
	}
}

// TestLostIndexIsRebuilt: an index folder that disappeared (deleted by
// hand, not in a copied data folder) is rebuilt from SQLite at Open.
func TestLostIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	cfg := xentreetest.Config(t, xentreetest.WithDir(dir))
	eng, err := xentree.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := xentreetest.CreateUser(t, eng, "")
	if _, err := eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Volcanoes", InitialQuery: "What is magma?"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "index.bleve")); err != nil {
		t.Fatal(err)
	}
	eng, err = xentree.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := eng.Search(ctx, u, conversation.SearchRequest{Query: "magma"})
	if err != nil || res.Total != 1 {
		t.Fatalf("after losing the index: %+v %v", res, err)
	}
}

// TestKeySearchNeedsTheContentsScope: an API key reads Live transcripts and
// knowledge passages only with the scope their own routes need, through
// search and grounded chat as well.
func TestKeySearchNeedsTheContentsScope(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ada, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, ada, "Keys")
	c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "zephyr notes"})
	if err != nil {
		t.Fatal(err)
	}
	d := addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Winds", Content: "A zephyr is a gentle west wind."})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	ids := func(res conversation.SearchResponse) map[string]bool {
		got := map[string]bool{}
		for _, h := range res.Hits {
			got[h.ID] = true
		}
		return got
	}

	// The user's own session searches everything; so does a key with the scopes.
	for _, u := range []xentree.User{ada, keyUser(t, eng, ada, o.ID, auth.ScopeConversationsRead, auth.ScopeRAGRead, auth.ScopeLiveRead)} {
		if got := ids(search(t, eng, u, "zephyr")); !got[c.ID] || !got[d.ID] {
			t.Fatalf("%q finds %v", u.APIKeyID, got)
		}
	}
	// Without rag:read a key's default search leaves passages out, and asking for them is 403.
	narrow := keyUser(t, eng, ada, o.ID, auth.ScopeConversationsRead, auth.ScopeConversationsWrite)
	if got := ids(search(t, eng, narrow, "zephyr")); !got[c.ID] || got[d.ID] {
		t.Fatalf("conversations-only key finds %v", got)
	}
	for typ, scope := range map[string]string{"document": auth.ScopeRAGRead, "transcript": auth.ScopeLiveRead} {
		_, err = eng.Search(ctx, narrow, conversation.SearchRequest{Query: "zephyr", Types: []string{"message", typ}})
		wantErr(t, typ+" without its scope", err, xerr.Forbidden, auth.CodeInsufficientScope)
		if got := xerr.As(err).Details["required_scope"]; got != scope {
			t.Fatalf("%s: required_scope %v", typ, got)
		}
	}
	// Grounded chat reads the knowledge base: it needs rag:read too.
	_, err = eng.Chat(ctx, narrow, conversation.ChatRequest{Message: "What is a zephyr?", UseKnowledge: true})
	wantErr(t, "grounded chat without rag:read", err, xerr.Forbidden, auth.CodeInsufficientScope)
	if resp, err := eng.Chat(ctx, narrow, conversation.ChatRequest{Message: "What is a zephyr?"}); err != nil || len(resp.Citations) != 0 {
		t.Fatalf("chat without knowledge: %+v %v", resp, err)
	}
	grounded := keyUser(t, eng, ada, o.ID, auth.ScopeConversationsWrite, auth.ScopeRAGRead)
	if resp, err := eng.Chat(ctx, grounded, conversation.ChatRequest{Message: "What is a zephyr?", UseKnowledge: true}); err != nil || len(resp.Citations) == 0 {
		t.Fatalf("grounded chat with rag:read: %+v %v", resp, err)
	}
}
