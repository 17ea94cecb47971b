package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
	"github.com/xentree/xentree/xtime"
)

// optionalBody lists the routes whose JSON body may be empty. An empty body
// elsewhere is 400, so a route that starts accepting one must be listed here
// (and in docs/api.md, "Request bodies").
var optionalBody = map[string]bool{
	"POST /api/auth/logout":                            true,
	"POST /api/core/conversations":                     true,
	"POST /api/integrations/google-calendar/authorize": true,
}

// TestBadBodies sends hostile bodies to every route of the table that takes
// a JSON body, as a real user on real resources: each answer must be a 4xx
// with the error envelope, and a fault in one field must name that field.
// The cases are built from each route's Request type, so a new route or a
// new field is covered without editing this test.
func TestBadBodies(t *testing.T) {
	eng := withGoogle(t)
	h := New(eng, Config{})
	// The caller is not the resources' owner: a body must be refused before
	// any authorization would be.
	ids := realIDs(t, eng).ids
	_, tok := xentreetest.CreateUser(t, eng, "bad-input@example.com")
	// Logout's empty body is accepted and ends the session: it gets its own.
	_, logoutTok := xentreetest.CreateUser(t, eng, "bad-input-logout@example.com")

	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	bodyRoutes := 0
	for _, rt := range (&api{eng: eng}).routes() {
		name := rt.Method + " " + rt.Path
		if rt.Request == nil && (rt.Method == "GET" || rt.Method == "DELETE") {
			continue
		}
		url := param.ReplaceAllStringFunc(rt.Path, func(p string) string {
			id, ok := ids[p[1:len(p)-1]]
			if !ok {
				t.Errorf("%s: no real id for %s: add one to realIDs", name, p)
			}
			return id
		})
		bearer := "Bearer " + tok.AccessToken
		if rt.Path == "/api/auth/logout" {
			bearer = "Bearer " + logoutTok.AccessToken
		}
		send := func(ct string, body []byte) *httptest.ResponseRecorder {
			req := httptest.NewRequest(rt.Method, url, strings.NewReader(string(body)))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			req.Header.Set("Authorization", bearer)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		if rt.Request == nil {
			// The table must say which routes read a body, or neither the API
			// document nor this test knows about it.
			if rec := send("application/json", []byte("{not json")); rec.Code == http.StatusBadRequest {
				t.Errorf("%s reads a JSON body but its route declares no Request: %s", name, rec.Body)
			}
			continue
		}
		bodyRoutes++
		limit := eng.Config().Limits.MaxBodyBytes
		if rt.MaxBody > 0 {
			limit = rt.MaxBody
		}
		for _, bc := range badBodies(t, name, reflect.TypeOf(rt.Request), max(2<<20, limit+1)) {
			ct := "application/json"
			if bc.contentType != "" {
				ct = bc.contentType
			}
			rec := send(ct, bc.body)
			checkEnvelope(t, name+" "+bc.name, rec, bc.status, bc.field)
		}
		rec := send("", nil)
		switch {
		case optionalBody[name] && rec.Code/100 != 2:
			t.Errorf("%s with an empty body: %d %s, want 2xx (it is in optionalBody)", name, rec.Code, rec.Body)
		case !optionalBody[name]:
			checkEnvelope(t, name+" empty body", rec, http.StatusBadRequest, "")
		}
	}
	if bodyRoutes < 30 {
		t.Fatalf("only %d routes with a body: is the table still reachable?", bodyRoutes)
	}
}

// TestBadPathValues puts hostile values in every path parameter of every
// route: each answer is a 4xx with the error envelope, whatever the method.
func TestBadPathValues(t *testing.T) {
	eng := withGoogle(t)
	h := New(eng, Config{})
	_, tok := xentreetest.CreateUser(t, eng, "")
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, rt := range (&api{eng: eng}).routes() {
		if !param.MatchString(rt.Path) {
			continue
		}
		// Not "..": the mux cleans such a path with a redirect before any route.
		for _, v := range []string{"%00", "%ff", "%ed%a0%80", "a%2Fb", strings.Repeat("9", 2000), "99999999999999999999999", "01966b7e-1c2a-7000-8000-000000000000"} {
			url := param.ReplaceAllString(rt.Path, v)
			req := httptest.NewRequest(rt.Method, url, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkEnvelope(t, rt.Method+" "+url, rec, 0, "")
		}
	}
}

// withGoogle is an engine with Google Calendar configured (against the
// fake), so that its routes answer for themselves and not with the 503 of a
// server without Google.
func withGoogle(t testing.TB) *xentree.Engine {
	g := xentreetest.NewFakeGoogle(t)
	return xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Google = xentree.GoogleConfig{ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
			RedirectURL: "https://app.example/cb", AuthURL: g.AuthURL(), TokenURL: g.TokenURL(), RevokeURL: g.RevokeURL(), CalendarURL: g.CalendarURL()}
	}))
}

