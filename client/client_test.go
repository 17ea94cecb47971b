package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/client"
	"github.com/xentree/xentree/client/local"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// side is one way in: an API for a user of its own engine, and the API of
// an API key made on that engine, reached the same way.
type side struct {
	name  string
	eng   *xentree.Engine
	api   client.API
	asKey func(t *testing.T, key string) client.API
}

// sides returns Local and Remote, each over a fresh engine with the same
// user, so the same calls must give the same answers but for ids.
func sides(t *testing.T) []side {
	t.Helper()
	localEng := xentreetest.NewEngine(t)
	u, _ := xentreetest.CreateUser(t, localEng, "ada@example.com")
	remoteEng := xentreetest.NewEngine(t)
	_, tok := xentreetest.CreateUser(t, remoteEng, "ada@example.com")
	srv := serve(t, remoteEng)
	return []side{
		{name: "Local", eng: localEng, api: local.New(localEng, u),
			asKey: func(t *testing.T, key string) client.API {
				ku, err := localEng.AuthenticateAPIKey(context.Background(), key, "127.0.0.1")
				if err != nil {
					t.Fatalf("AuthenticateAPIKey: %v", err)
				}
				return local.New(localEng, ku)
			}},
		{name: "Remote", eng: remoteEng, api: newRemote(t, srv.URL, client.WithToken(tok.AccessToken)),
			asKey: func(t *testing.T, key string) client.API { return newRemote(t, srv.URL, client.WithAPIKey(key)) }},
	}
}

func serve(t *testing.T, eng *xentree.Engine) *httptest.Server {
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}))
	t.Cleanup(srv.Close) // before the engine closes: cleanups run last first
	return srv
}

func newRemote(t *testing.T, url string, opts ...client.Option) *client.Remote {
	t.Helper()
	c, err := client.New(url, opts...)
	if err != nil {
		t.Fatalf("New(%q): %v", url, err)
	}
	return c
}

// state carries what earlier steps made, per side.
type state struct {
	eng  *xentree.Engine
	conv conversation.Conversation
	note conversation.Note
	org  org.Organization
}

