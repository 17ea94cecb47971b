package httpapi_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// actors of the permission matrix, in the column order of matrixRow.want.
var actors = []string{"owner", "admin", "manager", "member", "outsider", "key", "key-without-scope"}

type matrixRow struct {
	method, path, body string // {org}, {team}, {target}, {key}, {newcomer} are filled per case
	want               [7]int
}

// TestPermissionMatrix calls every organization, member, team and API key
// route as each kind of caller, on a fresh organization each time, and
// checks the status. The keys are the owner's, so a key with the scope gets
// what the owner gets, and one without gets the documented 403.
func TestPermissionMatrix(t *testing.T) {
	// Each case's organization has the same members: more than the default
	// limit of memberships.
	env := newEnv(t, xentreetest.WithConfig(func(c *xentree.Config) { c.Limits.MaxMemberships = 1000 }))
	users := map[string]xentree.User{}
	bearer := map[string]map[string]string{}
	for _, name := range []string{"owner", "admin", "manager", "member", "outsider", "target", "newcomer"} {
		u, tok := xentreetest.CreateUser(t, env.eng, name+"@matrix.example")
		users[name] = u
		bearer[name] = map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	}
	rows := []matrixRow{
		{"GET", "/api/organizations", "", [7]int{200, 200, 200, 200, 200, 200, 403}},
		{"POST", "/api/organizations", `{"name":"Another org"}`, [7]int{201, 201, 201, 201, 201, 403, 403}},
		{"GET", "/api/organizations/{org}", "", [7]int{200, 200, 200, 200, 404, 200, 403}},
		{"PATCH", "/api/organizations/{org}", `{"description":"changed"}`, [7]int{200, 403, 403, 403, 404, 200, 403}},
		{"DELETE", "/api/organizations/{org}", "", [7]int{204, 403, 403, 403, 404, 204, 403}},
		{"GET", "/api/organizations/{org}/members", "", [7]int{200, 200, 200, 200, 404, 200, 403}},
		{"POST", "/api/organizations/{org}/members", `{"email":"newcomer@matrix.example","role":"member","team_id":"{team}"}`, [7]int{201, 201, 201, 403, 404, 201, 403}},
		{"PATCH", "/api/organizations/{org}/members/{target}", `{"role":"manager"}`, [7]int{200, 200, 403, 403, 404, 200, 403}},
		{"PUT", "/api/organizations/{org}/members/{target}", `{"role":"member"}`, [7]int{200, 200, 403, 403, 404, 200, 403}},
		{"DELETE", "/api/organizations/{org}/members/{target}", "", [7]int{204, 204, 403, 403, 404, 204, 403}},
		{"GET", "/api/organizations/{org}/teams", "", [7]int{200, 200, 200, 200, 404, 200, 403}},
		{"POST", "/api/organizations/{org}/teams", `{"name":"Another team"}`, [7]int{201, 201, 403, 403, 404, 201, 403}},
		{"PATCH", "/api/organizations/{org}/teams/{team}", `{"name":"Renamed"}`, [7]int{200, 200, 200, 403, 404, 200, 403}},
		{"DELETE", "/api/organizations/{org}/teams/{team}", "", [7]int{204, 204, 403, 403, 404, 204, 403}},
		{"GET", "/api/api-keys", "", [7]int{200, 200, 200, 200, 200, 403, 403}},
		{"POST", "/api/api-keys", `{"name":"ci","organization_id":"{org}","scopes":["conversations:read"]}`, [7]int{201, 201, 201, 201, 404, 403, 403}},
		{"DELETE", "/api/api-keys/{key}", "", [7]int{204, 204, 404, 404, 404, 403, 403}},
	}

	// Every route of these areas has a row: a new route cannot be forgotten.
	scopeOf := map[string]string{}
	for path, item := range openAPIPaths(t, env) {
		if !strings.HasPrefix(path, "/api/organizations") && !strings.HasPrefix(path, "/api/api-keys") {
			continue
		}
		for method, op := range item {
			key := strings.ToUpper(method) + " " + path
			scope, _ := op["x-required-scope"].(string)
			scopeOf[key] = scope
			if !slices.ContainsFunc(rows, func(r matrixRow) bool { return r.method+" "+templ(r.path) == key }) {
				t.Errorf("no permission matrix row for %s", key)
			}
		}
	}

	n := 0
	for _, row := range rows {
		scope := scopeOf[row.method+" "+templ(row.path)]
		for i, actor := range actors {
			n++
			name := fmt.Sprintf("%s %s as %s", row.method, row.path, actor)
			f := newOrgFixture(t, env, users, n, scope)
			headers := bearer[actor]
			switch actor {
			case "key":
				headers = map[string]string{"X-API-Key": f.keyWith}
			case "key-without-scope":
				headers = map[string]string{"X-API-Key": f.keyWithout}
			}
			r := strings.NewReplacer("{org}", f.org, "{team}", f.team, "{target}", users["target"].ID, "{key}", f.keyID)
			rec := env.do(row.method, r.Replace(row.path), r.Replace(row.body), headers)
			if rec.Code != row.want[i] {
				t.Errorf("%s: %d, want %d: %s", name, rec.Code, row.want[i], rec.Body)
				continue
			}
			body := rec.Body.String()
			switch {
			case actor == "outsider" && rec.Code == 404 && strings.Contains(body, f.name):
				t.Errorf("%s: the 404 reveals the organization: %s", name, body)
			case actor == "key-without-scope" && scope != "":
				// The contract's payload, in its order.
				want := fmt.Sprintf(`{"detail":{"error":"INSUFFICIENT_API_KEY_SCOPE","message":"API key lacks required scope for this endpoint","required_scope":%q,"granted_scopes":%s}}`,
					scope, mustJSON(otherScopes(scope)))
				if strings.TrimSpace(body) != want {
					t.Errorf("%s:\n got %s\nwant %s", name, body, want)
				}
			case strings.HasPrefix(actor, "key") && scope == "" && !strings.Contains(body, `"api_key_not_allowed"`):
				t.Errorf("%s: want api_key_not_allowed, got %s", name, body)
			}
		}
	}
}