// resources is one of each thing a route's path can name, all made by
// owner, by path value name.
type resources struct {
	owner xentree.User
	token string // owner's access token
	ids   map[string]string
}

// realIDs makes one of each resource a route's path can name.
func realIDs(t testing.TB, eng *xentree.Engine) resources {
	t.Helper()
	ctx := context.Background()
	owner, tok := xentreetest.CreateUser(t, eng, "")
	member, _ := xentreetest.CreateUser(t, eng, "")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	name := "owner" + strings.ReplaceAll(owner.ID[len(owner.ID)-8:], "-", "")
	_, err := eng.UpdateMe(ctx, owner, auth.UpdateMeRequest{Username: &name})
	must(err)
	c, err := eng.CreateConversation(ctx, owner, conversation.CreateRequest{Title: "Bad input", InitialQuery: "What is bad input?"})
	must(err)
	n, err := eng.CreateNote(ctx, owner, conversation.NoteCreateRequest{Title: "n", Content: "c", ConversationID: c.ID})
	must(err)
	o, err := eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Bad input " + name})
	must(err)
	team, err := eng.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: "t"})
	must(err)
	_, err = eng.AddMember(ctx, owner, o.ID, org.AddMemberRequest{UserID: member.ID, Role: "member"})
	must(err)
	k, err := eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "k", OrganizationID: o.ID, Scopes: []string{auth.ScopeConversationsRead}})
	must(err)
	d, err := eng.CreateDocument(ctx, owner, knowledge.CreateRequest{Title: "Doc", Content: "Bad input is refused."})
	must(err)
	start := xtime.Of(xentreetest.Start.Add(-time.Minute))
	tr, err := eng.SaveLiveTranscript(ctx, owner, live.SaveTranscriptRequest{SessionStartedAt: start, SessionEndedAt: xtime.Of(xentreetest.Start),
		Transcripts: []live.Turn{{Role: live.RoleUser, Text: "hello", Timestamp: start}}})
	must(err)
	m := xel.Starter().Modules[0]
	return resources{owner: owner, token: tok.AccessToken, ids: map[string]string{
		"conversation_id": c.ID, "note_id": n.ID, "org_id": o.ID, "team_id": team.ID, "target_user_id": member.ID,
		"key_id": k.ID, "document_id": d.ID, "transcript_id": tr.ID, "module_id": m.ID, "task_id": m.Tasks[0].ID, "username": name,
	}}
}

// badBody is one hostile body and the answer it must get.
type badBody struct {
	name        string
	body        []byte
	contentType string
	status      int
	field       string // the field the error must name, "" if none need be
}