func TestLocalAndRemoteAgree(t *testing.T) {
	ctx := context.Background()
	steps := []struct {
		name string
		run  func(api client.API, s *state) (any, error)
	}{
		{"Me", func(api client.API, s *state) (any, error) { return api.Me(ctx) }},
		{"CreateConversation", func(api client.API, s *state) (any, error) {
			var err error
			s.conv, err = api.CreateConversation(ctx, conversation.CreateRequest{Title: "Biology", InitialQuery: "What is photosynthesis?"})
			return s.conv, err
		}},
		{"ListConversations", func(api client.API, s *state) (any, error) { return api.ListConversations(ctx, xentree.Page{}) }},
		{"Chat", func(api client.API, s *state) (any, error) {
			return api.Chat(ctx, conversation.ChatRequest{Message: "How do plants use light?", ConversationID: s.conv.ID})
		}},
		{"ChatStream", func(api client.API, s *state) (any, error) {
			var got strings.Builder
			resp, err := api.ChatStream(ctx, conversation.ChatRequest{Message: "And in the dark?", ConversationID: s.conv.ID},
				func(d string) error { got.WriteString(d); return nil })
			if err == nil && got.String() != resp.Content {
				return nil, fmt.Errorf("deltas joined = %q, want the answer %q", got.String(), resp.Content)
			}
			return resp, err
		}},
		{"GetConversation", func(api client.API, s *state) (any, error) { return api.GetConversation(ctx, s.conv.ID) }},
		{"ListMessages", func(api client.API, s *state) (any, error) { return api.ListMessages(ctx, s.conv.ID, xentree.Page{}) }},
		{"ListMessagesPaged", func(api client.API, s *state) (any, error) {
			// Cursors hold ids, so only their use is compared.
			var pages [][]conversation.Message
			for p := (xentree.Page{Limit: 2}); ; {
				l, err := api.ListMessages(ctx, s.conv.ID, p)
				if err != nil {
					return nil, err
				}
				pages = append(pages, l.Items)
				if l.NextCursor == nil {
					return pages, nil
				}
				p.Cursor = *l.NextCursor
			}
		}},
		{"StartConversationSession", func(api client.API, s *state) (any, error) { return api.StartConversationSession(ctx, s.conv.ID) }},
		{"ConversationSessionStatus", func(api client.API, s *state) (any, error) { return api.ConversationSessionStatus(ctx, s.conv.ID) }},
		{"CreateNote", func(api client.API, s *state) (any, error) {
			var err error
			s.note, err = api.CreateNote(ctx, conversation.NoteCreateRequest{Title: "Light", Content: "Chlorophyll absorbs light.", ConversationID: s.conv.ID})
			return s.note, err
		}},
		{"UpdateNote", func(api client.API, s *state) (any, error) {
			content := "Chlorophyll absorbs red and blue light."
			return api.UpdateNote(ctx, s.note.ID, conversation.NoteUpdateRequest{Content: &content})
		}},
		{"ListNotes", func(api client.API, s *state) (any, error) { return api.ListNotes(ctx, s.conv.ID, xentree.Page{}) }},
		{"Search", func(api client.API, s *state) (any, error) {
			if err := s.eng.WaitIndexed(ctx); err != nil {
				return nil, err
			}
			return api.Search(ctx, conversation.SearchRequest{Query: "chlorophyll", Types: []string{"note", "message"}})
		}},
		{"DeleteNote", func(api client.API, s *state) (any, error) { return nil, api.DeleteNote(ctx, s.note.ID) }},
		{"ListNotesAfterDelete", func(api client.API, s *state) (any, error) { return api.ListNotes(ctx, "", xentree.Page{}) }},
		{"CreateOrganization", func(api client.API, s *state) (any, error) {
			var err error
			s.org, err = api.CreateOrganization(ctx, org.CreateRequest{Name: "Biology Club"})
			return s.org, err
		}},
		{"ListOrganizations", func(api client.API, s *state) (any, error) { return api.ListOrganizations(ctx, xentree.Page{}) }},
		{"ListMembers", func(api client.API, s *state) (any, error) { return api.ListMembers(ctx, s.org.ID, xentree.Page{}) }},
		{"EngagementStats", func(api client.API, s *state) (any, error) {
			return api.EngagementStats(ctx, adminstats.Request{OrganizationID: s.org.ID, StartDate: "2026-01-01", EndDate: "2026-01-31"})
		}},
		{"MemberProgress", func(api client.API, s *state) (any, error) {
			return api.MemberProgress(ctx, adminstats.DirectoryRequest{OrgID: s.org.ID, Sort: "email", Order: "desc", Limit: 10})
		}},
		{"ExportMemberProgress", func(api client.API, s *state) (any, error) {
			var b strings.Builder
			err := api.ExportMemberProgress(ctx, adminstats.DirectoryRequest{OrgID: s.org.ID}, &b)
			if err == nil && !strings.Contains(b.String(), "ada@example.com") {
				return nil, fmt.Errorf("CSV without the member: %q", b.String())
			}
			return b.String(), err
		}},
		{"CreateDocument", func(api client.API, s *state) (any, error) {
			return api.CreateDocument(ctx, knowledge.CreateRequest{Title: "Plants",
				Content: "Photosynthesis turns light, water and carbon dioxide into sugar. It happens in the chloroplasts of leaves."})
		}},
		{"UploadDocument", func(api client.API, s *state) (any, error) {
			return api.CreateDocument(ctx, knowledge.CreateRequest{Title: "Roots", FileName: "roots.md",
				File: []byte("# Roots\n\nRoots take up water and minerals from the soil.\n")})
		}},
		{"ListDocuments", func(api client.API, s *state) (any, error) { return api.ListDocuments(ctx, "", xentree.Page{}) }},
		{"SearchKnowledge", func(api client.API, s *state) (any, error) {
			if err := s.eng.WaitIndexed(ctx); err != nil {
				return nil, err
			}
			return api.SearchKnowledge(ctx, knowledge.SearchRequest{Query: "chloroplasts"})
		}},
		{"QueryKnowledge", func(api client.API, s *state) (any, error) {
			return api.QueryKnowledge(ctx, knowledge.RAGRequest{Query: "What do roots take up?"})
		}},
		{"ListModules", func(api client.API, s *state) (any, error) { return api.ListModules(ctx, "A1", "", xentree.Page{}) }},
		{"ListProviders", func(api client.API, s *state) (any, error) { return api.ListProviders(ctx) }},
		{"LiveQuota", func(api client.API, s *state) (any, error) { return api.LiveQuota(ctx) }},
		{"DeleteConversation", func(api client.API, s *state) (any, error) { return nil, api.DeleteConversation(ctx, s.conv.ID) }},
	}

	sds := sides(t)
	states := make([]*state, len(sds))
	norms := make([]*normalizer, len(sds))
	for i, sd := range sds {
		states[i], norms[i] = &state{eng: sd.eng}, &normalizer{}
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			var got [2]string
			for i, sd := range sds {
				v, err := step.run(sd.api, states[i])
				if err != nil {
					t.Fatalf("%s: %v", sd.name, err)
				}
				got[i] = norms[i].json(t, v)
			}
			if got[0] != got[1] {
				t.Errorf("answers differ:\n%s: %s\n%s: %s", sds[0].name, got[0], sds[1].name, got[1])
			}
		})
	}
}

