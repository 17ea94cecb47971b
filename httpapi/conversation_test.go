package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

func jsonOf(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

// TestIsolationConversations: user B gets 404 for every conversation,
// message, note and session route of user A, and search never shows or
// counts A's content.
func TestIsolationConversations(t *testing.T) {
	env := newEnv(t)
	a := loggedIn(t, env)
	_, btok := xentreetest.CreateUser(t, env.eng, "bob@example.com")
	b := map[string]string{"Authorization": "Bearer " + btok.AccessToken}

	rec := env.do("POST", "/api/core/conversations", `{"title":"Secret plans","initial_query":"zeppelin blueprint"}`, a)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	conv := jsonOf(t, rec)["id"].(string)
	rec = env.do("POST", "/api/core/notes", `{"title":"zeppelin","content":"zeppelin note","conversation_id":"`+conv+`"}`, a)
	note := jsonOf(t, rec)["id"].(string)
	if rec := env.do("POST", "/api/core/conversations/"+conv+"/session/start", "", a); rec.Code != 201 {
		t.Fatalf("session start: %d %s", rec.Code, rec.Body)
	}
	if err := env.eng.WaitIndexed(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, url, body string }{
		{"GET", "/api/core/conversations/" + conv + "/messages", ""},
		{"DELETE", "/api/core/conversations/" + conv, ""},
		{"POST", "/api/core/conversations/" + conv + "/session/start", ""},
		{"POST", "/api/core/conversations/" + conv + "/session/activity", ""},
		{"POST", "/api/core/conversations/" + conv + "/session/end", ""},
		{"GET", "/api/core/conversations/" + conv + "/session/status", ""},
		{"GET", "/api/core/notes?conversation_id=" + conv, ""},
		{"PUT", "/api/core/notes/" + note, `{"title":"mine now"}`},
		{"DELETE", "/api/core/notes/" + note, ""},
		{"POST", "/api/core/chat", `{"message":"hi","conversation_id":"` + conv + `"}`},
		{"POST", "/api/core/notes", `{"content":"x","conversation_id":"` + conv + `"}`},
	} {
		rec := env.do(r.method, r.url, r.body, b)
		if rec.Code != 404 || strings.Contains(rec.Body.String(), "zeppelin") {
			t.Errorf("bob %s %s: %d %s, want 404", r.method, r.url, rec.Code, rec.Body)
		}
	}
	for _, url := range []string{"/api/core/conversations", "/api/core/notes"} {
		rec := env.do("GET", url, "", b)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "zeppelin") || strings.Contains(rec.Body.String(), conv) {
			t.Errorf("bob GET %s: %d %s", url, rec.Code, rec.Body)
		}
	}
	if got := jsonOf(t, env.do("GET", "/api/core/search?q=zeppelin", "", b)); got["total"] != 0.0 || len(got["hits"].([]any)) != 0 {
		t.Errorf("bob's search = %v, want nothing", got)
	}
	// Ada's content is intact and hers.
	if got := jsonOf(t, env.do("GET", "/api/core/search?q=zeppelin", "", a))["total"]; got != 2.0 {
		t.Errorf("ada's search total = %v, want 2 (message and note)", got)
	}
	if rec := env.do("GET", "/api/core/conversations/"+conv+"/messages", "", a); rec.Code != 200 || !strings.Contains(rec.Body.String(), "zeppelin blueprint") {
		t.Errorf("ada's messages: %d %s", rec.Code, rec.Body)
	}
}

