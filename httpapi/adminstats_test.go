package httpapi_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// statsEnv is an organization with two teams, a caller of every kind and
// an API key with and without api:read.
type statsEnv struct {
	*testEnv
	orgID, teamA, teamB string
	users               map[string]xentree.User
	auth                map[string]map[string]string // caller → headers
}

func newStatsEnv(t *testing.T) *statsEnv {
	t.Helper()
	env := &statsEnv{testEnv: newEnv(t), users: map[string]xentree.User{}, auth: map[string]map[string]string{}}
	ctx := context.Background()
	for _, name := range []string{"owner", "admin", "manager", "member", "outsider", "bob"} {
		u, tok := xentreetest.CreateUser(t, env.eng, name+"@stats.example")
		full := strings.ToUpper(name[:1]) + name[1:] + " Tester"
		if _, err := env.eng.UpdateMe(ctx, u, auth.UpdateMeRequest{FullName: &full}); err != nil {
			t.Fatal(err)
		}
		env.users[name] = u
		env.auth[name] = map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	}
	owner := env.users["owner"]
	o, err := env.eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Stats HTTP"})
	if err != nil {
		t.Fatal(err)
	}
	env.orgID = o.ID
	for _, name := range []string{"A", "B"} {
		team, err := env.eng.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: "Team " + name})
		if err != nil {
			t.Fatal(err)
		}
		if name == "A" {
			env.teamA = team.ID
		} else {
			env.teamB = team.ID
		}
	}
	for _, m := range []struct{ name, role, team string }{
		{"admin", org.RoleAdmin, ""}, {"manager", org.RoleManager, env.teamA}, {"member", org.RoleMember, env.teamA},
		{"bob", org.RoleMember, env.teamB},
	} {
		if _, err := env.eng.AddMember(ctx, owner, o.ID, org.AddMemberRequest{UserID: env.users[m.name].ID, Role: m.role, TeamID: m.team}); err != nil {
			t.Fatal(err)
		}
	}
	for name, scope := range map[string]string{"key": auth.ScopeAPIRead, "key without api:read": auth.ScopeOrganizationsRead} {
		k, err := env.eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: name, OrganizationID: o.ID, Scopes: []string{scope}})
		if err != nil {
			t.Fatal(err)
		}
		env.auth[name] = map[string]string{"X-API-Key": k.Key}
	}
	if _, err := env.eng.CreateConversation(ctx, env.users["member"], conversation.CreateRequest{Title: "Hi", InitialQuery: "Hello?"}); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestAdminStatsRoutes: who gets what from each route, over HTTP.
func TestAdminStatsRoutes(t *testing.T) {
	env := newStatsEnv(t)
	fill := strings.NewReplacer("{org}", env.orgID, "{teamA}", env.teamA, "{teamB}", env.teamB,
		"{member}", env.users["member"].ID, "{bob}", env.users["bob"].ID, "{outsider}", env.users["outsider"].ID)
	callers := []string{"owner", "admin", "manager", "member", "outsider", "key", "key without api:read"}
	for _, row := range []struct {
		url  string
		want [7]int // in the order of callers
		body []string
	}{
		{"/api/v1/admin/stats/engagement?organization_id={org}", [7]int{200, 200, 200, 403, 404, 200, 403},
			[]string{`"totals":{"members":`, `"daily":[{"date":"2026-03-18"`, `"top_members":[]`}},
		{"/api/v1/admin/stats/engagement?organization_id={org}&team_id={teamB}", [7]int{200, 200, 403, 403, 404, 200, 403}, nil},
		{"/api/v1/admin/stats/engagement?organization_id={org}&start_date=2026-04-16&end_date=2026-04-16", [7]int{200, 200, 200, 403, 404, 200, 403},
			[]string{`"start_date":"2026-04-16","end_date":"2026-04-16"`, `"messages":1`}},
		{"/api/v1/admin/stats/users/{member}?organization_id={org}", [7]int{200, 200, 200, 403, 404, 200, 403},
			[]string{`"email":"member@stats.example"`, `"affiliations":[{"organization_id":"`, `"streak":{"current":0,"longest":0}`}},
		{"/api/v1/admin/stats/users/{bob}?organization_id={org}", [7]int{200, 200, 404, 403, 404, 200, 403}, nil},
		{"/api/v1/admin/stats/users/{outsider}?organization_id={org}", [7]int{404, 404, 404, 403, 404, 404, 403}, nil},
		{"/api/v1/admin/stats/progress/members?org_id={org}", [7]int{200, 200, 200, 403, 404, 200, 403},
			[]string{`"page":1,"limit":25,"total":`, `"full_name":"Admin Tester"`}},
		{"/api/v1/admin/stats/progress/members?org_id={org}&sort=xp_earned&order=desc&page=2&limit=2&q=tester", [7]int{200, 200, 200, 403, 404, 200, 403},
			[]string{`"page":2,"limit":2`}},
	} {
		for i, caller := range callers {
			rec := env.do("GET", fill.Replace(row.url), "", env.auth[caller])
			if rec.Code != row.want[i] {
				t.Errorf("GET %s as %s: %d, want %d: %s", row.url, caller, rec.Code, row.want[i], rec.Body)
				continue
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("GET %s as %s: Content-Type %q", row.url, caller, ct)
			}
			if rec.Code == 200 && caller == "owner" {
				for _, w := range row.body {
					if !strings.Contains(rec.Body.String(), w) {
						t.Errorf("GET %s: body lacks %s: %s", row.url, w, rec.Body)
					}
				}
			}
		}
	}
	// The manager's directory is their team's, without asking.
	rec := env.do("GET", fill.Replace("/api/v1/admin/stats/progress/members?org_id={org}"), "", env.auth["manager"])
	if body := rec.Body.String(); !strings.Contains(body, `"total":2`) || strings.Contains(body, "bob@") {
		t.Errorf("manager's directory: %s, want team A's 2 members", body)
	}
}