// normalizer encodes a result as JSON with its ids replaced by their order
// of first appearance, so two engines' answers compare equal. Search
// scores are dropped: they depend on how indexing batches fell into Bleve
// segments, which differs between two engines given the same writes.
type normalizer struct{ ids map[string]string }

var (
	uuidRE  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	scoreRE = regexp.MustCompile(`"score":[-+.0-9eE]+`)
)

func (n *normalizer) json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	if n.ids == nil {
		n.ids = map[string]string{}
	}
	js := scoreRE.ReplaceAllString(string(b), `"score":0`)
	return uuidRE.ReplaceAllStringFunc(js, func(id string) string {
		if _, ok := n.ids[id]; !ok {
			n.ids[id] = fmt.Sprintf("id%d", len(n.ids)+1)
		}
		return n.ids[id]
	})
}

func TestErrorParity(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		call     func(t *testing.T, sd side) error
		wantKind xentree.Kind
		wantCode string
	}{
		{"missing conversation", func(t *testing.T, sd side) error {
			_, err := sd.api.GetConversation(ctx, "0196a3a0-0000-7000-8000-000000000000")
			return err
		}, xentree.KindNotFound, "not_found"},
		{"missing conversation's messages", func(t *testing.T, sd side) error {
			_, err := sd.api.ListMessages(ctx, "0196a3a0-0000-7000-8000-000000000000", xentree.Page{})
			return err
		}, xentree.KindNotFound, "not_found"},
		{"malformed id", func(t *testing.T, sd side) error {
			return sd.api.DeleteNote(ctx, "not/an id")
		}, xentree.KindNotFound, "not_found"},
		{"invalid field", func(t *testing.T, sd side) error {
			_, err := sd.api.CreateOrganization(ctx, org.CreateRequest{Name: " "})
			return err
		}, xentree.KindInvalid, "invalid_request"},
		{"invalid page", func(t *testing.T, sd side) error {
			_, err := sd.api.ListConversations(ctx, xentree.Page{Limit: -1})
			return err
		}, xentree.KindInvalid, "invalid_request"},
		{"unknown provider", func(t *testing.T, sd side) error {
			_, err := sd.api.ChatStream(ctx, conversation.ChatRequest{Message: "Hi", Provider: "nope"}, func(string) error { return nil })
			return err
		}, xentree.KindInvalid, "unknown_provider"},
		{"key without scope", func(t *testing.T, sd side) error {
			o, err := sd.api.CreateOrganization(ctx, org.CreateRequest{Name: "Readers"})
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			k, err := sd.api.CreateAPIKey(ctx, org.CreateKeyRequest{Name: "reports", OrganizationID: o.ID, Scopes: []string{auth.ScopeConversationsRead}})
			if err != nil {
				t.Fatalf("CreateAPIKey: %v", err)
			}
			_, err = sd.asKey(t, k.Key).LiveQuota(ctx)
			return err
		}, xentree.KindForbidden, auth.CodeInsufficientScope},
		{"key on a session-only call", func(t *testing.T, sd side) error {
			o, err := sd.api.CreateOrganization(ctx, org.CreateRequest{Name: "Profiles"})
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			k, err := sd.api.CreateAPIKey(ctx, org.CreateKeyRequest{Name: "me", OrganizationID: o.ID, Scopes: auth.Scopes})
			if err != nil {
				t.Fatalf("CreateAPIKey: %v", err)
			}
			_, err = sd.asKey(t, k.Key).Me(ctx)
			return err
		}, xentree.KindForbidden, "api_key_not_allowed"},
	}
	sds := sides(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errs [2]*xentree.Error
			for i, sd := range sds {
				err := tc.call(t, sd)
				if got := xentree.KindOf(err); got != tc.wantKind {
					t.Errorf("%s: KindOf = %v, want %v (err %v)", sd.name, got, tc.wantKind, err)
				}
				if got := xentree.ErrorCode(err); got != tc.wantCode {
					t.Errorf("%s: ErrorCode = %q, want %q", sd.name, got, tc.wantCode)
				}
				if !errors.As(err, &errs[i]) {
					t.Fatalf("%s: %v is not a *xentree.Error", sd.name, err)
				}
			}
			l, r := errs[0], errs[1]
			if l.Field != r.Field || l.Message != r.Message {
				t.Errorf("Remote field, message = %q, %q, want Local's %q, %q", r.Field, r.Message, l.Field, l.Message)
			}
			if ld, rd := mustJSON(t, l.Details), mustJSON(t, r.Details); ld != rd {
				t.Errorf("Remote Details = %s, want Local's %s", rd, ld)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChatStreamStops(t *testing.T) {
	ctx := context.Background()
	stop := errors.New("enough")
	sds := sides(t)
	for _, sd := range sds {
		t.Run(sd.name, func(t *testing.T) {
			calls := 0
			_, err := sd.api.ChatStream(ctx, conversation.ChatRequest{Message: "Tell me about leaves."},
				func(string) error { calls++; return stop })
			if !errors.Is(err, stop) || calls != 1 {
				t.Errorf("ChatStream = %v after %d deltas, want %v after 1", err, calls, stop)
			}
		})
	}
	t.Run("Remote cancelled", func(t *testing.T) {
		api := sds[1].api
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := api.ChatStream(cctx, conversation.ChatRequest{Message: "Tell me about leaves."},
			func(string) error { cancel(); return nil })
		if !errors.Is(err, context.Canceled) || xentree.KindOf(err) != xentree.KindUnavailable {
			t.Errorf("ChatStream after cancel = %v (kind %v), want context.Canceled (unavailable)", err, xentree.KindOf(err))
		}
	})
}

func TestLoginRefresh(t *testing.T) {
	ctx := context.Background()
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	var refreshes atomic.Int64
	h := httpapi.New(eng, httpapi.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth/refresh" {
			refreshes.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newRemote(t, srv.URL)

	if _, err := c.Refresh(ctx); xentree.KindOf(err) != xentree.KindUnauthenticated {
		t.Errorf("Refresh before Login = %v, want unauthenticated", err)
	}
	if _, err := c.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: xentreetest.Password}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := c.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "wrong password"}); xentree.ErrorCode(err) != "invalid_credentials" {
		t.Errorf("Login with a wrong password = %v, want invalid_credentials", err)
	}
	tok, err := c.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if a, r := c.Tokens(); a != tok.AccessToken || r != tok.RefreshToken {
		t.Errorf("Tokens after Login = %q, %q, want the login's", a, r)
	}
	me := func(when string) {
		t.Helper()
		if p, err := c.Me(ctx); err != nil || p.Email != "ada@example.com" {
			t.Errorf("Me %s = %q, %v, want ada@example.com", when, p.Email, err)
		}
	}
	me("after Login")

	tok2, err := c.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if a, r := c.Tokens(); a != tok2.AccessToken || r != tok2.RefreshToken || r == tok.RefreshToken {
		t.Errorf("Tokens after Refresh = %q, %q, want the new pair %q, %q", a, r, tok2.AccessToken, tok2.RefreshToken)
	}
	me("after Refresh")

	// Requests that meet an expired access token together refresh it once:
	// overlapping refreshes would reuse a spent refresh token, which revokes
	// the session.
	for round := range 2 {
		clock.Advance(16 * time.Minute)
		before := refreshes.Load()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { me(fmt.Sprintf("after expiry %d", round)) })
		}
		wg.Wait()
		if n := refreshes.Load() - before; n != 1 {
			t.Errorf("round %d: %d refreshes, want 1", round, n)
		}
	}

	// A client that was given only the refresh token starts with a refresh.
	_, rt := c.Tokens()
	c2 := newRemote(t, srv.URL, client.WithRefreshToken(rt))
	if p, err := c2.Me(ctx); err != nil || p.Email != "ada@example.com" {
		t.Errorf("Me with only a refresh token = %q, %v, want ada@example.com", p.Email, err)
	}

	if err := c2.Logout(ctx, auth.LogoutRequest{}); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if a, r := c2.Tokens(); a != "" || r != "" {
		t.Errorf("Tokens after Logout = %q, %q, want none", a, r)
	}
	if _, err := c2.Me(ctx); xentree.KindOf(err) != xentree.KindUnauthenticated {
		t.Errorf("Me after Logout = %v, want unauthenticated", err)
	}
}

