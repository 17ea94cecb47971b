package xentree_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/xentreetest"
)

func TestCreateAndListConversations(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	user, _ := xentreetest.CreateUser(t, eng, "")

	c, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{InitialQuery: "What is osmosis?", Source: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "New Conversation" || c.Source != "web" || c.MessageCount != 1 {
		t.Errorf("created = %+v", c)
	}
	msgs, err := eng.ListMessages(ctx, user, c.ID, xentree.Page{})
	if err != nil || len(msgs.Items) != 1 || msgs.Items[0].Content != "What is osmosis?" || msgs.Items[0].Role != "user" {
		t.Fatalf("initial query not stored as first message: %+v %v", msgs, err)
	}

	// 7 more, a second apart: the list is newest-updated first, in pages.
	for i := 0; i < 7; i++ {
		clock.Advance(time.Second)
		if _, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{Title: "c" + string(rune('0'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	var titles []string
	p := xentree.Page{Limit: 3}
	for pages := 0; ; pages++ {
		l, err := eng.ListConversations(ctx, user, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Items {
			titles = append(titles, c.Title)
		}
		if l.NextCursor == nil {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		p.Cursor = *l.NextCursor
	}
	want := "c6 c5 c4 c3 c2 c1 c0 New Conversation"
	if got := strings.Join(titles, " "); got != want {
		t.Errorf("titles = %q, want %q", got, want)
	}
	// A new message moves a conversation to the front.
	clock.Advance(time.Second)
	if _, err := eng.Chat(ctx, user, conversation.ChatRequest{Message: "hello", ConversationID: c.ID}); err != nil {
		t.Fatal(err)
	}
	l, _ := eng.ListConversations(ctx, user, xentree.Page{Limit: 1})
	if l.Items[0].ID != c.ID || l.Items[0].MessageCount != 3 {
		t.Errorf("after chat, first = %+v", l.Items[0])
	}
}

func TestConversationValidation(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, _ := xentreetest.CreateUser(t, eng, "")
	for _, tc := range []struct {
		name string
		req  conversation.CreateRequest
		kind xentree.Kind
	}{
		{"long title", conversation.CreateRequest{Title: strings.Repeat("t", 201)}, xentree.KindInvalid},
		{"control char in title", conversation.CreateRequest{Title: "a\x07b"}, xentree.KindInvalid},
		{"huge initial query", conversation.CreateRequest{InitialQuery: strings.Repeat("q", 32<<10+1)}, xentree.KindTooLarge},
	} {
		_, err := eng.CreateConversation(ctx, user, tc.req)
		if xentree.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}
	for _, p := range []xentree.Page{{Limit: 201}, {Limit: -1}, {Cursor: "garbage"}} {
		if _, err := eng.ListConversations(ctx, user, p); xentree.KindOf(err) != xentree.KindInvalid {
			t.Errorf("page %+v: %v", p, err)
		}
	}
}

func TestChatStoresExchangeAndUsesHistory(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, user, conversation.CreateRequest{})
	first, err := eng.Chat(ctx, user, conversation.ChatRequest{Message: "My chemistry exam is on the ninth of June.", ConversationID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if first.Provider != "local" || first.Model != "xentree-local-1" || first.Usage == nil || first.MessageID == "" || first.ConversationID != c.ID {
		t.Errorf("response = %+v", first)
	}
	second, err := eng.Chat(ctx, user, conversation.ChatRequest{Message: "When is my chemistry exam?", ConversationID: c.ID, Provider: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.Content, "ninth of June") {
		t.Errorf("stored history not used: %q", second.Content)
	}
	msgs, _ := eng.ListMessages(ctx, user, c.ID, xentree.Page{})
	var roles []string
	for _, m := range msgs.Items {
		roles = append(roles, m.Role)
	}
	if got := strings.Join(roles, ","); got != "user,assistant,user,assistant" {
		t.Errorf("roles = %s", got)
	}
	if a := msgs.Items[3]; a.Provider != "local" || a.Model != "xentree-local-1" || a.Content != second.Content || a.ID != second.MessageID {
		t.Errorf("stored answer = %+v", a)
	}
	// Without a conversation: the client's history is the context, nothing stored.
	r, err := eng.Chat(ctx, user, conversation.ChatRequest{Message: "When is my chemistry exam?", UserLanguage: "en",
		ConversationHistory: []conversation.HistoryItem{{Role: "user", Content: "My chemistry exam is on Friday."}}})
	if err != nil || !strings.Contains(r.Content, "Friday") || r.MessageID != "" {
		t.Errorf("history chat = %+v, %v", r, err)
	}
}

func TestChatErrors(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, ada, conversation.CreateRequest{})
	for _, tc := range []struct {
		name  string
		req   conversation.ChatRequest
		kind  xentree.Kind
		field string
	}{
		{"empty message", conversation.ChatRequest{Message: "  "}, xentree.KindInvalid, "message"},
		{"unknown provider", conversation.ChatRequest{Message: "hi", Provider: "skynet"}, xentree.KindInvalid, "provider"},
		{"unknown model", conversation.ChatRequest{Message: "hi", Model: "gpt-9"}, xentree.KindInvalid, "model"},
		{"bad history role", conversation.ChatRequest{Message: "hi", ConversationHistory: []conversation.HistoryItem{{Role: "tool", Content: "x"}}}, xentree.KindInvalid, "conversation_history"},
		{"bad language", conversation.ChatRequest{Message: "hi", UserLanguage: "en us!"}, xentree.KindInvalid, "user_language"},
		{"huge message", conversation.ChatRequest{Message: strings.Repeat("x", 32<<10+1)}, xentree.KindTooLarge, "message"},
		{"another user's conversation", conversation.ChatRequest{Message: "hi", ConversationID: c.ID}, xentree.KindNotFound, ""},
		{"malformed conversation id", conversation.ChatRequest{Message: "hi", ConversationID: "nope"}, xentree.KindNotFound, ""},
	} {
		_, err := eng.Chat(ctx, bob, tc.req)
		xe, _ := err.(*xentree.Error)
		if xentree.KindOf(err) != tc.kind || (xe != nil && xe.Field != tc.field) {
			t.Errorf("%s: %v, want %v on %q", tc.name, err, tc.kind, tc.field)
		}
	}
	if msgs, _ := eng.ListMessages(ctx, ada, c.ID, xentree.Page{}); len(msgs.Items) != 0 {
		t.Errorf("bob's attempt wrote into ada's conversation: %+v", msgs.Items)
	}
}

func TestNotes(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	user, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, user, conversation.CreateRequest{Title: "Biology"})
	n1, err := eng.CreateNote(ctx, user, conversation.NoteCreateRequest{Title: "Cells", Content: "Mitochondria make ATP.", ConversationID: c.ID})
	if err != nil || n1.ConversationID == nil || *n1.ConversationID != c.ID {
		t.Fatalf("create linked note: %+v %v", n1, err)
	}
	clock.Advance(time.Second)
	n2, err := eng.CreateNote(ctx, user, conversation.NoteCreateRequest{Content: "Loose thought"})
	if err != nil || n2.ConversationID != nil {
		t.Fatalf("create note: %+v %v", n2, err)
	}
	if l, _ := eng.ListNotes(ctx, user, "", xentree.Page{}); len(l.Items) != 2 || l.Items[0].ID != n2.ID {
		t.Errorf("list all = %+v", l.Items)
	}
	if l, _ := eng.ListNotes(ctx, user, c.ID, xentree.Page{}); len(l.Items) != 1 || l.Items[0].ID != n1.ID {
		t.Errorf("list by conversation = %+v", l.Items)
	}
	clock.Advance(time.Second)
	title := "Cell energy"
	up, err := eng.UpdateNote(ctx, user, n1.ID, conversation.NoteUpdateRequest{Title: &title})
	if err != nil || up.Title != title || up.Content != n1.Content || !up.UpdatedAt.After(n1.UpdatedAt.Time) {
		t.Errorf("update = %+v %v", up, err)
	}
	// An update leaves a note as a create must: a title or content that is not blank.
	blank, spaces := "", "   \n "
	_, err = eng.UpdateNote(ctx, user, n1.ID, conversation.NoteUpdateRequest{Title: &blank, Content: &spaces})
	wantKind(t, err, xentree.KindInvalid)
	for name, req := range map[string]conversation.NoteCreateRequest{
		"empty":             {},
		"huge":              {Content: strings.Repeat("n", 64<<10+1)},
		"foreign conv":      {Content: "x", ConversationID: "00000000-0000-7000-8000-000000000000"},
		"malformed conv id": {Content: "x", ConversationID: "x"},
	} {
		if _, err := eng.CreateNote(ctx, user, req); err == nil {
			t.Errorf("%s note accepted", name)
		}
	}
	// Deleting the conversation keeps the note, unlinked.
	if err := eng.DeleteConversation(ctx, user, c.ID); err != nil {
		t.Fatal(err)
	}
	l, _ := eng.ListNotes(ctx, user, "", xentree.Page{})
	if len(l.Items) != 2 || l.Items[0].ConversationID != nil {
		t.Errorf("after conversation delete: %+v", l.Items)
	}
	if err := eng.DeleteNote(ctx, user, n2.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, eng.DeleteNote(ctx, user, n2.ID), xentree.KindNotFound)
}

func TestLearningSession(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	user, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, user, conversation.CreateRequest{})

	st, err := eng.ConversationSessionStatus(ctx, user, c.ID)
	if err != nil || st.Status != "none" {
		t.Fatalf("status before start = %+v %v", st, err)
	}
	_, err = eng.RecordConversationActivity(ctx, user, c.ID)
	wantKind(t, err, xentree.KindConflict)

	s, err := eng.StartConversationSession(ctx, user, c.ID)
	if err != nil || s.Status != "active" || s.ActiveSeconds != 0 {
		t.Fatalf("start = %+v %v", s, err)
	}
	steps := []struct {
		advance time.Duration
		want    int64 // active seconds after the activity
	}{
		{30 * time.Second, 30},
		{4 * time.Minute, 270},
		{5 * time.Minute, 570},  // exactly the idle limit still counts
		{20 * time.Minute, 570}, // away: not counted
		{10 * time.Second, 580},
		{-2 * time.Second, 580}, // a clock behind (another node's): counts nothing, moves nothing back
		{10 * time.Second, 588}, // 8 s since the latest activity, not 10
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		got, err := eng.RecordConversationActivity(ctx, user, c.ID)
		if err != nil || got.ActiveSeconds != st.want || got.SessionID != s.SessionID {
			t.Fatalf("step %d: %+v %v; want %d s", i, got, err, st.want)
		}
	}
	again, _ := eng.StartConversationSession(ctx, user, c.ID)
	if again.SessionID != s.SessionID || again.ActiveSeconds != 588 {
		t.Errorf("second start replaced the active session: %+v", again)
	}
	clock.Advance(time.Minute)
	end, err := eng.EndConversationSession(ctx, user, c.ID)
	if err != nil || end.Status != "ended" || end.ActiveSeconds != 648 || end.EndedAt == nil {
		t.Errorf("end = %+v %v", end, err)
	}
	_, err = eng.EndConversationSession(ctx, user, c.ID)
	wantKind(t, err, xentree.KindConflict)
	st, _ = eng.ConversationSessionStatus(ctx, user, c.ID)
	if st.Status != "ended" || st.SessionID != s.SessionID {
		t.Errorf("status after end = %+v", st)
	}
	if next, err := eng.StartConversationSession(ctx, user, c.ID); err != nil || next.SessionID == s.SessionID {
		t.Errorf("new session after end: %+v %v", next, err)
	}
}

// A provider that fails before answering leaves the conversation as it was,
// so the client can simply retry.
func TestChatProviderFailureStoresNothing(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.OpenAI = xentree.OpenAIConfig{APIKey: "sk-test", BaseURL: fake.URL() + "/v1"}
	}))
	u, _ := xentreetest.CreateUser(t, eng, "")
	c, _ := eng.CreateConversation(ctx, u, conversation.CreateRequest{})
	fake.FailNext(xentreetest.FailUnauthorized)
	_, err := eng.Chat(ctx, u, conversation.ChatRequest{Message: "hello", ConversationID: c.ID})
	if xentree.ErrorCode(err) != "provider_misconfigured" {
		t.Fatalf("err = %v", err)
	}
	if msgs, _ := eng.ListMessages(ctx, u, c.ID, xentree.Page{}); len(msgs.Items) != 0 {
		t.Errorf("failed chat stored %+v", msgs.Items)
	}
	fake.SetReply("Hi there.")
	r, err := eng.Chat(ctx, u, conversation.ChatRequest{Message: "hello", ConversationID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := eng.ListMessages(ctx, u, c.ID, xentree.Page{})
	if len(msgs.Items) != 2 || msgs.Items[0].Content != "hello" || msgs.Items[1].ID != r.MessageID {
		t.Errorf("retry stored %+v", msgs.Items)
	}
	if got, _ := eng.GetConversation(ctx, u, c.ID); got.MessageCount != 2 {
		t.Errorf("message_count = %d, want 2", got.MessageCount)
	}
}

// A caller that stops a stream (its fn fails: an SSE client gone) gets its
// own error back, not a provider failure; with a conversation the partial
// answer is stored, marked incomplete.
func TestChatStreamStoppedByCaller(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	u, _ := xentreetest.CreateUser(t, eng, "")
	stop := errors.New("client went away")
	deltas := 0
	fn := func(string) error {
		if deltas++; deltas == 2 {
			return stop
		}
		return nil
	}
	_, err := eng.ChatStream(ctx, u, conversation.ChatRequest{Message: "Tell me about the water cycle"}, fn)
	if !errors.Is(err, stop) || xentree.ErrorCode(err) == "provider_unavailable" {
		t.Errorf("stopped without a conversation: %v, want the caller's error, not the provider's", err)
	}
	c, _ := eng.CreateConversation(ctx, u, conversation.CreateRequest{})
	deltas = 0
	r, err := eng.ChatStream(ctx, u, conversation.ChatRequest{Message: "Tell me about the water cycle", ConversationID: c.ID}, fn)
	if !errors.Is(err, stop) || xentree.ErrorCode(err) == "provider_unavailable" || !r.Incomplete || r.MessageID == "" {
		t.Errorf("stopped in a conversation: %+v %v", r, err)
	}
	// A caller whose context ends mid-answer (a client gone) is not a
	// provider failure either.
	cctx, cancel := context.WithCancel(ctx)
	_, err = eng.ChatStream(cctx, u, conversation.ChatRequest{Message: "Tell me about the water cycle"}, func(string) error {
		cancel()
		return nil
	})
	if err == nil || xentree.KindOf(err) != xentree.KindUnavailable || xentree.ErrorCode(err) == "provider_unavailable" {
		t.Errorf("a cancelled caller: %v (%s), want unavailable, not the provider's", err, xentree.ErrorCode(err))
	}
}

// Requests with one idempotency key append one exchange, however many
// arrive and however they overlap; the key with another message conflicts.
func TestChatIdempotencyKey(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, _ := xentreetest.CreateUser(t, eng, "")
	c, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	req := conversation.ChatRequest{Message: "What is osmosis?", ConversationID: c.ID, IdempotencyKey: "k-1"}
	const n = 8
	resps := make([]conversation.ChatResponse, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				resps[i], errs[i] = eng.Chat(ctx, user, req)
				return
			}
			var b strings.Builder
			resps[i], errs[i] = eng.ChatStream(ctx, user, req, func(d string) error { b.WriteString(d); return nil })
			if errs[i] == nil && b.String() != resps[i].Content {
				t.Errorf("streamed %q, answered %q", b.String(), resps[i].Content)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || resps[i].MessageID != resps[0].MessageID || resps[i].Content != resps[0].Content || resps[i].MessageID == "" {
			t.Errorf("request %d: %+v %v, want the exchange of %+v", i, resps[i], errs[i], resps[0])
		}
	}
	msgs, err := eng.ListMessages(ctx, user, c.ID, xentree.Page{})
	if err != nil || len(msgs.Items) != 2 {
		t.Fatalf("%d messages after %d requests with one key, want 2 (%v)", len(msgs.Items), n, err)
	}

	req.Message = "Something else"
	_, err = eng.Chat(ctx, user, req)
	if xentree.KindOf(err) != xentree.KindConflict || xentree.ErrorCode(err) != "idempotency_key_reused" {
		t.Errorf("key reused for another message: %v", err)
	}
	// Keys are per conversation: the same key elsewhere is a new exchange.
	c2, _ := eng.CreateConversation(ctx, user, conversation.CreateRequest{})
	req.ConversationID = c2.ID
	if r, err := eng.Chat(ctx, user, req); err != nil || r.MessageID == resps[0].MessageID {
		t.Errorf("the key in another conversation: %+v %v", r, err)
	}
}