func TestAdminStatsBadQueries(t *testing.T) {
	env := newStatsEnv(t)
	owner := env.auth["owner"]
	scenarios := []scenario{}
	for _, c := range []struct{ query, field string }{
		{"/api/v1/admin/stats/engagement", "organization_id"},
		{"/api/v1/admin/stats/engagement?org_id={org}", "organization_id"}, // the engagement route's name is organization_id
		{"/api/v1/admin/stats/progress/members?organization_id={org}", "org_id"},
		{"/api/v1/admin/stats/engagement?organization_id={org}&start_date=2026-02-30", "start_date"},
		{"/api/v1/admin/stats/engagement?organization_id={org}&start_date=2026-04-10&end_date=2026-04-09", "start_date"},
		{"/api/v1/admin/stats/users/{member}?organization_id={org}&end_date=16-04-2026", "end_date"},
		{"/api/v1/admin/stats/engagement?organization_id={org}&start_date=2024-01-01&end_date=2026-01-01", "end_date"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&sort=salary", "sort"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&order=random", "order"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&page=0", "page"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&page=two", "page"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&limit=500", "limit"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&q=%00", "q"},
		{"/api/v1/admin/stats/progress/members?org_id={org}&format=xlsx", "format"},
		{"/api/v1/admin/stats/engagement?organization_id={org}&team_id=not-a-team", "team_id"},
	} {
		url := strings.NewReplacer("{org}", env.orgID, "{member}", env.users["member"].ID).Replace(c.query)
		scenarios = append(scenarios, scenario{name: c.query, method: "GET", url: url, headers: owner,
			wantStatus: 400, wantBody: []string{`"error":"invalid_request"`, `"field":"` + c.field + `"`}})
	}
	scenarios = append(scenarios,
		scenario{name: "no credentials", method: "GET", url: "/api/v1/admin/stats/engagement?organization_id=" + env.orgID, wantStatus: 401},
		scenario{name: "a malformed organization id is not found", method: "GET", url: "/api/v1/admin/stats/engagement?organization_id=x",
			headers: owner, wantStatus: 404},
		scenario{name: "a malformed user id is not found", method: "GET", url: "/api/v1/admin/stats/users/x?organization_id=" + env.orgID,
			headers: owner, wantStatus: 404},
		scenario{name: "a key lacking api:read", method: "GET", url: "/api/v1/admin/stats/progress/members?org_id=" + env.orgID,
			headers: env.auth["key without api:read"], wantStatus: 403, wantBody: []string{`"required_scope":"api:read"`}},
		scenario{name: "a page past the end is empty", method: "GET", url: "/api/v1/admin/stats/progress/members?org_id=" + env.orgID + "&page=99",
			headers: owner, wantStatus: 200, wantBody: []string{`"items":[],"page":99,"limit":25,"total":5`}},
	)
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.run(t, env.testEnv) })
	}
}

// TestAdminStatsCSVHTTP: format=csv or Accept: text/csv answer text/csv
// with every matching member; a refusal is still the JSON error.
func TestAdminStatsCSVHTTP(t *testing.T) {
	env := newStatsEnv(t)
	base := "/api/v1/admin/stats/progress/members?org_id=" + env.orgID
	csvAccept := map[string]string{"Accept": "application/json;q=0.5, text/csv"}
	for k, v := range env.auth["owner"] {
		csvAccept[k] = v
	}
	for _, c := range []struct {
		name    string
		url     string
		headers map[string]string
		rows    int
	}{
		{"format=csv, every page", base + "&format=csv&limit=1&page=3", env.auth["owner"], 5},
		{"Accept: text/csv", base, csvAccept, 5},
		{"filtered by q", base + "&format=CSV&q=BOB", env.auth["owner"], 1},
		{"an API key", base + "&format=csv", env.auth["key"], 5},
		{"the manager's team", base + "&format=csv", env.auth["manager"], 2},
	} {
		rec := env.do("GET", c.url, "", c.headers)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "members.csv") {
			t.Errorf("%s: %d %q %q: %s", c.name, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"), rec.Body)
			continue
		}
		recs, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(recs) != c.rows+1 || recs[0][0] != "user_id" {
			t.Errorf("%s: %d records (header %q), want a header and %d rows", c.name, len(recs), recs[0], c.rows)
		}
	}
	for _, c := range []struct {
		name    string
		url     string
		headers map[string]string
		want    int
	}{
		{"a member", base + "&format=csv", env.auth["member"], 403},
		{"an outsider", base + "&format=csv", env.auth["outsider"], 404},
		{"a bad sort", base + "&format=csv&sort=nope", env.auth["owner"], 400},
	} {
		rec := env.do("GET", c.url, "", c.headers)
		if rec.Code != c.want || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q, want %d as JSON", c.name, rec.Code, rec.Header().Get("Content-Type"), c.want)
		}
	}
	// format=json wins over Accept, and text/csv;q=0 is a refusal of CSV.
	for _, h := range []map[string]string{{"Accept": "text/csv;q=0"}, {"Accept": "text/html, */*"}} {
		for k, v := range env.auth["owner"] {
			h[k] = v
		}
		if rec := env.do("GET", base, "", h); rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("Accept %q: Content-Type %q, want JSON", h["Accept"], rec.Header().Get("Content-Type"))
		}
	}
	if rec := env.do("GET", base+"&format=json", "", csvAccept); rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("format=json with Accept text/csv: Content-Type %q, want JSON", rec.Header().Get("Content-Type"))
	}
}