func TestLoginRateLimitRetryAfter(t *testing.T) {
	ctx := context.Background()
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.LoginRateLimit.Max = 1 }))
	xentreetest.CreateUser(t, eng, "ada@example.com")
	c := newRemote(t, serve(t, eng).URL)
	var err error
	for range 3 {
		if _, err = c.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "wrong password"}); xentree.KindOf(err) == xentree.KindRateLimited {
			break
		}
	}
	var e *xentree.Error
	if !errors.As(err, &e) || e.Kind != xentree.KindRateLimited || e.PublicCode() != "rate_limited" || e.RetryAfter < time.Second {
		t.Errorf("Login after failures = %#v, want rate_limited with a RetryAfter of at least 1s", err)
	}
}

// TestErrorEnvelopes checks statuses and bodies httpapi does not produce
// today but a proxy, a newer server or a failing stream can.
func TestErrorEnvelopes(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		wantKind  xentree.Kind
		wantCode  string
		wantField string
		wantRetry time.Duration
	}{
		{"rate limited", 429, map[string]string{"Retry-After": "7"}, `{"detail":{"error":"rate_limited","message":"slow down"}}`,
			xentree.KindRateLimited, "rate_limited", "", 7 * time.Second},
		{"provider rate limited", 429, nil, `{"detail":{"error":"provider_rate_limited","message":"m"}}`,
			xentree.KindRateLimited, "provider_rate_limited", "", 0},
		{"quota", 429, nil, `{"detail":{"error":"live_quota_exceeded","message":"Monthly Live session quota exceeded"}}`,
			xentree.KindQuota, "live_quota_exceeded", "", 0},
		{"field", 400, nil, `{"detail":{"error":"invalid_request","message":"is required","field":"title"}}`,
			xentree.KindInvalid, "invalid_request", "title", 0},
		{"proxy page", 502, nil, `<html>Bad Gateway</html>`, xentree.KindUnavailable, "unavailable", "", 0},
		{"unknown 4xx", 422, nil, `{}`, xentree.KindInvalid, "invalid_request", "", 0},
		{"stream error", 200, map[string]string{"Content-Type": "text/event-stream"},
			"event: delta\ndata: {\"content\":\"Half\"}\n\nevent: error\ndata: {\"detail\":{\"error\":\"provider_unavailable\",\"message\":\"down\"}}\n\n",
			xentree.KindUnavailable, "provider_unavailable", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := newRemote(t, srv.URL).ChatStream(context.Background(), conversation.ChatRequest{Message: "Hi"}, func(string) error { return nil })
			var e *xentree.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *xentree.Error", err)
			}
			if e.Kind != tc.wantKind || e.PublicCode() != tc.wantCode || e.Field != tc.wantField || e.RetryAfter != tc.wantRetry {
				t.Errorf("err = kind %v, code %q, field %q, retry %v; want %v, %q, %q, %v",
					e.Kind, e.PublicCode(), e.Field, e.RetryAfter, tc.wantKind, tc.wantCode, tc.wantField, tc.wantRetry)
			}
		})
	}
}

