package httpapi_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
	"github.com/xentree/xentree/xtime"
)

// isolationCalls says how to call every non-public route: the query and
// the body, with {placeholders} for the resources of the user under attack.
// TestIsolationMatrix fails for a route missing here, so a new route cannot
// be left out.
var isolationCalls = map[string]struct{ query, body string }{
	"GET /api/api-keys":                                               {query: "organization_id={org}"},
	"POST /api/api-keys":                                              {body: `{"name":"k","organization_id":"{org}","scopes":["conversations:read"]}`},
	"DELETE /api/api-keys/{key_id}":                                   {},
	"POST /api/auth/logout":                                           {body: `{}`},
	"GET /api/auth/me":                                                {},
	"PATCH /api/auth/me":                                              {body: `{"full_name":"Mallory"}`},
	"POST /api/core/chat":                                             {body: `{"message":"hello","conversation_id":"{conv}"}`},
	"GET /api/core/conversations":                                     {},
	"POST /api/core/conversations":                                    {body: `{"title":"mine"}`},
	"GET /api/core/conversations/{conversation_id}":                   {},
	"DELETE /api/core/conversations/{conversation_id}":                {},
	"GET /api/core/conversations/{conversation_id}/messages":          {},
	"POST /api/core/conversations/{conversation_id}/session/activity": {},
	"POST /api/core/conversations/{conversation_id}/session/end":      {},
	"POST /api/core/conversations/{conversation_id}/session/start":    {},
	"GET /api/core/conversations/{conversation_id}/session/status":    {},
	"GET /api/core/notes":                                             {query: "conversation_id={conv}"},
	"POST /api/core/notes":                                            {body: `{"title":"t","content":"c","conversation_id":"{conv}"}`},
	"DELETE /api/core/notes/{note_id}":                                {},
	"PUT /api/core/notes/{note_id}":                                   {body: `{"title":"pwned","content":"pwned"}`},
	"GET /api/core/providers":                                         {},
	"GET /api/core/search":                                            {query: "q=quokka"},
	"POST /api/core/search/reindex":                                   {},
	"GET /api/core/search/status":                                     {},
	"GET /api/admin/integration-token-revocations":                    {query: "tenantId={org}"},
	"POST /api/integration/grant":                                     {body: `{"mode":"api","origin":"https://app.example","scopes":["xel:read"],"tenantId":"{org}"}`},
	"POST /api/integration/keys/rotate":                               {body: `{"tenantId":"{org}"}`},
	"POST /api/integration/revoke":                                    {body: `{"tenantId":"{org}","jti":"{jti}"}`},
	"POST /api/integration/rotate":                                    {body: `{"mode":"api","origin":"https://app.example","scopes":["xel:read"],"tenantId":"{org}","integrationToken":"{itoken}"}`},
	"POST /api/integration/verify":                                    {body: `{"token":"{itoken}","tenantId":"{org}"}`},
	"GET /api/integrations":                                           {},
	"DELETE /api/integrations/google-calendar":                        {},
	"POST /api/integrations/google-calendar/authorize":                {body: `{}`},
	"GET /api/integrations/google-calendar/callback":                  {query: "code=c&state=s"},
	"GET /api/integrations/google-calendar/events":                    {},
	"POST /api/integrations/google-calendar/events":                   {body: `{"summary":"x","start":"2026-01-01T10:00:00Z","end":"2026-01-01T11:00:00Z"}`},
	"GET /api/knowledge/documents":                                    {query: "organization_id={org}"},
	"POST /api/knowledge/documents":                                   {body: `{"title":"t","content":"planted","organization_id":"{org}"}`},
	"DELETE /api/knowledge/documents/{document_id}":                   {},
	"GET /api/knowledge/documents/{document_id}":                      {},
	"POST /api/knowledge/search":                                      {body: `{"query":"quokka","organization_id":"{org}"}`},
	"POST /api/rag/query":                                             {body: `{"query":"quokka","organization_id":"{org}"}`},
	"PUT /api/live/nickname":                                          {body: `{"nickname":"mal"}`},
	"GET /api/live/quota":                                             {},
	"POST /api/live/session/end":                                      {body: `{"session_id":"{session}"}`},
	"POST /api/live/session/heartbeat":                                {body: `{"session_id":"{session}"}`},
	"POST /api/live/session/start":                                    {body: `{"session_type":"voice"}`},
	"GET /api/live/transcripts":                                       {},
	"POST /api/live/transcripts":                                      {body: `{"session_id":"{session}","session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T10:01:00Z","transcripts":[{"role":"user","text":"hi","timestamp":"2026-04-16T10:00:30Z"}]}`},
	"GET /api/live/transcripts/{transcript_id}":                       {},
	"GET /api/organizations":                                          {},
	"POST /api/organizations":                                         {body: `{"name":"Mallory Inc"}`},
	"DELETE /api/organizations/{org_id}":                              {},
	"GET /api/organizations/{org_id}":                                 {},
	"PATCH /api/organizations/{org_id}":                               {body: `{"name":"pwned"}`},
	"GET /api/organizations/{org_id}/members":                         {},
	"POST /api/organizations/{org_id}/members":                        {body: `{"user_id":"{me}","role":"owner"}`},
	"DELETE /api/organizations/{org_id}/members/{target_user_id}":     {},
	"PATCH /api/organizations/{org_id}/members/{target_user_id}":      {body: `{"role":"member"}`},
	"PUT /api/organizations/{org_id}/members/{target_user_id}":        {body: `{"role":"member"}`},
	"GET /api/organizations/{org_id}/teams":                           {},
	"POST /api/organizations/{org_id}/teams":                          {body: `{"name":"t"}`},
	"DELETE /api/organizations/{org_id}/teams/{team_id}":              {},
	"PATCH /api/organizations/{org_id}/teams/{team_id}":               {body: `{"name":"pwned"}`},
	"GET /api/xel/dashboard":                                          {},
	"POST /api/xel/evaluate":                                          {body: `{"kind":"writing","text":"I like tea."}`},
	"GET /api/xel/modules":                                            {},
	"GET /api/xel/modules/{module_id}":                                {},
	"POST /api/xel/tasks/{task_id}/submit":                            {body: `{"answer":"x"}`},
	"GET /api/xp/learning-pulse":                                      {},
	"GET /api/xp/streak-status":                                       {},
	"GET /api/xp/weekly-activity":                                     {},
	"GET /api/v1/admin/stats/engagement":                              {query: "organization_id={org}"},
	"GET /api/v1/admin/stats/progress/members":                        {query: "org_id={org}&format=csv"},
	"GET /api/v1/admin/stats/users/{user_id}":                         {query: "organization_id={org}"},
	"GET /metrics":                                                    {},
}