func TestConversationRoutes(t *testing.T) {
	env := newEnv(t)
	a := loggedIn(t, env)
	rec := env.do("POST", "/api/core/conversations", `{"title":"New Conversation","initial_query":"string","source":"string"}`, a)
	body := jsonOf(t, rec)
	if rec.Code != 201 || body["title"] != "New Conversation" || body["source"] != "string" || body["message_count"] != 1.0 || body["created_at"] != "2026-04-16T10:00:00.000Z" {
		t.Fatalf("create (the seed's request): %d %v", rec.Code, body)
	}
	// Empty body is allowed: every field has a default.
	if rec := env.do("POST", "/api/core/conversations", "", a); rec.Code != 201 {
		t.Errorf("create without body: %d %s", rec.Code, rec.Body)
	}
	l := jsonOf(t, env.do("GET", "/api/core/conversations?limit=1", "", a))
	if items := l["items"].([]any); len(items) != 1 || l["next_cursor"] == nil {
		t.Errorf("page of 1 = %v", l)
	}
	l = jsonOf(t, env.do("GET", "/api/core/conversations?limit=1&cursor="+l["next_cursor"].(string), "", a))
	if items := l["items"].([]any); len(items) != 1 || l["next_cursor"] != nil {
		t.Errorf("second page = %v", l)
	}
	for _, tc := range []struct {
		url   string
		field string
	}{{"/api/core/conversations?limit=abc", "limit"}, {"/api/core/conversations?limit=0", "limit"}, {"/api/core/conversations?limit=500", "limit"},
		{"/api/core/conversations?cursor=zzz", "cursor"}, {"/api/core/search", "q"}, {"/api/core/search?q=x&types=spam", "types"}} {
		rec := env.do("GET", tc.url, "", a)
		if rec.Code != 400 || jsonOf(t, rec)["detail"].(map[string]any)["field"] != tc.field {
			t.Errorf("GET %s: %d %s, want 400 on %s", tc.url, rec.Code, rec.Body, tc.field)
		}
	}
	p := jsonOf(t, env.do("GET", "/api/core/providers", "", a))
	if p["default"] != "auto" || len(p["providers"].([]any)) == 0 {
		t.Errorf("providers = %v", p)
	}
	if rec := env.do("GET", "/api/core/search/status", "", a); rec.Code != 403 {
		t.Errorf("status as non-admin: %d", rec.Code)
	}
	if rec := env.do("POST", "/api/core/search/reindex", "", a); rec.Code != 403 {
		t.Errorf("reindex as non-admin: %d", rec.Code)
	}
	// Chat without streaming.
	rec = env.do("POST", "/api/core/chat", `{"message":"What is the capital of Peru?","provider":"auto","user_language":"de"}`, a)
	chat := jsonOf(t, rec)
	if rec.Code != 200 || chat["provider"] != "local" || !strings.Contains(chat["content"].(string), "KI-Modell") || chat["usage"] == nil {
		t.Errorf("chat: %d %v", rec.Code, chat)
	}
}

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct{ id, name, data string }

func readSSE(t *testing.T, body io.Reader, each func(sseEvent) bool) {
	t.Helper()
	sc := bufio.NewScanner(body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		case line == "":
			if !each(ev) {
				return
			}
			ev = sseEvent{}
		}
	}
}