// badBodies builds the cases for a request type: some for the body as a
// whole, and for every leaf field the values that must be refused there.
func badBodies(t *testing.T, route string, typ reflect.Type, oversize int64) []badBody {
	leaves := jsonLeaves(typ, nil)
	if len(leaves) == 0 {
		t.Errorf("%s: request type %s has no JSON fields", route, typ)
		return nil
	}
	first := leaves[0]
	cases := []badBody{
		{name: "nested 100000 deep", body: []byte(strings.Repeat("[", 100000)), status: 400},
		{name: "nested 100000 deep in a field", body: first.wrap(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), status: 400},
		{name: "nested objects", body: []byte(strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)), status: 400},
		{name: "trailing value", body: []byte(`{} {}`), status: 400},
		{name: "trailing garbage", body: []byte(`{}x`), status: 400},
		{name: "an array", body: []byte(`[]`), status: 400},
		{name: "a string", body: []byte(`"x"`), status: 400},
		{name: "a huge number", body: []byte(`1e400`), status: 400},
		{name: "truncated", body: []byte(`{"` + first.path[0] + `":`), status: 400},
		{name: "invalid UTF-8 outside strings", body: []byte("{\xff}"), status: 400},
		{name: "a NUL byte outside strings", body: []byte("{\x00}"), status: 400},
		{name: "a raw NUL in a string", body: first.wrap("\"a\x00b\""), status: 400},
		{name: "unknown field", body: []byte(`{"no_such_field_here":1}`), status: 400, field: "no_such_field_here"},
		{name: "not JSON", body: []byte(`{}`), contentType: "text/plain", status: 415},
		{name: "oversized", body: first.wrap(`"` + strings.Repeat("a", int(oversize)) + `"`), status: 413},
	}
	for _, l := range leaves {
		var vals []struct{ name, raw string }
		switch l.kind {
		case "string":
			vals = []struct{ name, raw string }{
				{"invalid UTF-8", "\"a\xffb\""}, {"truncated UTF-8", "\"\xe2\x82\""}, {"UTF-16 surrogate as UTF-8", "\"\xed\xa0\x80\""},
				{"lone surrogate escape", `"a\ud800b"`}, {"lone low surrogate escape", `"\udc00"`}, {"NUL escape", `"a\u0000b"`},
				{"a number", `1`}, {"an object", `{}`}, {"a huge number", `1e400`},
			}
		case "int":
			vals = []struct{ name, raw string }{
				{"huge", `99999999999999999999999`}, {"1e400", `1e400`}, {"negative huge", `-99999999999999999999999`},
				{"a fraction", `1.5`}, {"a string", `"1"`}, {"a bool", `true`},
			}
		case "float":
			vals = []struct{ name, raw string }{{"1e400", `1e400`}, {"-1e400", `-1e400`}, {"a string", `"1"`}}
		case "bool":
			vals = []struct{ name, raw string }{{"a string", `"true"`}, {"a number", `1`}}
		case "choice":
			vals = []struct{ name, raw string }{
				{"a bool", `true`}, {"an object", `{}`}, {"null", `null`}, {"a fraction", `1.5`}, {"a huge number", `1e400`},
				{"invalid UTF-8", "\"a\xffb\""}, {"NUL escape", `"a\u0000b"`}, {"lone surrogate escape", `"a\ud800b"`},
			}
		case "time":
			vals = []struct{ name, raw string }{{"a number", `1e400`}, {"not a time", `"yesterday"`}, {"invalid UTF-8", "\"\xff\""}, {"year 99999", `"99999-01-01T00:00:00Z"`}}
		default:
			t.Errorf("%s: field %s has kind %s: teach jsonLeaves and badBodies about it", route, l.field(), l.kind)
		}
		for _, v := range vals {
			// A string the decoder refuses is named with its array indexes,
			// a type error as encoding/json names it, without.
			field := l.field()
			if (l.kind == "string" || l.kind == "choice") && v.raw[0] == '"' {
				field = l.indexed()
			}
			cases = append(cases, badBody{name: l.field() + " " + v.name, body: l.wrap(v.raw), status: 400, field: field})
		}
	}
	return cases
}

// jsonLeaf is a place for a scalar value in a request body.
type jsonLeaf struct {
	path  []string // JSON keys from the top
	array []bool   // the value at path[i] is an array
	kind  string   // string, int, float, bool, time
}

// field is the name the decoder's errors give the leaf: encoding/json's
// dotted path, without array indexes.
func (l jsonLeaf) field() string { return strings.Join(l.path, ".") }

// indexed is the leaf's name with the index of each array on the way, as
// the decoder names a string it refuses; wrap puts one element in each.
func (l jsonLeaf) indexed() string {
	var b strings.Builder
	for i, k := range l.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
		if l.array[i] {
			b.WriteString("[0]")
		}
	}
	return b.String()
}