// victim is a user with one of everything, and the strings that would give
// any of it away.
type victim struct {
	ids     map[string]string // placeholder -> value
	secrets []string
}

func newVictim(t *testing.T, env *testEnv) (xentree.User, auth.TokenResponse, victim) {
	t.Helper()
	ctx := context.Background()
	a, tok := xentreetest.CreateUser(t, env.eng, "victim@example.com")
	member, _ := xentreetest.CreateUser(t, env.eng, "colleague@example.com")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := env.eng.CreateConversation(ctx, a, conversation.CreateRequest{Title: "quokka plans", InitialQuery: "Where do quokkas live?"})
	must(err)
	_, err = env.eng.Chat(ctx, a, conversation.ChatRequest{ConversationID: c.ID, Message: "quokka diet"})
	must(err)
	n, err := env.eng.CreateNote(ctx, a, conversation.NoteCreateRequest{ConversationID: c.ID, Title: "quokka", Content: "quokka notes"})
	must(err)
	d, err := env.eng.CreateDocument(ctx, a, knowledge.CreateRequest{Title: "Quokka facts", Content: "The quokka lives on Rottnest Island."})
	must(err)
	ls, err := env.eng.StartLiveSession(ctx, a, live.StartRequest{SessionType: "voice"})
	must(err)
	now := env.clock.Now()
	tr, err := env.eng.SaveLiveTranscript(ctx, a, live.SaveTranscriptRequest{SessionStartedAt: xtime.Of(now.Add(-time.Minute)),
		SessionEndedAt: xtime.Of(now), Transcripts: []live.Turn{{Role: "user", Text: "quokka talk", Timestamp: xtime.Of(now)}}})
	must(err)
	o, err := env.eng.CreateOrganization(ctx, a, org.CreateRequest{Name: "Quokka Club"})
	must(err)
	tm, err := env.eng.CreateTeam(ctx, a, o.ID, org.TeamRequest{Name: "Quokka team"})
	must(err)
	_, err = env.eng.AddMember(ctx, a, o.ID, org.AddMemberRequest{UserID: member.ID, Role: org.RoleAdmin})
	must(err)
	od, err := env.eng.CreateDocument(ctx, a, knowledge.CreateRequest{Title: "Club quokka", Content: "The club counts quokkas.", OrganizationID: o.ID})
	must(err)
	k, err := env.eng.CreateAPIKey(ctx, a, org.CreateKeyRequest{Name: "quokka key", OrganizationID: o.ID, Scopes: []string{auth.ScopeConversationsRead}})
	must(err)
	g, err := env.eng.GrantIntegrationToken(ctx, a, integration.GrantRequest{Mode: "api", Origin: "https://app.example",
		Scopes: []string{"xel:read"}, TTLSeconds: 3600, TenantID: o.ID})
	must(err)
	must(env.eng.WaitIndexed(ctx))
	v := victim{ids: map[string]string{
		"conversation_id": c.ID, "conv": c.ID, "note_id": n.ID, "document_id": d.ID, "session": ls.SessionID,
		"transcript_id": tr.ID, "org_id": o.ID, "org": o.ID, "team_id": tm.ID, "target_user_id": member.ID, "user_id": member.ID,
		"key_id": k.ID, "itoken": g.Token, "jti": g.JTI,
	}}
	// Only what the victim wrote: a caller's own query may echo "quokka".
	v.secrets = []string{"quokka plans", "quokka diet", "quokka notes", "Rottnest", "quokka talk", "Quokka Club",
		"Quokka team", "club counts", "quokka key", a.ID, member.ID, "victim@example.com", "colleague@example.com", od.ID, k.Prefix}
	for _, id := range v.ids {
		v.secrets = append(v.secrets, id)
	}
	return a, tok, v
}