func TestChatStreamSSE(t *testing.T) {
	env := newEnv(t)
	srv := httptest.NewServer(env.h)
	defer srv.Close()
	_, tok := xentreetest.CreateUser(t, env.eng, "ada@example.com")
	c, _ := env.eng.CreateConversation(context.Background(), mustAuth(t, env, tok.AccessToken), conversation.CreateRequest{})

	for _, mode := range []struct {
		name, body string
		accept     string
	}{
		{"stream flag", `{"message":"hello there","stream":true,"conversation_id":"` + c.ID + `"}`, ""},
		{"accept header", `{"message":"hello again","conversation_id":"` + c.ID + `"}`, "text/event-stream"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/core/chat", strings.NewReader(mode.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			if mode.accept != "" {
				req.Header.Set("Accept", mode.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
				t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
			}
			var deltas strings.Builder
			var done map[string]any
			n := 0
			readSSE(t, resp.Body, func(ev sseEvent) bool {
				switch ev.name {
				case "delta":
					var d struct{ Content string }
					json.Unmarshal([]byte(ev.data), &d)
					deltas.WriteString(d.Content)
					n++
				case "done":
					json.Unmarshal([]byte(ev.data), &done)
				default:
					t.Errorf("unexpected event %q %s", ev.name, ev.data)
				}
				return true
			})
			if done == nil || done["content"] != deltas.String() || n < 3 || done["message_id"] == nil || done["conversation_id"] != c.ID {
				t.Errorf("%d deltas %q, done %v", n, deltas.String(), done)
			}
		})
	}
	// Errors before the stream starts are plain JSON errors.
	req, _ := http.NewRequest("POST", srv.URL+"/api/core/chat", strings.NewReader(`{"message":"","stream":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("invalid stream request: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// A reconnect that sends back the stream's event id (as an SSE client does
// by itself with Last-Event-ID), or a retry with the same Idempotency-Key,
// replays the stored exchange instead of appending it again.
func TestChatRetryDoesNotAppendTwice(t *testing.T) {
	env := newEnv(t)
	srv := httptest.NewServer(env.h)
	defer srv.Close()
	u, tok := xentreetest.CreateUser(t, env.eng, "ada@example.com")
	c, _ := env.eng.CreateConversation(context.Background(), u, conversation.CreateRequest{})
	post := func(body string, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/api/core/chat", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	stream := func(headers ...string) (ids map[string]bool, content string, done map[string]any) {
		t.Helper()
		ids = map[string]bool{}
		var b strings.Builder
		readSSE(t, post(`{"message":"hello there","stream":true,"conversation_id":"`+c.ID+`"}`, headers...).Body, func(ev sseEvent) bool {
			ids[ev.id] = true
			switch ev.name {
			case "delta":
				var d struct{ Content string }
				json.Unmarshal([]byte(ev.data), &d)
				b.WriteString(d.Content)
			case "done":
				json.Unmarshal([]byte(ev.data), &done)
			}
			return true
		})
		return ids, b.String(), done
	}
	count := func() int {
		t.Helper()
		l, err := env.eng.ListMessages(context.Background(), u, c.ID, xentree.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}

	ids, content, done := stream()
	var id string
	for k := range ids {
		id = k
	}
	if len(ids) != 1 || id == "" || done == nil || done["content"] != content || count() != 2 {
		t.Fatalf("first stream: event ids %v, done %v, %d messages", ids, done, count())
	}
	again, replayed, done2 := stream("Last-Event-ID", id)
	if !again[id] || len(again) != 1 || replayed != content || done2["message_id"] != done["message_id"] || done2["content"] != content {
		t.Errorf("reconnect: ids %v, content %q, done %v; want the first exchange %v", again, replayed, done2, done)
	}
	if n := count(); n != 2 {
		t.Errorf("the reconnect appended: %d messages, want 2", n)
	}

	// Plain JSON with the Idempotency-Key header.
	var first, second map[string]any
	json.NewDecoder(post(`{"message":"one more","conversation_id":"`+c.ID+`"}`, "Idempotency-Key", "retry-1").Body).Decode(&first)
	json.NewDecoder(post(`{"message":"one more","conversation_id":"`+c.ID+`"}`, "Idempotency-Key", "retry-1").Body).Decode(&second)
	if first["message_id"] == nil || first["message_id"] != second["message_id"] || count() != 4 {
		t.Errorf("retried with a key: %v then %v, %d messages, want 4", first, second, count())
	}
	// The same key for another message is a conflict, not a replay.
	resp := post(`{"message":"something else","conversation_id":"` + c.ID + `","idempotency_key":"retry-1"}`)
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 409 || !strings.Contains(string(b), "idempotency_key_reused") {
		t.Errorf("key reused for another message: %d %s", resp.StatusCode, b)
	}
	if n := count(); n != 4 {
		t.Errorf("%d messages after the conflict, want 4", n)
	}
}

// gated is an embedder-supplied provider whose stream emits one piece, then
// waits until the request is cancelled: a model that is still talking when
// the client hangs up.
type gated struct{ started, returned chan struct{} }

func (g *gated) ID() string           { return "gated" }
func (g *gated) Name() string         { return "Gated" }
func (g *gated) Models() []string     { return nil }
func (g *gated) DefaultModel() string { return "gated-1" }
func (g *gated) Generate(ctx context.Context, r ai.Request) (ai.Response, error) {
	return g.Stream(ctx, r, func(ai.Delta) error { return nil })
}
func (g *gated) Stream(ctx context.Context, r ai.Request, fn func(ai.Delta) error) (ai.Response, error) {
	defer close(g.returned)
	if err := fn(ai.Delta{Content: "The first half "}); err != nil {
		return ai.Response{}, err
	}
	close(g.started)
	<-ctx.Done()
	return ai.Response{Content: "The first half ", Model: "gated-1"}, ctx.Err()
}

// A client that disconnects mid-stream cancels the provider call, the
// partial answer is stored marked incomplete, and no goroutine is left.
func TestChatStreamClientDisconnect(t *testing.T) {
	g := &gated{started: make(chan struct{}), returned: make(chan struct{})}
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.Providers = []ai.Provider{g}
	}))
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}))
	defer srv.Close()
	u, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	c, err := eng.CreateConversation(context.Background(), u, conversation.CreateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/core/chat",
		strings.NewReader(`{"message":"tell me a long story","stream":true,"provider":"gated","conversation_id":"`+c.ID+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	<-g.started
	cancel()
	resp.Body.Close()
	<-g.returned
	srv.Close() // waits for the handler to finish
	client.CloseIdleConnections()

	msgs, err := eng.ListMessages(context.Background(), u, c.ID, xentree.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs.Items) != 2 {
		t.Fatalf("messages = %+v", msgs.Items)
	}
	if m := msgs.Items[1]; m.Role != "assistant" || !m.Incomplete || m.Content != "The first half " || m.Provider != "gated" {
		t.Errorf("partial answer = %+v", m)
	}
	if errors.Is(ctx.Err(), context.Canceled) == false {
		t.Error("client context not cancelled")
	}
}

// Streaming end to end through httpapi with a real HTTP client, against
// fake OpenAI and Anthropic servers speaking their wire formats.
func TestChatStreamThroughRemoteProviders(t *testing.T) {
	oa := xentreetest.NewFakeOpenAI(t)
	an := xentreetest.NewFakeAnthropic(t)
	oa.SetReply("Lima is the capital of Peru.")
	an.SetReply("The capital of Peru is Lima.")
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.OpenAI = xentree.OpenAIConfig{APIKey: "sk-test-secret", BaseURL: oa.URL() + "/v1"}
		c.AI.Anthropic = xentree.AnthropicConfig{APIKey: "sk-ant-test-secret", BaseURL: an.URL()}
	}))
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}))
	defer srv.Close()
	u, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	c, _ := eng.CreateConversation(context.Background(), u, conversation.CreateRequest{})
	for _, tc := range []struct{ provider, want string }{
		{"openai", "Lima is the capital of Peru."},
		{"anthropic", "The capital of Peru is Lima."},
		{"auto", "Lima is the capital of Peru."}, // OpenAI is the default when configured
	} {
		t.Run(tc.provider, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/core/chat", strings.NewReader(
				`{"message":"What is the capital of Peru?","stream":true,"provider":"`+tc.provider+`","conversation_id":"`+c.ID+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var deltas strings.Builder
			var done map[string]any
			readSSE(t, resp.Body, func(ev sseEvent) bool {
				switch ev.name {
				case "delta":
					var d struct{ Content string }
					json.Unmarshal([]byte(ev.data), &d)
					deltas.WriteString(d.Content)
				case "done":
					json.Unmarshal([]byte(ev.data), &done)
				default:
					t.Errorf("event %s %s", ev.name, ev.data)
				}
				return true
			})
			if deltas.String() != tc.want || done == nil || done["content"] != tc.want || done["usage"] == nil {
				t.Errorf("deltas %q done %v", deltas.String(), done)
			}
		})
	}
	// The stored history reached the provider on the later calls.
	reqs := oa.Requests()
	if last := reqs[len(reqs)-1]; len(last.Messages) < 3 {
		t.Errorf("history not sent: %+v", last.Messages)
	}
	// A provider failure is a 503 with a stable code, and never shows the key.
	oa.FailNext(xentreetest.FailUnauthorized)
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/core/chat", strings.NewReader(`{"message":"hi","provider":"openai"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	httpapi.New(eng, httpapi.Config{}).ServeHTTP(rec, r)
	if rec.Code != 503 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), "provider_misconfigured") {
		t.Errorf("unauthorized upstream: %d %s", rec.Code, rec.Body)
	}
	p := jsonOf(t, func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/api/core/providers", nil)
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		httpapi.New(eng, httpapi.Config{}).ServeHTTP(rec, r)
		return rec
	}())
	if got := len(p["providers"].([]any)); got != 3 {
		t.Errorf("providers = %v", p)
	}
}