// templ turns a matrix path into its route pattern.
func templ(p string) string {
	return strings.NewReplacer("{org}", "{org_id}", "{target}", "{target_user_id}", "{team}", "{team_id}", "{key}", "{key_id}").Replace(p)
}

type orgFixture struct {
	name, org, team     string
	keyWith, keyWithout string // the owner's keys with and without the route's scope
	keyID               string // another of the owner's keys, to delete
}

// newOrgFixture makes an organization where each user holds the role of
// their name, manager, member and target in one team.
func newOrgFixture(t *testing.T, env *testEnv, users map[string]xentree.User, n int, scope string) orgFixture {
	t.Helper()
	ctx := context.Background()
	owner := users["owner"]
	f := orgFixture{name: fmt.Sprintf("Matrix org %d", n)}
	o, err := env.eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: f.name})
	if err != nil {
		t.Fatal(err)
	}
	f.org = o.ID
	team, err := env.eng.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: "Core"})
	if err != nil {
		t.Fatal(err)
	}
	f.team = team.ID
	for _, m := range []struct{ user, role, team string }{
		{"admin", org.RoleAdmin, ""}, {"manager", org.RoleManager, team.ID},
		{"member", org.RoleMember, team.ID}, {"target", org.RoleMember, team.ID},
	} {
		if _, err := env.eng.AddMember(ctx, owner, o.ID, org.AddMemberRequest{UserID: users[m.user].ID, Role: m.role, TeamID: m.team}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(scopes []string) org.APIKey {
		k, err := env.eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "matrix", OrganizationID: o.ID, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	with := []string{scope}
	if scope == "" {
		with = auth.Scopes // a bearer-only route: no scope is enough
	}
	f.keyWith, f.keyWithout, f.keyID = key(with).Key, key(otherScopes(scope)).Key, key([]string{auth.ScopeOrganizationsRead}).ID
	return f
}

// otherScopes is every scope but one, sorted as a key stores them.
func otherScopes(except string) []string {
	var s []string
	for _, sc := range auth.Scopes {
		if sc != except {
			s = append(s, sc)
		}
	}
	slices.Sort(s)
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// openAPIPaths returns the served OpenAPI document's paths.
func openAPIPaths(t *testing.T, env *testEnv) map[string]map[string]map[string]any {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(env.do("GET", "/api/openapi.json", "", nil).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Paths
}

// TestEveryRouteChecksKeyScope: over the whole API, a key without a route's
// scope gets the documented 403 naming that scope, before the body is read;
// routes without a scope refuse keys; and a key with the scope gets past
// the scope check (a wrong scope in the engine would answer 403 here too).
func TestEveryRouteChecksKeyScope(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	owner, _ := xentreetest.CreateUser(t, env.eng, "")
	o, err := env.eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Scopes"})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	newKey := func(scopes []string) string {
		k, err := env.eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "k", OrganizationID: o.ID, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return k.Key
	}
	fill := strings.NewReplacer("{", "", "}", "") // any id: scope comes before existence
	checked := 0
	for path, item := range openAPIPaths(t, env) {
		for method, op := range item {
			sec, _ := op["security"].([]any)
			if len(sec) == 0 {
				continue // public
			}
			scope, _ := op["x-required-scope"].(string)
			url := fill.Replace(path)
			method = strings.ToUpper(method)
			if keys["-"+scope] == "" {
				keys["-"+scope], keys["+"+scope] = newKey(otherScopes(scope)), newKey([]string{cmp.Or(scope, auth.ScopeAPIRead)})
			}
			rec := env.do(method, url, "{not json", map[string]string{"X-API-Key": keys["-"+scope]})
			body := rec.Body.String()
			switch {
			case scope == "" && (rec.Code != 403 || !strings.Contains(body, `"api_key_not_allowed"`)):
				t.Errorf("%s %s with a key: %d %s, want 403 api_key_not_allowed", method, path, rec.Code, body)
			case scope != "" && (rec.Code != 403 || !strings.Contains(body, `"required_scope":"`+scope+`"`)):
				t.Errorf("%s %s with a key lacking %s: %d %s", method, path, scope, rec.Code, body)
			}
			if scope != "" {
				rec = env.do(method, url, "", map[string]string{"X-API-Key": keys["+"+scope]})
				if strings.Contains(rec.Body.String(), auth.CodeInsufficientScope) {
					t.Errorf("%s %s with %s: engine wants another scope: %s", method, path, scope, rec.Body)
				}
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("only %d routes checked", checked)
	}
}

// TestAPIKeyHTTP: a key authenticates over HTTP from an allowed address and
// is refused from another, after expiry and after deletion.
func TestAPIKeyHTTP(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	owner, tok := xentreetest.CreateUser(t, env.eng, "")
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	o, err := env.eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "HTTP keys"})
	if err != nil {
		t.Fatal(err)
	}
	// httptest requests come from 192.0.2.1.
	rec := env.do("POST", "/api/api-keys", `{"name":"ci","organization_id":"`+o.ID+`","scopes":["conversations:read","conversations:write"],
		"allowed_ips":["192.0.2.0/24"],"expires_at":"2026-04-16T11:00:00.000Z"}`, bearer)
	var k org.APIKey
	if err := json.Unmarshal(rec.Body.Bytes(), &k); rec.Code != 201 || err != nil || len(k.Key) != 91 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	key := map[string]string{"X-API-Key": k.Key}
	if rec := env.do("POST", "/api/core/conversations", `{"title":"by key"}`, key); rec.Code != 201 {
		t.Fatalf("create conversation with key: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/core/conversations", "", bearer); !strings.Contains(rec.Body.String(), "by key") {
		t.Fatalf("the key did not act as its creator: %s", rec.Body)
	}
	if rec := env.do("GET", "/api/api-keys", "", bearer); strings.Contains(rec.Body.String(), k.Key) || !strings.Contains(rec.Body.String(), k.Prefix) {
		t.Fatalf("list shows the key or hides the prefix: %s", rec.Body)
	}

	outside, err := env.eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "elsewhere", OrganizationID: o.ID,
		Scopes: []string{auth.ScopeConversationsRead}, AllowedIPs: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec := env.do("GET", "/api/core/conversations", "", map[string]string{"X-API-Key": outside.Key}); rec.Code != 403 || !strings.Contains(rec.Body.String(), "ip_not_allowed") {
		t.Fatalf("outside the allow-list: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("DELETE", "/api/api-keys/"+outside.ID, "", bearer); rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/core/conversations", "", map[string]string{"X-API-Key": outside.Key}); rec.Code != 401 {
		t.Fatalf("deleted key: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/core/conversations", "", map[string]string{"X-API-Key": "xntr-nonsense"}); rec.Code != 401 {
		t.Fatalf("malformed key: %d %s", rec.Code, rec.Body)
	}
	env.clock.Advance(2 * time.Hour)
	if rec := env.do("GET", "/api/core/conversations", "", key); rec.Code != 401 || !strings.Contains(rec.Body.String(), "api_key_expired") {
		t.Fatalf("expired: %d %s", rec.Code, rec.Body)
	}
}

// TestAPIKeyBehindProxy: behind a trusted proxy the key's allow-list sees
// the address the proxy appended, not one the client put first.
func TestAPIKeyBehindProxy(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	h := httpapi.New(eng, httpapi.Config{TrustProxyHeaders: true})
	ctx := context.Background()
	owner, _ := xentreetest.CreateUser(t, eng, "")
	o, err := eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Proxied"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "k", OrganizationID: o.ID,
		Scopes: []string{auth.ScopeConversationsRead}, AllowedIPs: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	for xff, want := range map[string]int{
		"10.1.2.3":              200, // the proxy saw 10.1.2.3
		"10.1.2.3, 203.0.113.9": 403, // the client claimed 10.1.2.3; the proxy saw 203.0.113.9
		"203.0.113.9, 10.9.9.9": 200,
	} {
		req := httptest.NewRequest("GET", "/api/core/conversations", nil)
		req.Header.Set("X-API-Key", k.Key)
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("X-Forwarded-For %q: %d %s, want %d", xff, rec.Code, rec.Body, want)
		}
	}
}