// TestAPICoversEngine keeps API in step with the Engine: every method that
// takes a User is in API with the same arguments less the user, and every
// API method is an Engine method.
func TestAPICoversEngine(t *testing.T) {
	eng := reflect.TypeFor[*xentree.Engine]()
	api := reflect.TypeFor[client.API]()
	userT := reflect.TypeFor[xentree.User]()
	for i := range eng.NumMethod() {
		m := eng.Method(i)
		takesUser := m.Type.NumIn() > 2 && m.Type.In(2) == userT // In(0) is the receiver
		if _, inAPI := api.MethodByName(m.Name); takesUser && !inAPI {
			t.Errorf("Engine.%s takes a User but is not in client.API", m.Name)
		}
	}
	for i := range api.NumMethod() {
		am := api.Method(i)
		em, ok := eng.MethodByName(am.Name)
		if !ok {
			t.Errorf("API.%s is not an Engine method", am.Name)
			continue
		}
		var want []reflect.Type
		for j := 1; j < em.Type.NumIn(); j++ {
			if j != 2 || em.Type.In(j) != userT {
				want = append(want, em.Type.In(j))
			}
		}
		var got []reflect.Type
		for j := range am.Type.NumIn() {
			got = append(got, am.Type.In(j))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("API.%s takes %v, want the Engine's %v less the user", am.Name, got, want)
		}
		if em.Type.Out(0) != am.Type.Out(0) {
			t.Errorf("API.%s returns %v, want the Engine's %v", am.Name, am.Type.Out(0), em.Type.Out(0))
		}
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://example.com", "http://example.com/?a=b", "http://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) = nil error, want one", u)
		}
	}
}