// wrap puts raw at the leaf's place in an otherwise empty body.
func (l jsonLeaf) wrap(raw string) []byte {
	v := raw
	for i := len(l.path) - 1; i >= 0; i-- {
		if l.array[i] {
			v = "[" + v + "]"
		}
		k, _ := json.Marshal(l.path[i])
		v = "{" + string(k) + ":" + v + "}"
	}
	return []byte(v)
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// jsonLeaves lists the scalar places of a struct type as encoding/json sees
// them: tags, "-", embedded structs, pointers, slices and nested structs.
func jsonLeaves(typ reflect.Type, prefix *jsonLeaf) []jsonLeaf {
	var out []jsonLeaf
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, jsonLeaves(ft, prefix)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		l := jsonLeaf{}
		if prefix != nil {
			l.path, l.array = append([]string(nil), prefix.path...), append([]bool(nil), prefix.array...)
		}
		isArray := false
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			isArray = isArray || ft.Kind() == reflect.Slice
			ft = ft.Elem()
		}
		l.path, l.array = append(l.path, name), append(l.array, isArray)
		switch k := ft.Kind(); {
		case reflect.PointerTo(ft).Implements(unmarshaler):
			switch ft {
			case reflect.TypeFor[xtime.Time]():
				l.kind = "time"
			case reflect.TypeFor[xel.Choice]():
				l.kind = "choice" // a number or a string
			default:
				l.kind = "unmarshaler " + ft.String()
			}
		case k == reflect.Struct:
			out = append(out, jsonLeaves(ft, &l)...)
			continue
		case k == reflect.String:
			l.kind = "string"
		case k >= reflect.Int && k <= reflect.Uint64:
			l.kind = "int"
		case k == reflect.Float32 || k == reflect.Float64:
			l.kind = "float"
		case k == reflect.Bool:
			l.kind = "bool"
		default:
			l.kind = k.String()
		}
		out = append(out, l)
	}
	return out
}

// checkEnvelope: the answer has status want (any 4xx when want is 0) and the
// documented {"detail": {"error", "message"}} body, naming field if given.
func checkEnvelope(t testing.TB, what string, rec *httptest.ResponseRecorder, want int, field string) {
	t.Helper()
	body := rec.Body.String()
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	if (want == 0 && rec.Code/100 != 4) || (want != 0 && rec.Code != want) {
		t.Errorf("%s: status %d, want %d; body %s", what, rec.Code, want, body)
	}
	if rec.Code/100 != 4 {
		return
	}
	var env struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Detail == nil {
		t.Errorf("%s: body is not the error envelope: %s", what, body)
		return
	}
	for _, k := range []string{"error", "message"} {
		if s, _ := env.Detail[k].(string); s == "" {
			t.Errorf("%s: detail.%s = %v, want a string: %s", what, k, env.Detail[k], body)
		}
	}
	if want == http.StatusBadRequest && env.Detail["error"] != "invalid_request" {
		t.Errorf("%s: detail.error = %v, want invalid_request", what, env.Detail["error"])
	}
	if got := fmt.Sprint(env.Detail["field"]); field != "" && got != field {
		t.Errorf("%s: detail.field = %s, want %s; body %s", what, got, field, body)
	}
}

// unreadable fails the test if the handler reads it.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("a body declared over the limit was read")
	return 0, context.Canceled
}

// A body whose Content-Length is over the route's limit is 413 before any
// of it is read: it used to be read up to the limit, or waited for.
func TestDeclaredTooLarge(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	h := New(eng, Config{})
	_, tok := xentreetest.CreateUser(t, eng, "")
	for _, c := range []struct{ url, ct string }{
		{"/api/core/notes", "application/json"},
		{"/api/knowledge/documents", "multipart/form-data; boundary=x"},
	} {
		req := httptest.NewRequest("POST", c.url, unreadable{t})
		req.ContentLength = 1 << 40
		req.Header.Set("Content-Type", c.ct)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "payload_too_large") {
			t.Errorf("%s: %d %s", c.url, rec.Code, rec.Body)
		}
	}
}