// random returns the placeholders filled with ids that exist nowhere.
func (v victim) random() map[string]string {
	r := map[string]string{}
	for k := range v.ids {
		r[k] = ids.New()
	}
	return r
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// request builds the URL and body of route for the given placeholders.
func request(t *testing.T, route string, vals map[string]string, me string) (method, url, body string, placeholders bool) {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	call := isolationCalls[route]
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			name := m[1 : len(m)-1]
			val, ok := vals[name]
			switch {
			case name == "me":
				val, ok = me, true
			case name == "module_id": // curriculum ids are not anyone's
				val, ok = "a1-greetings", true
			case name == "task_id":
				val, ok = "a1-greetings.2", true
			case ok:
				placeholders = true
			}
			if !ok {
				t.Fatalf("%s: no value for %s", route, m)
			}
			return val
		})
	}
	url = fill(path)
	if call.query != "" {
		url += "?" + fill(call.query)
	}
	body = fill(call.body)
	if body == "" && (method == "POST" || method == "PUT" || method == "PATCH") {
		body = "{}"
	}
	return method, url, body, placeholders
}

func errorCode(body []byte) string {
	var e struct {
		Detail struct {
			Error string `json:"error"`
		} `json:"detail"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Detail.Error
}

// TestIsolationMatrix calls every authenticated route in the OpenAPI
// document (the route table) against another user's resources:
//   - as another user, the answer for the victim's resource equals the
//     answer for an id that exists nowhere (status and error code), so it
//     reveals nothing, and no 2xx body carries any of the victim's data;
//   - anonymous, with a revoked session and with an expired token: 401;
//   - with an API key lacking the route's scope: 403 whether or not the
//     resource exists;
//   - afterwards the victim's data is all there, unchanged.
func TestIsolationMatrix(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	victimUser, victimTok, v := newVictim(t, env)
	mallory, mtok := xentreetest.CreateUser(t, env.eng, "mallory@example.com")
	mo, err := env.eng.CreateOrganization(ctx, mallory, org.CreateRequest{Name: "Mallory Inc"})
	if err != nil {
		t.Fatal(err)
	}
	revoked, rtok := xentreetest.CreateUser(t, env.eng, "revoked@example.com")
	if err := env.eng.Logout(ctx, revoked, auth.LogoutRequest{RefreshToken: rtok.RefreshToken}); err != nil {
		t.Fatal(err)
	}

	var routes []string
	scopes := map[string]string{}
	for path, item := range openAPIPaths(t, env) {
		for method, op := range item {
			if sec, _ := op["security"].([]any); len(sec) == 0 {
				continue // public by design
			}
			r := strings.ToUpper(method) + " " + path
			routes = append(routes, r)
			scopes[r], _ = op["x-required-scope"].(string)
		}
	}
	slices.Sort(routes)
	for _, r := range routes {
		if _, ok := isolationCalls[r]; !ok {
			t.Errorf("route %s is not in isolationCalls: add how to call it", r)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	keys := map[string]string{}
	for _, r := range routes {
		t.Run(r, func(t *testing.T) {
			// Another user: the victim's resource and a missing one look alike.
			method, url, body, ph := request(t, r, v.ids, mallory.ID)
			got := env.do(method, url, body, bearer(mtok.AccessToken))
			if got.Code >= 500 && errorCode(got.Body.Bytes()) != "integration_not_configured" {
				t.Fatalf("as another user: %d %s", got.Code, got.Body)
			}
			if got.Code < 300 {
				for _, s := range v.secrets {
					if s != "" && strings.Contains(got.Body.String(), s) {
						t.Fatalf("as another user, the answer holds the victim's %q: %s", s, got.Body)
					}
				}
			}
			if ph {
				_, url2, body2, _ := request(t, r, v.random(), mallory.ID)
				miss := env.do(method, url2, body2, bearer(mtok.AccessToken))
				if miss.Code != got.Code || errorCode(miss.Body.Bytes()) != errorCode(got.Body.Bytes()) {
					t.Fatalf("existence leaks: the victim's resource answers %d %s, a missing one %d %s",
						got.Code, got.Body, miss.Code, miss.Body)
				}
			}
			// No credentials, a revoked session: 401 before anything else.
			for name, h := range map[string]map[string]string{"anonymous": nil, "revoked session": bearer(rtok.AccessToken)} {
				if rec := env.do(method, url, body, h); rec.Code != 401 {
					t.Errorf("%s: %d %s, want 401", name, rec.Code, rec.Body)
				}
			}
			// A key lacking the route's scope: 403, the same for a missing id.
			scope := scopes[r]
			if keys[scope] == "" {
				k, err := env.eng.CreateAPIKey(ctx, mallory, org.CreateKeyRequest{Name: "k", OrganizationID: mo.ID, Scopes: otherScopes(scope)})
				if err != nil {
					t.Fatal(err)
				}
				keys[scope] = k.Key
			}
			key := map[string]string{"X-API-Key": keys[scope]}
			rec := env.do(method, url, body, key)
			if rec.Code != 403 {
				t.Errorf("key lacking %q: %d %s, want 403", scope, rec.Code, rec.Body)
			}
			if ph {
				_, url2, body2, _ := request(t, r, v.random(), mallory.ID)
				if miss := env.do(method, url2, body2, key); miss.Code != rec.Code || miss.Body.String() != rec.Body.String() {
					t.Errorf("key lacking %q: existence leaks: %d %s vs %d %s", scope, rec.Code, rec.Body, miss.Code, miss.Body)
				}
			}
		})
	}

	// The victim's data survived every attempt.
	convs, err := env.eng.ListConversations(ctx, victimUser, xentree.Page{})
	if err != nil || len(convs.Items) != 1 || convs.Items[0].ID != v.ids["conv"] || convs.Items[0].Title != "quokka plans" {
		t.Errorf("victim's conversations: %+v %v", convs, err)
	}
	if n, err := env.eng.ListNotes(ctx, victimUser, "", xentree.Page{}); err != nil || len(n.Items) != 1 || n.Items[0].Content != "quokka notes" {
		t.Errorf("victim's notes: %+v %v", n, err)
	}
	if d, err := env.eng.GetDocument(ctx, victimUser, v.ids["document_id"]); err != nil || d.Title != "Quokka facts" {
		t.Errorf("victim's document: %+v %v", d, err)
	}
	if o, err := env.eng.GetOrganization(ctx, victimUser, v.ids["org"]); err != nil || o.Name != "Quokka Club" || o.MemberCount != 2 {
		t.Errorf("victim's organization: %+v %v", o, err)
	}
	if ms, err := env.eng.ListMembers(ctx, victimUser, v.ids["org"], xentree.Page{}); err != nil || len(ms.Items) != 2 {
		t.Errorf("victim's members: %+v %v", ms, err)
	}
	if ks, err := env.eng.ListAPIKeys(ctx, victimUser, v.ids["org"], xentree.Page{}); err != nil || len(ks.Items) != 1 {
		t.Errorf("victim's keys: %+v %v", ks, err)
	}
	if _, err := env.eng.HeartbeatLiveSession(ctx, victimUser, live.SessionRequest{SessionID: v.ids["session"]}); err != nil {
		t.Errorf("victim's Live session: %v", err)
	}
	if tr, err := env.eng.GetLiveTranscript(ctx, victimUser, v.ids["transcript_id"]); err != nil || len(tr.Transcripts) != 1 {
		t.Errorf("victim's transcript: %+v %v", tr, err)
	}

	// An expired access token: 401 on every route.
	env.clock.Advance(env.eng.Config().AccessTokenTTL + time.Minute)
	for _, r := range routes {
		method, url, body, _ := request(t, r, v.ids, victimUser.ID)
		if rec := env.do(method, url, body, bearer(victimTok.AccessToken)); rec.Code != 401 {
			t.Errorf("%s with an expired token: %d %s, want 401", r, rec.Code, rec.Body)
		}
	}
	t.Logf("%d routes checked as another user, anonymous, revoked, key without scope, expired", len(routes))
}
