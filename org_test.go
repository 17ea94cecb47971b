package xentree_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
	"github.com/xentree/xentree/xtime"
)

func newOrg(t *testing.T, eng *xentree.Engine, owner xentree.User, name string) org.Organization {
	t.Helper()
	o, err := eng.CreateOrganization(context.Background(), owner, org.CreateRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func addMember(t *testing.T, eng *xentree.Engine, actor xentree.User, orgID string, u xentree.User, role string) {
	t.Helper()
	if _, err := eng.AddMember(context.Background(), actor, orgID, org.AddMemberRequest{UserID: u.ID, Role: role}); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err error, kind xerr.Kind, code string) {
	t.Helper()
	if xerr.KindOf(err) != kind {
		t.Fatalf("%s: err %v, want kind %v", what, err, kind)
	}
	if code != "" && xerr.As(err).PublicCode() != code {
		t.Fatalf("%s: code %q, want %q", what, xerr.As(err).PublicCode(), code)
	}
}

func TestOrganizationLifecycle(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	bob, _ := xentreetest.CreateUser(t, eng, "bob@example.com")

	o := newOrg(t, eng, ada, "  Café Zürich Learners ")
	if o.Slug != "cafe-zurich-learners" || o.Role != org.RoleOwner || o.MemberCount != 1 || o.Name != "Café Zürich Learners" {
		t.Fatalf("created %+v", o)
	}
	// A derived slug that is taken gets a suffix; an explicit one is a conflict.
	if o2 := newOrg(t, eng, bob, "Café Zürich learners"); o2.Slug != "cafe-zurich-learners-2" {
		t.Fatalf("second slug %q", o2.Slug)
	}
	_, err := eng.CreateOrganization(ctx, bob, org.CreateRequest{Name: "x", Slug: "cafe-zurich-learners"})
	wantErr(t, "explicit taken slug", err, xerr.Conflict, "slug_taken")
	if o3 := newOrg(t, eng, bob, "日本語"); len(o3.Slug) < org.MinSlug {
		t.Fatalf("slug for a non-Latin name: %q", o3.Slug)
	}
	for _, bad := range []org.CreateRequest{{Name: ""}, {Name: "ok", Slug: "No Caps"}, {Name: "ok", Slug: "ab"}, {Name: "bad\x00name"}} {
		_, err := eng.CreateOrganization(ctx, ada, bad)
		wantErr(t, "create "+bad.Name+"/"+bad.Slug, err, xerr.Invalid, "")
	}

	addMember(t, eng, ada, o.ID, bob, org.RoleMember)
	got, err := eng.GetOrganization(ctx, bob, o.ID)
	if err != nil || got.Role != org.RoleMember || got.MemberCount != 2 {
		t.Fatalf("bob's view: %+v %v", got, err)
	}
	_, err = eng.AddMember(ctx, ada, o.ID, org.AddMemberRequest{Email: "bob@example.com", Role: org.RoleMember})
	wantErr(t, "add twice", err, xerr.Conflict, "already_member")
	_, err = eng.AddMember(ctx, ada, o.ID, org.AddMemberRequest{Email: "nobody@example.com", Role: org.RoleMember})
	wantErr(t, "add unknown", err, xerr.NotFound, "user_not_found")

	name := "Renamed"
	if got, err := eng.UpdateOrganization(ctx, ada, o.ID, org.UpdateRequest{Name: &name}); err != nil || got.Name != name {
		t.Fatalf("update: %+v %v", got, err)
	}
	_, err = eng.UpdateOrganization(ctx, bob, o.ID, org.UpdateRequest{Name: &name})
	wantErr(t, "member updates", err, xerr.Forbidden, "")

	list, err := eng.ListOrganizations(ctx, bob, xentree.Page{})
	if err != nil || len(list.Items) != 3 { // two of his own, and ada's
		t.Fatalf("bob's organizations: %d %v", len(list.Items), err)
	}

	// Deleting cascades: members, teams, keys.
	team, err := eng.CreateTeam(ctx, ada, o.ID, org.TeamRequest{Name: "Evening class"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := eng.CreateAPIKey(ctx, ada, org.CreateKeyRequest{Name: "ci", OrganizationID: o.ID, Scopes: []string{auth.ScopeOrganizationsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.GrantIntegrationToken(ctx, ada, integration.GrantRequest{Mode: "api", Origin: "https://partner.example",
		Scopes: []string{"profile:read"}, TTLSeconds: 60, TenantID: o.ID}); err != nil {
		t.Fatal(err)
	}
	if err := eng.DeleteOrganization(ctx, ada, o.ID); err != nil {
		t.Fatal(err)
	}
	_, err = eng.GetOrganization(ctx, bob, o.ID)
	wantErr(t, "get deleted", err, xerr.NotFound, "")
	_, err = eng.ListTeams(ctx, ada, o.ID, xentree.Page{})
	wantErr(t, "teams of deleted", err, xerr.NotFound, "")
	_, err = eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	wantErr(t, "key of deleted org", err, xerr.Unauthenticated, "")
	// Its integration signing keys too (no foreign key does it since
	// tenants may be users as well).
	if set, err := eng.IntegrationJWKS(ctx, o.ID); err != nil || len(set.Keys) != 0 {
		t.Fatalf("a deleted organization still publishes keys: %+v %v", set, err)
	}
	_ = team
}

func TestMemberRules(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	owner, _ := xentreetest.CreateUser(t, eng, "")
	admin, _ := xentreetest.CreateUser(t, eng, "")
	mgr, _ := xentreetest.CreateUser(t, eng, "")
	member, _ := xentreetest.CreateUser(t, eng, "")
	other, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, owner, "Rules")
	team, err := eng.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	teamB, err := eng.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, eng, owner, o.ID, admin, org.RoleAdmin)
	if _, err := eng.AddMember(ctx, owner, o.ID, org.AddMemberRequest{UserID: mgr.ID, Role: org.RoleManager, TeamID: team.ID}); err != nil {
		t.Fatal(err)
	}
	addMember(t, eng, owner, o.ID, member, org.RoleMember)

	steps := []struct {
		name string
		do   func() error
		kind xerr.Kind // Internal means success
		code string
	}{
		{"admin cannot appoint an owner", func() error {
			_, err := eng.UpdateMemberRole(ctx, admin, o.ID, member.ID, org.RoleRequest{Role: org.RoleOwner})
			return err
		}, xerr.Forbidden, ""},
		{"admin cannot demote the owner", func() error {
			_, err := eng.UpdateMemberRole(ctx, admin, o.ID, owner.ID, org.RoleRequest{Role: org.RoleMember})
			return err
		}, xerr.Forbidden, ""},
		{"admin cannot remove the owner", func() error { return eng.RemoveMember(ctx, admin, o.ID, owner.ID) }, xerr.Forbidden, ""},
		{"the last owner cannot be demoted", func() error {
			_, err := eng.UpdateMemberRole(ctx, owner, o.ID, owner.ID, org.RoleRequest{Role: org.RoleAdmin})
			return err
		}, xerr.Conflict, "last_owner"},
		{"the last owner cannot leave", func() error { return eng.RemoveMember(ctx, owner, o.ID, owner.ID) }, xerr.Conflict, "last_owner"},
		{"a manager cannot add to another team", func() error {
			_, err := eng.AddMember(ctx, mgr, o.ID, org.AddMemberRequest{UserID: other.ID, Role: org.RoleMember, TeamID: teamB.ID})
			return err
		}, xerr.Forbidden, ""},
		{"a manager cannot add an admin", func() error {
			_, err := eng.AddMember(ctx, mgr, o.ID, org.AddMemberRequest{UserID: other.ID, Role: org.RoleAdmin, TeamID: team.ID})
			return err
		}, xerr.Forbidden, ""},
		{"a manager cannot rename another team", func() error {
			n := "mine"
			_, err := eng.UpdateTeam(ctx, mgr, o.ID, teamB.ID, org.TeamUpdateRequest{Name: &n})
			return err
		}, xerr.Forbidden, ""},
		{"a manager renames their own team", func() error {
			n := "Team A+"
			_, err := eng.UpdateTeam(ctx, mgr, o.ID, team.ID, org.TeamUpdateRequest{Name: &n})
			return err
		}, xerr.Internal, ""},
		{"team names are unique per organization", func() error {
			n := "b"
			_, err := eng.UpdateTeam(ctx, owner, o.ID, team.ID, org.TeamUpdateRequest{Name: &n})
			return err
		}, xerr.Conflict, "team_name_taken"},
		{"a manager adds a member to their team", func() error {
			_, err := eng.AddMember(ctx, mgr, o.ID, org.AddMemberRequest{UserID: other.ID, Role: org.RoleMember, TeamID: team.ID})
			return err
		}, xerr.Internal, ""},
		{"a team of another organization is refused", func() error {
			_, err := eng.UpdateMember(ctx, owner, o.ID, member.ID, org.UpdateMemberRequest{Role: org.RoleMember, TeamID: "0190a0a0-0000-7000-8000-000000000000"})
			return err
		}, xerr.Invalid, ""},
		{"a member cannot remove another", func() error { return eng.RemoveMember(ctx, member, o.ID, other.ID) }, xerr.Forbidden, ""},
		{"the owner appoints a second owner", func() error {
			_, err := eng.UpdateMemberRole(ctx, owner, o.ID, admin.ID, org.RoleRequest{Role: org.RoleOwner})
			return err
		}, xerr.Internal, ""},
		{"now the first owner may step down", func() error {
			_, err := eng.UpdateMemberRole(ctx, owner, o.ID, owner.ID, org.RoleRequest{Role: org.RoleAdmin})
			return err
		}, xerr.Internal, ""},
		{"a member may leave", func() error { return eng.RemoveMember(ctx, member, o.ID, member.ID) }, xerr.Internal, ""},
		{"a non-member learns nothing", func() error { _, err := eng.ListMembers(ctx, member, o.ID, xentree.Page{}); return err }, xerr.NotFound, ""},
		{"an unknown role is invalid", func() error {
			_, err := eng.UpdateMemberRole(ctx, admin, o.ID, other.ID, org.RoleRequest{Role: "emperor"})
			return err
		}, xerr.Invalid, ""},
	}
	for _, s := range steps {
		err := s.do()
		if s.kind == xerr.Internal {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		wantErr(t, s.name, err, s.kind, s.code)
	}
	// Deleting a team keeps its members, in no team.
	if err := eng.DeleteTeam(ctx, admin, o.ID, team.ID); err != nil {
		t.Fatal(err)
	}
	ms, err := eng.ListMembers(ctx, admin, o.ID, xentree.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.Items {
		if m.TeamID != "" {
			t.Fatalf("member %s still in deleted team", m.UserID)
		}
	}
}

func TestMoveMemberBetweenOrganizations(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	boss, _ := xentreetest.CreateUser(t, eng, "")
	worker, _ := xentreetest.CreateUser(t, eng, "")
	stranger, _ := xentreetest.CreateUser(t, eng, "")
	a, b := newOrg(t, eng, boss, "Alpha"), newOrg(t, eng, boss, "Beta")
	c := newOrg(t, eng, stranger, "Gamma")
	team, err := eng.CreateTeam(ctx, boss, b.ID, org.TeamRequest{Name: "Night"})
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, eng, boss, a.ID, worker, org.RoleMember)
	key, err := eng.CreateAPIKey(ctx, worker, org.CreateKeyRequest{Name: "w", OrganizationID: a.ID, Scopes: []string{auth.ScopeOrganizationsRead}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.UpdateMember(ctx, boss, a.ID, worker.ID, org.UpdateMemberRequest{Role: org.RoleMember, OrganizationID: c.ID})
	wantErr(t, "move to an organization the caller does not administer", err, xerr.Invalid, "")

	m, err := eng.UpdateMember(ctx, boss, a.ID, worker.ID, org.UpdateMemberRequest{Role: org.RoleManager, OrganizationID: b.ID, TeamID: team.ID})
	if err != nil || m.Role != org.RoleManager || m.TeamName != "Night" {
		t.Fatalf("move: %+v %v", m, err)
	}
	if _, err := eng.GetOrganization(ctx, worker, a.ID); !xerr.Is(err, xerr.NotFound) {
		t.Fatalf("still in alpha: %v", err)
	}
	// The key acted as the worker within Alpha, which the worker left.
	_, err = eng.AuthenticateAPIKey(ctx, key.Key, "127.0.0.1")
	wantErr(t, "key after its creator moved", err, xerr.Unauthenticated, "")
}

// TestLastOwnerRace: two owners removing (or demoting) each other at the
// same moment leave exactly one owner, every time.
func TestLastOwnerRace(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	a, _ := xentreetest.CreateUser(t, eng, "")
	b, _ := xentreetest.CreateUser(t, eng, "")
	for round := 0; round < 30; round++ {
		o := newOrg(t, eng, a, "Race")
		addMember(t, eng, a, o.ID, b, org.RoleOwner)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]xentree.User{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if round%2 == 0 {
					errs[i] = eng.RemoveMember(ctx, pair[0], o.ID, pair[1].ID)
				} else {
					_, errs[i] = eng.UpdateMemberRole(ctx, pair[0], o.ID, pair[1].ID, org.RoleRequest{Role: org.RoleAdmin})
				}
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: want exactly one success, got %v and %v", round, errs[0], errs[1])
		}
		owners := 0
		for _, u := range []xentree.User{a, b} {
			if g, err := eng.GetOrganization(ctx, u, o.ID); err == nil && g.Role == org.RoleOwner {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("round %d: %d owners left", round, owners)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, ada, "Keys")
	other := newOrg(t, eng, ada, "Other")
	addMember(t, eng, ada, o.ID, bob, org.RoleMember)
	conv, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "ada's"})
	if err != nil {
		t.Fatal(err)
	}

	exp := xtime.Of(clock.Now().Add(time.Hour))
	k, err := eng.CreateAPIKey(ctx, ada, org.CreateKeyRequest{
		Name: "server", OrganizationID: o.ID, ExpiresAt: &exp,
		Scopes:     []string{auth.ScopeConversationsRead, auth.ScopeOrganizationsRead, auth.ScopeConversationsRead},
		AllowedIPs: []string{"10.1.0.0/16", "2001:db8::1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Key) != 91 || k.Key[:5] != "xntr-" || k.Prefix != k.Key[:13] || len(k.Scopes) != 2 {
		t.Fatalf("created %+v", k)
	}

	// The key acts as ada within its organization, limited to its scopes.
	u, err := eng.AuthenticateAPIKey(ctx, k.Key, "10.1.2.3")
	if err != nil || u.ID != ada.ID || u.OrgID != o.ID || u.APIKeyID != k.ID {
		t.Fatalf("authenticate: %+v %v", u, err)
	}
	if got, err := eng.GetConversation(ctx, u, conv.ID); err != nil || got.ID != conv.ID {
		t.Fatalf("read ada's conversation with the key: %v", err)
	}
	_, err = eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "x"})
	wantErr(t, "write without the scope", err, xerr.Forbidden, auth.CodeInsufficientScope)
	if d := xerr.As(err).Details; d["required_scope"] != auth.ScopeConversationsWrite {
		t.Fatalf("details %v", d)
	}
	_, err = eng.GetOrganization(ctx, u, other.ID)
	wantErr(t, "another organization of the creator", err, xerr.NotFound, "")
	if l, err := eng.ListOrganizations(ctx, u, xentree.Page{}); err != nil || len(l.Items) != 1 || l.Items[0].ID != o.ID {
		t.Fatalf("key's organizations: %+v %v", l, err)
	}
	_, err = eng.Me(ctx, u)
	wantErr(t, "profile with a key", err, xerr.Forbidden, "api_key_not_allowed")
	_, err = eng.CreateAPIKey(ctx, u, org.CreateKeyRequest{Name: "child", OrganizationID: o.ID, Scopes: []string{auth.ScopeAPIRead}})
	wantErr(t, "a key making keys", err, xerr.Forbidden, "api_key_not_allowed")

	// Refusals: address, malformed, expiry, deletion.
	for _, ip := range []string{"10.2.0.1", "2001:db8::2", "not-an-ip", ""} {
		_, err := eng.AuthenticateAPIKey(ctx, k.Key, ip)
		wantErr(t, "from "+ip, err, xerr.Forbidden, "ip_not_allowed")
	}
	if _, err := eng.AuthenticateAPIKey(ctx, k.Key, "2001:db8::1"); err != nil {
		t.Fatalf("allowed v6 address: %v", err)
	}
	for _, bad := range []string{"", "xntr-short", k.Key[:90] + "!", "Bearer " + k.Key, k.Key[:90] + otherChar(k.Key[90:])} {
		_, err := eng.AuthenticateAPIKey(ctx, bad, "10.1.2.3")
		wantErr(t, "malformed", err, xerr.Unauthenticated, "")
	}
	clock.Advance(time.Hour)
	_, err = eng.AuthenticateAPIKey(ctx, k.Key, "10.1.2.3")
	wantErr(t, "expired", err, xerr.Unauthenticated, "api_key_expired")

	k2, err := eng.CreateAPIKey(ctx, bob, org.CreateKeyRequest{Name: "bob's", OrganizationID: o.ID, Scopes: []string{auth.ScopeOrganizationsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AuthenticateAPIKey(ctx, k2.Key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	// bob sees only his own key; ada (owner) sees both.
	if l, _ := eng.ListAPIKeys(ctx, bob, "", xentree.Page{}); len(l.Items) != 1 || l.Items[0].ID != k2.ID || l.Items[0].Key != "" {
		t.Fatalf("bob's keys: %+v", l.Items)
	}
	if l, _ := eng.ListAPIKeys(ctx, ada, o.ID, xentree.Page{}); len(l.Items) != 2 {
		t.Fatalf("ada's keys: %+v", l.Items)
	}
	wantErr(t, "bob deletes ada's key", eng.DeleteAPIKey(ctx, bob, k.ID), xerr.NotFound, "")
	if err := eng.DeleteAPIKey(ctx, ada, k2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = eng.AuthenticateAPIKey(ctx, k2.Key, "127.0.0.1")
	wantErr(t, "deleted key, at once", err, xerr.Unauthenticated, "invalid_api_key")

	// last_used_at is recorded, at most once a minute.
	k3, err := eng.CreateAPIKey(ctx, ada, org.CreateKeyRequest{Name: "used", OrganizationID: o.ID, Scopes: []string{auth.ScopeOrganizationsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AuthenticateAPIKey(ctx, k3.Key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	l, _ := eng.ListAPIKeys(ctx, ada, o.ID, xentree.Page{Limit: 1})
	if l.Items[0].ID != k3.ID || l.Items[0].LastUsedAt == nil || !l.Items[0].LastUsedAt.Equal(clock.Now()) {
		t.Fatalf("last used: %+v", l.Items[0])
	}

	for _, bad := range []org.CreateKeyRequest{
		{Name: "", OrganizationID: o.ID, Scopes: []string{auth.ScopeAPIRead}},
		{Name: "x", OrganizationID: o.ID},
		{Name: "x", OrganizationID: o.ID, Scopes: []string{"everything"}},
		{Name: "x", OrganizationID: o.ID, Scopes: []string{auth.ScopeAPIRead}, AllowedIPs: []string{"10.0.0.0/33"}},
		{Name: "x", OrganizationID: o.ID, Scopes: []string{auth.ScopeAPIRead}, ExpiresAt: &exp}, // now in the past
	} {
		_, err := eng.CreateAPIKey(ctx, ada, bad)
		wantErr(t, "bad key request", err, xerr.Invalid, "")
	}
	outsider, _ := xentreetest.CreateUser(t, eng, "")
	_, err = eng.CreateAPIKey(ctx, outsider, org.CreateKeyRequest{Name: "x", OrganizationID: o.ID, Scopes: []string{auth.ScopeAPIRead}})
	wantErr(t, "key for an organization one is not in", err, xerr.NotFound, "")
}

// otherChar returns a one-character string different from s.
func otherChar(s string) string {
	if s == "A" {
		return "B"
	}
	return "A"
}

// TestDisableStopsSessionsAndKeys: disabling an account ends its bearer
// sessions and API keys at once.
func TestDisableStopsSessionsAndKeys(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	u, tok := xentreetest.CreateUser(t, eng, "disabled@example.com")
	o := newOrg(t, eng, u, "Disabled")
	k, err := eng.CreateAPIKey(ctx, u, org.CreateKeyRequest{Name: "k", OrganizationID: o.ID, Scopes: []string{auth.ScopeOrganizationsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := eng.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = eng.Authenticate(ctx, tok.AccessToken)
	wantErr(t, "session of a disabled account", err, xerr.Unauthenticated, "")
	_, err = eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	wantErr(t, "key of a disabled account", err, xerr.Unauthenticated, "")
	// Enabling it again (after a compromise, say) brings none of them back.
	if err := eng.SetUserDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = eng.Authenticate(ctx, tok.AccessToken)
	wantErr(t, "session after re-enabling", err, xerr.Unauthenticated, "")
	_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tok.RefreshToken})
	wantErr(t, "refresh after re-enabling", err, xerr.Unauthenticated, "")
	_, err = eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	wantErr(t, "key after re-enabling", err, xerr.Unauthenticated, "")
	if _, err := eng.Login(ctx, auth.LoginRequest{Username: "disabled@example.com", Password: xentreetest.Password}); err != nil {
		t.Errorf("login after re-enabling: %v", err)
	}
}

// An account belongs to at most Limits.MaxMemberships organizations, by
// creating them or being added: every knowledge search looks in each.
func TestMembershipLimit(t *testing.T) {
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.Limits.MaxMemberships = 2 }))
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	a1 := newOrg(t, eng, ada, "A1")
	a2 := newOrg(t, eng, ada, "A2")
	_, err := eng.CreateOrganization(ctx, ada, org.CreateRequest{Name: "A3"})
	wantErr(t, "a third organization", err, xerr.Conflict, "membership_limit")
	b1 := newOrg(t, eng, bob, "B1")
	_, err = eng.AddMember(ctx, bob, b1.ID, org.AddMemberRequest{UserID: ada.ID, Role: org.RoleMember})
	wantErr(t, "adding a member who is in two already", err, xerr.Conflict, "membership_limit")
	_, err = eng.AddMember(ctx, ada, a1.ID, org.AddMemberRequest{UserID: ada.ID, Role: org.RoleMember})
	wantErr(t, "adding an existing member at the limit", err, xerr.Conflict, "already_member")
	addMember(t, eng, ada, a1.ID, bob, org.RoleMember) // bob: B1 and A1
	// Leaving one makes room again.
	if err := eng.DeleteOrganization(ctx, ada, a2.ID); err != nil {
		t.Fatal(err)
	}
	addMember(t, eng, bob, b1.ID, ada, org.RoleMember)
	orgs, err := eng.ListOrganizations(ctx, ada, xentree.Page{})
	if err != nil || len(orgs.Items) != 2 {
		t.Fatalf("ada's organizations: %d %v", len(orgs.Items), err)
	}
}

// An update that changes nothing (PATCH {}, or the values already there)
// leaves updated_at alone; one that changes something moves it.
func TestEmptyUpdatesKeepUpdatedAt(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, ada, "Studio")
	team, err := eng.CreateTeam(ctx, ada, o.ID, org.TeamRequest{Name: "Crew"})
	if err != nil {
		t.Fatal(err)
	}
	note, err := eng.CreateNote(ctx, ada, conversation.NoteCreateRequest{Title: "t", Content: "c"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := eng.Me(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	name, same := "Studio", "Crew"
	for _, c := range []struct {
		what    string
		created time.Time
		update  func() (time.Time, error)
	}{
		{"me", me.UpdatedAt.Time, func() (time.Time, error) {
			p, err := eng.UpdateMe(ctx, ada, auth.UpdateMeRequest{})
			return p.UpdatedAt.Time, err
		}},
		{"organization", o.UpdatedAt.Time, func() (time.Time, error) {
			u, err := eng.UpdateOrganization(ctx, ada, o.ID, org.UpdateRequest{Name: &name})
			return u.UpdatedAt.Time, err
		}},
		{"team", team.UpdatedAt.Time, func() (time.Time, error) {
			u, err := eng.UpdateTeam(ctx, ada, o.ID, team.ID, org.TeamUpdateRequest{Name: &same})
			return u.UpdatedAt.Time, err
		}},
		{"note", note.UpdatedAt.Time, func() (time.Time, error) {
			u, err := eng.UpdateNote(ctx, ada, note.ID, conversation.NoteUpdateRequest{})
			return u.UpdatedAt.Time, err
		}},
	} {
		clock.Advance(time.Minute)
		got, err := c.update()
		if err != nil || !got.Equal(c.created) {
			t.Errorf("%s: an update that changes nothing moved updated_at %v -> %v (%v)", c.what, c.created, got, err)
		}
	}
	clock.Advance(time.Minute)
	fn := "Ada L."
	if p, err := eng.UpdateMe(ctx, ada, auth.UpdateMeRequest{FullName: &fn}); err != nil || !p.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("a real change: %v %v", p.UpdatedAt, err)
	}
}