func TestLiveRoutes(t *testing.T) {
	env := newEnv(t, xentreetest.WithConfig(func(c *xentree.Config) { c.Live.Plans = map[string]int64{"free": 60} }))
	a := loggedIn(t, env)
	rec := env.do("POST", "/api/live/session/start", `{"session_type":"voice"}`, a)
	if rec.Code != 201 {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	sid := jsonOf(t, rec)["session_id"].(string)
	env.clock.Advance(61e9)
	rec = env.do("POST", "/api/live/session/heartbeat", `{"session_id":"`+sid+`"}`, a)
	want := `{"detail":{"error":"live_quota_exceeded","message":"Monthly Live session quota exceeded"}}` + "\n"
	if rec.Code != 429 || rec.Body.String() != want {
		t.Errorf("heartbeat past the allowance: %d %s, want 429 %s", rec.Code, rec.Body, want)
	}
	if rec := env.do("POST", "/api/live/session/start", `{"session_type":"voice"}`, a); rec.Code != 429 || rec.Body.String() != want {
		t.Errorf("start with nothing left: %d %s", rec.Code, rec.Body)
	}
	q := jsonOf(t, env.do("GET", "/api/live/quota", "", a))
	if q["used_seconds"] != 60.0 || q["remaining_seconds"] != 0.0 || q["plan"] != "free" {
		t.Errorf("quota = %v", q)
	}
	if rec := env.do("POST", "/api/live/session/start", `{"session_type":"hologram"}`, a); rec.Code != 400 {
		t.Errorf("unknown type: %d", rec.Code)
	}
	big := `{"session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T10:01:00Z","transcripts":[{"role":"user","text":"` +
		strings.Repeat("x", 1<<20) + `","timestamp":"2026-04-16T10:00:01Z"}]}`
	if rec := env.do("POST", "/api/live/transcripts", big, a); rec.Code != 413 {
		t.Errorf("1 MiB transcript: %d", rec.Code)
	}
	if rec := env.do("PUT", "/api/live/nickname", `{"nickname":"Ada"}`, a); rec.Code != 200 {
		t.Errorf("nickname: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/live/transcripts/"+sid, "", a); rec.Code != 404 {
		t.Errorf("unknown transcript: %d", rec.Code)
	}
}
