package xentree_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
	"github.com/xentree/xentree/xtime"
)

// statsWorld is an organization with every kind of caller, and activity
// stored around the edges of UTC days by members in far-apart time zones.
type statsWorld struct {
	eng                   *xentree.Engine
	clock                 *xentreetest.Clock
	org, other            org.Organization
	teamA, teamB          org.Team
	owner, admin, manager xentree.User
	member, ada, bob      xentree.User
	outsider              xentree.User
	task                  *xel.TaskDef
}

// at moves the clock to a UTC instant.
func (w *statsWorld) at(t *testing.T, s string) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(tm)
}

func statsUser(t *testing.T, eng *xentree.Engine, email, name, tz string) xentree.User {
	t.Helper()
	u, _ := xentreetest.CreateUser(t, eng, email)
	if _, err := eng.UpdateMe(context.Background(), u, auth.UpdateMeRequest{FullName: &name, Timezone: &tz}); err != nil {
		t.Fatal(err)
	}
	return u
}

func statsJoin(t *testing.T, eng *xentree.Engine, actor xentree.User, orgID string, u xentree.User, role, teamID string) {
	t.Helper()
	if _, err := eng.AddMember(context.Background(), actor, orgID, org.AddMemberRequest{UserID: u.ID, Role: role, TeamID: teamID}); err != nil {
		t.Fatal(err)
	}
}

// newStatsWorld builds the organization at the fake clock's start (April
// 16, 2026) and stores, in time order:
//
//	2026-04-19T23:59:59.999Z  bob (Los Angeles) sends a message: the 19th
//	2026-04-20T00:00:00.000Z  bob passes an XEL task: the 20th (the 19th where he lives)
//	2026-04-20T13:00:00.000Z  ada (Auckland) passes an XEL task: the 20th (the 21st where she lives)
//	2026-04-20T23:59:59.999Z  ada sends a message: the 20th
//	2026-04-21T00:00:00.000Z  ada sends a message: the 21st
//	2026-04-21T10:00:00.000Z  ada talks in Live for 90 s and saves the transcript
//	2026-04-21T12:00:00.000Z  bob adds a document
//
// and leaves the clock at 2026-04-25T09:00Z.
func newStatsWorld(t *testing.T) *statsWorld {
	t.Helper()
	ctx := context.Background()
	w := &statsWorld{clock: xentreetest.NewClock()}
	w.eng = xentreetest.NewEngine(t, xentreetest.WithClock(w.clock))
	eng := w.eng
	w.owner = statsUser(t, eng, "owner@stats.example", "Olive Owner", "UTC")
	w.admin = statsUser(t, eng, "admin@stats.example", "Adam Admin", "UTC")
	w.manager = statsUser(t, eng, "manager@stats.example", "Mona Manager", "UTC")
	w.member = statsUser(t, eng, "member@stats.example", "Max Member", "UTC")
	w.ada = statsUser(t, eng, "ada@stats.example", "Ada Lovelace", "Pacific/Auckland")
	w.bob = statsUser(t, eng, "bob@stats.example", "Bob Ærø", "America/Los_Angeles")
	w.outsider = statsUser(t, eng, "outsider@stats.example", "Otto Outsider", "UTC")

	w.org = newOrg(t, eng, w.owner, "Stats School")
	var err error
	if w.teamA, err = eng.CreateTeam(ctx, w.owner, w.org.ID, org.TeamRequest{Name: "Team A"}); err != nil {
		t.Fatal(err)
	}
	if w.teamB, err = eng.CreateTeam(ctx, w.owner, w.org.ID, org.TeamRequest{Name: "Team B"}); err != nil {
		t.Fatal(err)
	}
	statsJoin(t, eng, w.owner, w.org.ID, w.admin, org.RoleAdmin, "")
	statsJoin(t, eng, w.owner, w.org.ID, w.manager, org.RoleManager, w.teamA.ID)
	statsJoin(t, eng, w.owner, w.org.ID, w.member, org.RoleMember, w.teamA.ID)
	statsJoin(t, eng, w.owner, w.org.ID, w.ada, org.RoleMember, w.teamA.ID)
	statsJoin(t, eng, w.owner, w.org.ID, w.bob, org.RoleMember, w.teamB.ID)
	// Ada also belongs to an organization the owner administers and the admin does not.
	w.other = newOrg(t, eng, w.owner, "Evening Classes")
	statsJoin(t, eng, w.owner, w.other.ID, w.ada, org.RoleMember, "")

	w.task = firstTask(t, eng, xel.TypeGapFill)
	message := func(u xentree.User) {
		t.Helper()
		if _, err := eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Question", InitialQuery: "How do I say hello?"}); err != nil {
			t.Fatal(err)
		}
	}
	pass := func(u xentree.User) {
		t.Helper()
		if r, err := eng.SubmitTask(ctx, u, w.task.ID, xel.SubmitRequest{Answer: w.task.Accepted[0]}); err != nil || !r.Passed {
			t.Fatalf("submit: %+v %v", r, err)
		}
	}
	w.at(t, "2026-04-19T23:59:59.999Z")
	message(w.bob)
	w.at(t, "2026-04-20T00:00:00.000Z")
	pass(w.bob)
	w.at(t, "2026-04-20T13:00:00.000Z")
	pass(w.ada)
	w.at(t, "2026-04-20T23:59:59.999Z")
	message(w.ada)
	w.at(t, "2026-04-21T00:00:00.000Z")
	message(w.ada)
	w.at(t, "2026-04-21T10:00:00.000Z")
	s, err := eng.StartLiveSession(ctx, w.ada, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		w.clock.Advance(30 * time.Second)
		if _, err := eng.HeartbeatLiveSession(ctx, w.ada, live.SessionRequest{SessionID: s.SessionID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.EndLiveSession(ctx, w.ada, live.SessionRequest{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	started, _ := time.Parse(time.RFC3339, "2026-04-21T10:00:00Z")
	if _, err := eng.SaveLiveTranscript(ctx, w.ada, live.SaveTranscriptRequest{SessionID: s.SessionID,
		SessionStartedAt: xtime.Of(started), SessionEndedAt: xtime.Of(started.Add(90 * time.Second)),
		Transcripts: []live.Turn{{Role: "user", Text: "Hello", Timestamp: xtime.Of(started)}}}); err != nil {
		t.Fatal(err)
	}
	w.at(t, "2026-04-21T12:00:00.000Z")
	if _, err := eng.CreateDocument(ctx, w.bob, knowledge.CreateRequest{Title: "Notes", Content: "Greetings in English."}); err != nil {
		t.Fatal(err)
	}
	w.at(t, "2026-04-25T09:00:00.000Z")
	return w
}

func TestAdminStatsDateBoundaries(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	xp := 10 * w.task.Difficulty
	type day struct{ active, messages, xel, xp int }
	for _, tc := range []struct {
		name, start, end string
		messages, convs  int
		xel, active      int
		live, docs       int
		newMembers       int
		days             []day // nil: only the count is checked
		nDays            int
	}{
		{name: "one day holds 00:00:00.000Z and 23:59:59.999Z", start: "2026-04-20", end: "2026-04-20",
			messages: 1, convs: 1, xel: 2, active: 2, days: []day{{2, 1, 2, 2 * xp}}},
		{name: "the next day starts at 00:00:00.000Z", start: "2026-04-21", end: "2026-04-21",
			messages: 1, convs: 1, active: 2, live: 90, docs: 1, days: []day{{2, 1, 0, 0}}},
		{name: "the day before ends at 23:59:59.999Z", start: "2026-04-19", end: "2026-04-19",
			messages: 1, convs: 1, active: 1, days: []day{{1, 1, 0, 0}}},
		{name: "three days bucket by UTC, whatever the members' zones", start: "2026-04-19", end: "2026-04-21",
			messages: 3, convs: 3, xel: 2, active: 2, live: 90, docs: 1,
			days: []day{{1, 1, 0, 0}, {2, 1, 2, 2 * xp}, {2, 1, 0, 0}}},
		{name: "a quiet day has zeros", start: "2026-04-22", end: "2026-04-22", days: []day{{0, 0, 0, 0}}},
		{name: "the day everyone joined", start: "2026-04-16", end: "2026-04-16", newMembers: 6, nDays: 1},
		{name: "defaults: the 30 days ending today", messages: 3, convs: 3, xel: 2, active: 2, live: 90, docs: 1,
			newMembers: 6, nDays: 30},
		{name: "only an end: 30 days ending then", end: "2026-04-20", messages: 2, convs: 2, xel: 2, active: 2,
			newMembers: 6, nDays: 30},
		{name: "only a start: up to today", start: "2026-04-21", messages: 1, convs: 1, active: 2, live: 90, docs: 1, nDays: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := w.eng.EngagementStats(ctx, w.owner, adminstats.Request{OrganizationID: w.org.ID, StartDate: tc.start, EndDate: tc.end})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Totals
			if got.Members != 6 || got.ActiveMembers != tc.active || got.NewMembers != tc.newMembers {
				t.Errorf("members, active, new = %d, %d, %d, want 6, %d, %d", got.Members, got.ActiveMembers, got.NewMembers, tc.active, tc.newMembers)
			}
			if got.Messages != tc.messages || got.Conversations != tc.convs || got.XELSubmissions != tc.xel || got.XPEarned != tc.xel*xp {
				t.Errorf("messages, conversations, submissions, xp = %d, %d, %d, %d, want %d, %d, %d, %d",
					got.Messages, got.Conversations, got.XELSubmissions, got.XPEarned, tc.messages, tc.convs, tc.xel, tc.xel*xp)
			}
			if got.LiveSeconds != int64(tc.live) || got.LiveSessions != min(tc.live, 1) || got.Documents != tc.docs {
				t.Errorf("live seconds, sessions, documents = %d, %d, %d, want %d, %d, %d",
					got.LiveSeconds, got.LiveSessions, got.Documents, tc.live, min(tc.live, 1), tc.docs)
			}
			want := tc.nDays
			if tc.days != nil {
				want = len(tc.days)
			}
			if len(s.Daily) != want {
				t.Fatalf("daily has %d entries, want %d", len(s.Daily), want)
			}
			if s.Daily[0].Date != s.StartDate || s.Daily[len(s.Daily)-1].Date != s.EndDate {
				t.Errorf("daily runs %s..%s, want %s..%s", s.Daily[0].Date, s.Daily[len(s.Daily)-1].Date, s.StartDate, s.EndDate)
			}
			for i, d := range tc.days {
				g := s.Daily[i]
				if (day{g.ActiveMembers, g.Messages, g.XELSubmissions, g.XPEarned}) != d {
					t.Errorf("daily[%d] %s = %+v, want %+v", i, g.Date, g, d)
				}
			}
		})
	}

	// The defaults, as the answer names them.
	s, err := w.eng.EngagementStats(ctx, w.owner, adminstats.Request{OrganizationID: w.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if s.StartDate != "2026-03-27" || s.EndDate != "2026-04-25" || s.TeamID != nil {
		t.Errorf("default range = %s..%s team %v, want 2026-03-27..2026-04-25 team nil", s.StartDate, s.EndDate, s.TeamID)
	}
	if len(s.TopMembers) != 2 || s.TopMembers[0].XPEarned != xp || s.TopMembers[0].UserID > s.TopMembers[1].UserID {
		t.Errorf("top members = %+v, want ada and bob by user id, %d XP each", s.TopMembers, xp)
	}
	// The live minutes show on the day the session started.
	for _, d := range s.Daily {
		if want := map[string]int64{"2026-04-21": 90}[d.Date]; d.LiveSeconds != want {
			t.Errorf("live seconds on %s = %d, want %d", d.Date, d.LiveSeconds, want)
		}
	}
}

// TestAdminStatsLiveSecondsRoundAsQuota: a Live session charged 90.4 s is
// 91 s in every statistic, as the member's own quota and session count it
// (live.UsedSeconds: a second begun is a second used), not 90.
func TestAdminStatsLiveSecondsRoundAsQuota(t *testing.T) {
	ctx := context.Background()
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	owner := statsUser(t, eng, "owner@round.example", "Olive Owner", "UTC")
	ada := statsUser(t, eng, "ada@round.example", "Ada Lovelace", "UTC")
	o := newOrg(t, eng, owner, "Rounding School")
	statsJoin(t, eng, owner, o.ID, ada, org.RoleMember, "")
	s, err := eng.StartLiveSession(ctx, ada, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{30 * time.Second, 30 * time.Second, 30400 * time.Millisecond} {
		clock.Advance(d)
		if _, err := eng.HeartbeatLiveSession(ctx, ada, live.SessionRequest{SessionID: s.SessionID}); err != nil {
			t.Fatal(err)
		}
	}
	ended, err := eng.EndLiveSession(ctx, ada, live.SessionRequest{SessionID: s.SessionID})
	if err != nil {
		t.Fatal(err)
	}
	q, err := eng.LiveQuota(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	const want = 91
	if want != live.UsedSeconds(90400) || ended.UsedSeconds != want || q.UsedSeconds != want {
		t.Fatalf("the quota counts 90.4 s as session %d s, month %d s (UsedSeconds %d), want %d",
			ended.UsedSeconds, q.UsedSeconds, live.UsedSeconds(90400), want)
	}

	day := clock.Now().UTC().Format(time.DateOnly)
	req := adminstats.Request{OrganizationID: o.ID, StartDate: day, EndDate: day}
	stats, err := eng.EngagementStats(ctx, owner, req)
	if err != nil {
		t.Fatal(err)
	}
	m, err := eng.MemberEngagement(ctx, owner, ada.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	p, err := eng.MemberProgress(ctx, owner, adminstats.DirectoryRequest{OrgID: o.ID, StartDate: day, EndDate: day, Q: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Daily) != 1 || len(m.Daily) != 1 || len(p.Items) != 1 {
		t.Fatalf("daily %d, member daily %d, directory rows %d, want 1 each", len(stats.Daily), len(m.Daily), len(p.Items))
	}
	for _, f := range []struct {
		name string
		got  int64
	}{
		{"totals", stats.Totals.LiveSeconds}, {"daily", stats.Daily[0].LiveSeconds},
		{"member totals", m.Totals.LiveSeconds}, {"member daily", m.Daily[0].LiveSeconds}, {"directory", p.Items[0].LiveSeconds},
	} {
		if f.got != want {
			t.Errorf("%s: live_seconds = %d, want %d as the quota counts it", f.name, f.got, want)
		}
	}
}

func TestAdminStatsBadRanges(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	for _, tc := range []struct{ start, end, field string }{
		{"2026-4-20", "", "start_date"},
		{"", "2026-04-31", "end_date"},
		{"20260420", "", "start_date"},
		{"2026-04-20T00:00:00Z", "", "start_date"},
		{"2026-04-21", "2026-04-20", "start_date"},
		{"2025-04-20", "2026-04-21", "end_date"}, // 367 days
		{"0001-01-01", "9999-12-31", "end_date"},
	} {
		_, err := w.eng.EngagementStats(ctx, w.owner, adminstats.Request{OrganizationID: w.org.ID, StartDate: tc.start, EndDate: tc.end})
		if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field != tc.field {
			t.Errorf("%s..%s: err %v, want Invalid on %s", tc.start, tc.end, err, tc.field)
		}
	}
	// 366 days is allowed (a leap year's worth).
	if s, err := w.eng.EngagementStats(ctx, w.owner, adminstats.Request{OrganizationID: w.org.ID, StartDate: "2027-01-01", EndDate: "2028-01-01"}); err != nil || len(s.Daily) != 366 {
		t.Errorf("366 days: %d entries, %v", len(s.Daily), err)
	}
	_, err := w.eng.EngagementStats(ctx, w.owner, adminstats.Request{})
	if xerr.As(err).Field != "organization_id" {
		t.Errorf("no organization: err %v, want Invalid on organization_id", err)
	}
	_, err = w.eng.MemberProgress(ctx, w.owner, adminstats.DirectoryRequest{})
	if xerr.As(err).Field != "org_id" {
		t.Errorf("directory without org_id: err %v, want Invalid on org_id", err)
	}
}

func TestAdminStatsWhoMayLook(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	key := func(orgID string, scopes ...string) xentree.User {
		t.Helper()
		k, err := w.eng.CreateAPIKey(ctx, w.owner, orgKey(orgID, scopes...))
		if err != nil {
			t.Fatal(err)
		}
		u, err := w.eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	callers := []struct {
		name string
		user xentree.User
	}{
		{"owner", w.owner}, {"admin", w.admin}, {"manager", w.manager}, {"member", w.member}, {"outsider", w.outsider},
		{"key", key(w.org.ID, auth.ScopeAPIRead)}, {"key without api:read", key(w.org.ID, auth.ScopeOrganizationsRead)},
		{"key of another organization", key(w.other.ID, auth.ScopeAPIRead)},
	}
	type call func(u xentree.User) error
	engagement := func(team string) call {
		return func(u xentree.User) error {
			_, err := w.eng.EngagementStats(ctx, u, adminstats.Request{OrganizationID: w.org.ID, TeamID: team})
			return err
		}
	}
	detail := func(target xentree.User) call {
		return func(u xentree.User) error {
			_, err := w.eng.MemberEngagement(ctx, u, target.ID, adminstats.Request{OrganizationID: w.org.ID})
			return err
		}
	}
	directory := func(team string) call {
		return func(u xentree.User) error {
			_, err := w.eng.MemberProgress(ctx, u, adminstats.DirectoryRequest{OrgID: w.org.ID, TeamID: team})
			return err
		}
	}
	export := func(u xentree.User) error {
		return w.eng.ExportMemberProgress(ctx, u, adminstats.DirectoryRequest{OrgID: w.org.ID}, &bytes.Buffer{})
	}
	const ok, inv, forb, nf = xerr.Internal, xerr.Invalid, xerr.Forbidden, xerr.NotFound
	for _, row := range []struct {
		name string
		call call
		want [8]xerr.Kind // in the order of callers; Internal (zero) means no error
	}{
		{"engagement", engagement(""), [8]xerr.Kind{ok, ok, ok, forb, nf, ok, forb, nf}},
		{"engagement of the manager's team", engagement(w.teamA.ID), [8]xerr.Kind{ok, ok, ok, forb, nf, ok, forb, nf}},
		{"engagement of another team", engagement(w.teamB.ID), [8]xerr.Kind{ok, ok, forb, forb, nf, ok, forb, nf}},
		{"engagement of a team of another organization", engagement("01966b7e-1c2a-7000-8000-000000000000"), [8]xerr.Kind{inv, inv, forb, forb, nf, inv, forb, nf}},
		{"detail of a team A member", detail(w.ada), [8]xerr.Kind{ok, ok, ok, forb, nf, ok, forb, nf}},
		{"detail of a team B member", detail(w.bob), [8]xerr.Kind{ok, ok, nf, forb, nf, ok, forb, nf}},
		{"detail of a non-member", detail(w.outsider), [8]xerr.Kind{nf, nf, nf, forb, nf, nf, forb, nf}},
		{"directory", directory(""), [8]xerr.Kind{ok, ok, ok, forb, nf, ok, forb, nf}},
		{"directory of another team", directory(w.teamB.ID), [8]xerr.Kind{ok, ok, forb, forb, nf, ok, forb, nf}},
		{"export", export, [8]xerr.Kind{ok, ok, ok, forb, nf, ok, forb, nf}},
	} {
		for i, c := range callers {
			err := row.call(c.user)
			if got := xerr.KindOf(err); err == nil && row.want[i] != ok || err != nil && got != row.want[i] {
				t.Errorf("%s as %s: err %v, want kind %v", row.name, c.name, err, row.want[i])
			}
		}
	}
	_, err := w.eng.EngagementStats(ctx, callers[6].user, adminstats.Request{OrganizationID: w.org.ID})
	if code := xentree.ErrorCode(err); code != auth.CodeInsufficientScope {
		t.Errorf("key without api:read: code %q, want %q", code, auth.CodeInsufficientScope)
	}

	// The manager's figures are their team's.
	s, err := w.eng.EngagementStats(ctx, w.manager, adminstats.Request{OrganizationID: w.org.ID, StartDate: "2026-04-20", EndDate: "2026-04-20"})
	if err != nil {
		t.Fatal(err)
	}
	if s.TeamID == nil || *s.TeamID != w.teamA.ID || s.Totals.Members != 3 || s.Totals.XELSubmissions != 1 || s.Totals.Messages != 1 {
		t.Errorf("manager's view: team %v, totals %+v; want team A, 3 members, 1 submission, 1 message", s.TeamID, s.Totals)
	}
	page, err := w.eng.MemberProgress(ctx, w.manager, adminstats.DirectoryRequest{OrgID: w.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || slices.ContainsFunc(page.Items, func(m adminstats.MemberProgress) bool { return m.UserID == w.bob.ID }) {
		t.Errorf("manager's directory: %d members, %+v; want team A's 3, not bob", page.Total, page.Items)
	}
}

func TestAdminStatsMemberEngagement(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	req := adminstats.Request{OrganizationID: w.org.ID, StartDate: "2026-04-20", EndDate: "2026-04-21"}
	m, err := w.eng.MemberEngagement(ctx, w.owner, w.ada.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if m.UserID != w.ada.ID || m.Email != "ada@stats.example" || m.FullName != "Ada Lovelace" || m.StartDate != "2026-04-20" || m.EndDate != "2026-04-21" {
		t.Errorf("member = %+v", m)
	}
	xp := 10 * w.task.Difficulty
	want := adminstats.Activity{Messages: 2, Conversations: 2, LiveSessions: 1, LiveSeconds: 90, XELSubmissions: 1, XPEarned: xp}
	if m.Totals != want {
		t.Errorf("totals = %+v, want %+v", m.Totals, want)
	}
	if len(m.Daily) != 2 || m.Daily[0].ActiveMembers != 1 || m.Daily[0].XELSubmissions != 1 || m.Daily[0].Messages != 1 ||
		m.Daily[1].Messages != 1 || m.Daily[1].LiveSeconds != 90 {
		t.Errorf("daily = %+v", m.Daily)
	}
	// The latest activity: the transcript saved at the end of the Live session.
	if m.LastActiveAt == nil || m.LastActiveAt.String() != "2026-04-21T10:01:30.000Z" {
		t.Errorf("last_active_at = %v, want 2026-04-21T10:01:30.000Z", m.LastActiveAt)
	}
	// Her streak as she sees it: one day (the 21st in Auckland), broken by today.
	if m.Streak != (adminstats.Streak{Current: 0, Longest: 1}) {
		t.Errorf("streak = %+v, want {0 1}", m.Streak)
	}
	mod, _ := w.eng.Curriculum().Module(w.task.ModuleID)
	wantMods := adminstats.Modules{InProgress: 1}
	if len(mod.Tasks) == 1 {
		wantMods = adminstats.Modules{Completed: 1}
	}
	if m.Modules != wantMods {
		t.Errorf("modules = %+v, want %+v", m.Modules, wantMods)
	}
	// Before her submission, no module.
	early, err := w.eng.MemberEngagement(ctx, w.owner, w.ada.ID, adminstats.Request{OrganizationID: w.org.ID, StartDate: "2026-04-19", EndDate: "2026-04-19"})
	if err != nil || early.Modules != (adminstats.Modules{}) || early.LastActiveAt != nil || early.Totals != (adminstats.Activity{}) {
		t.Errorf("the day before: modules %+v, last %v, totals %+v, %v; want nothing", early.Modules, early.LastActiveAt, early.Totals, err)
	}

	// Affiliations: the owner administers both of ada's organizations; the
	// admin only this one; a key sees its own organization only.
	names := func(u xentree.User) []string {
		t.Helper()
		m, err := w.eng.MemberEngagement(ctx, u, w.ada.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Affiliations) != len(m.Organizations) {
			t.Errorf("%d affiliations for %d organizations", len(m.Affiliations), len(m.Organizations))
		}
		return m.Organizations
	}
	if got := names(w.owner); !slices.Equal(got, []string{"Evening Classes", "Stats School"}) {
		t.Errorf("owner sees organizations %q", got)
	}
	if got := names(w.admin); !slices.Equal(got, []string{"Stats School"}) {
		t.Errorf("admin sees organizations %q", got)
	}
	if m.Teams[0] != "Team A" || m.Affiliations[1].TeamName == nil || *m.Affiliations[1].TeamName != "Team A" ||
		m.Affiliations[0].TeamID != nil || m.Affiliations[1].Role != org.RoleMember {
		t.Errorf("teams %q, affiliations %+v", m.Teams, m.Affiliations)
	}
	k, err := w.eng.CreateAPIKey(ctx, w.owner, orgKey(w.org.ID, auth.ScopeAPIRead))
	if err != nil {
		t.Fatal(err)
	}
	ku, err := w.eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ku); !slices.Equal(got, []string{"Stats School"}) {
		t.Errorf("key sees organizations %q", got)
	}
	_, err = w.eng.MemberEngagement(ctx, w.owner, "not-a-uuid", req)
	wantErr(t, "malformed user id", err, xerr.NotFound, "")
}

func TestAdminStatsDirectory(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	list := func(req adminstats.DirectoryRequest) adminstats.MemberProgressPage {
		t.Helper()
		req.OrgID = w.org.ID
		p, err := w.eng.MemberProgress(ctx, w.owner, req)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	emails := func(p adminstats.MemberProgressPage) []string {
		var out []string
		for _, m := range p.Items {
			out = append(out, strings.TrimSuffix(m.Email, "@stats.example"))
		}
		return out
	}
	p := list(adminstats.DirectoryRequest{})
	if p.Page != 1 || p.Limit != 25 || p.Total != 6 {
		t.Errorf("page, limit, total = %d, %d, %d, want 1, 25, 6", p.Page, p.Limit, p.Total)
	}
	// Ada Lovelace, Adam Admin, Bob Ærø, Max Member, Mona Manager, Olive Owner.
	if got := emails(p); !slices.Equal(got, []string{"ada", "admin", "bob", "member", "manager", "owner"}) {
		t.Errorf("by name: %q", got)
	}
	ada := p.Items[0]
	xp := 10 * w.task.Difficulty
	if ada.XPEarned != xp || ada.Messages != 2 || ada.LiveSeconds != 90 || ada.AverageScore == nil || *ada.AverageScore != 100 ||
		ada.LastActiveAt == nil || ada.Role != org.RoleMember || len(ada.Organizations) != 2 {
		t.Errorf("ada's row = %+v", ada)
	}
	// Modules today (the range reaches the present) agree with the history.
	mod, _ := w.eng.Curriculum().Module(w.task.ModuleID)
	want := 0 // completed: her one passed task completes the module only if it is the only one
	if len(mod.Tasks) == 1 {
		want = 1
	}
	if ada.ModulesCompleted != want || ada.ModulesInProgress != 1-want {
		t.Errorf("ada's modules = %d completed, %d in progress, want %d, %d", ada.ModulesCompleted, ada.ModulesInProgress, want, 1-want)
	}
	if m := p.Items[5]; m.AverageScore != nil || m.LastActiveAt != nil || m.Teams == nil || m.Affiliations == nil {
		t.Errorf("an idle member's row = %+v, want null score and last activity, empty lists", m)
	}
	for _, tc := range []struct {
		req  adminstats.DirectoryRequest
		want []string
	}{
		{adminstats.DirectoryRequest{Order: "desc"}, []string{"owner", "manager", "member", "bob", "admin", "ada"}},
		{adminstats.DirectoryRequest{Sort: "email"}, []string{"ada", "admin", "bob", "manager", "member", "owner"}},
		{adminstats.DirectoryRequest{Sort: "xp_earned", Order: "desc", Limit: 2}, nil}, // ada and bob, by user id
		{adminstats.DirectoryRequest{Sort: "live_seconds", Order: "desc", Limit: 1}, []string{"ada"}},
		{adminstats.DirectoryRequest{Sort: "last_active_at", Order: "desc", Limit: 2}, []string{"bob", "ada"}}, // his document came last
		{adminstats.DirectoryRequest{Q: "LOVELACE"}, []string{"ada"}},
		{adminstats.DirectoryRequest{Q: "ærø"}, []string{"bob"}},          // case folded beyond ASCII
		{adminstats.DirectoryRequest{Q: "MANAGER@"}, []string{"manager"}}, // the email
		{adminstats.DirectoryRequest{Q: "nobody"}, nil},
		{adminstats.DirectoryRequest{Page: 2, Limit: 4}, []string{"manager", "owner"}},
		{adminstats.DirectoryRequest{Page: 3, Limit: 4}, nil},
		{adminstats.DirectoryRequest{StartDate: "2026-04-22", EndDate: "2026-04-22", Sort: "xp_earned", Order: "desc", Limit: 1}, nil},
	} {
		p := list(tc.req)
		got := emails(p)
		switch {
		case tc.req.Sort == "xp_earned" && tc.req.StartDate == "":
			want := []string{"ada", "bob"}
			if w.bob.ID < w.ada.ID {
				want = []string{"bob", "ada"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v: %q, want %q", tc.req, got, want)
			}
		case tc.req.StartDate != "":
			if len(p.Items) != 1 || p.Items[0].XPEarned != 0 || p.Items[0].AverageScore != nil {
				t.Errorf("%+v: %+v, want one row with no figures", tc.req, p.Items)
			}
		case !slices.Equal(got, tc.want):
			t.Errorf("%+v: %q, want %q", tc.req, got, tc.want)
		}
	}
	for _, bad := range []struct {
		req   adminstats.DirectoryRequest
		field string
	}{
		{adminstats.DirectoryRequest{Sort: "password"}, "sort"},
		{adminstats.DirectoryRequest{Order: "up"}, "order"},
		{adminstats.DirectoryRequest{Page: -1}, "page"},
		{adminstats.DirectoryRequest{Limit: 201}, "limit"},
		{adminstats.DirectoryRequest{Q: "a\x00b"}, "q"},
		{adminstats.DirectoryRequest{StartDate: "yesterday"}, "start_date"},
	} {
		bad.req.OrgID = w.org.ID
		_, err := w.eng.MemberProgress(ctx, w.owner, bad.req)
		if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field != bad.field {
			t.Errorf("%+v: err %v, want Invalid on %s", bad.req, err, bad.field)
		}
	}
}

// TestAdminStatsPagesNeverRepeat pages through members whose every sort key
// ties, in every sort and order: each member appears exactly once.
func TestAdminStatsPagesNeverRepeat(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	owner := statsUser(t, eng, "", "Same Name", "UTC")
	o := newOrg(t, eng, owner, "Ties")
	all := []string{owner.ID}
	for range 10 {
		u := statsUser(t, eng, "", "same name", "UTC")
		statsJoin(t, eng, owner, o.ID, u, org.RoleMember, "")
		all = append(all, u.ID)
	}
	slices.Sort(all)
	for _, key := range adminstats.SortKeys {
		if key == adminstats.SortEmail {
			continue // emails are unique: no tie to break
		}
		for _, order := range []string{"asc", "desc"} {
			var seen []string
			for page := 1; ; page++ {
				p, err := eng.MemberProgress(ctx, owner, adminstats.DirectoryRequest{OrgID: o.ID, Sort: key, Order: order, Page: page, Limit: 3})
				if err != nil {
					t.Fatal(err)
				}
				if p.Total != len(all) {
					t.Fatalf("%s %s: total %d, want %d", key, order, p.Total, len(all))
				}
				if len(p.Items) == 0 {
					break
				}
				for _, m := range p.Items {
					seen = append(seen, m.UserID)
				}
			}
			if key != adminstats.SortJoinedAt && !slices.Equal(seen, all) {
				t.Errorf("%s %s: pages give %q, want every member once, by user id %q", key, order, seen, all)
			}
			if slices.Sort(seen); !slices.Equal(seen, all) {
				t.Errorf("%s %s: pages repeat or skip: %q", key, order, seen)
			}
		}
	}
}

func TestAdminStatsCSV(t *testing.T) {
	w := newStatsWorld(t)
	ctx := context.Background()
	var buf bytes.Buffer
	// A page and a limit do not cut the export: it has every member.
	req := adminstats.DirectoryRequest{OrgID: w.org.ID, Sort: "email", Page: 2, Limit: 1}
	if err := w.eng.ExportMemberProgress(ctx, w.owner, req, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 || !slices.Equal(recs[0], adminstats.CSVHeader) {
		t.Fatalf("csv: %d records, header %q", len(recs), recs[0])
	}
	col := func(name string) int { return slices.Index(adminstats.CSVHeader, name) }
	ada := recs[1]
	if ada[col("email")] != "ada@stats.example" || ada[col("organizations")] != "Evening Classes; Stats School" ||
		ada[col("teams")] != "Team A" || ada[col("affiliations")] != "Evening Classes (member); Stats School / Team A (member)" ||
		ada[col("live_seconds")] != "90" || ada[col("average_score")] != "100" || ada[col("messages")] != "2" {
		t.Errorf("ada's record = %q", ada)
	}
	if owner := recs[6]; owner[col("email")] != "owner@stats.example" || owner[col("average_score")] != "" || owner[col("last_active_at")] != "" {
		t.Errorf("owner's record = %q", owner)
	}
	// Nothing is written for a refused request.
	buf.Reset()
	err = w.eng.ExportMemberProgress(ctx, w.member, req, &buf)
	if xerr.KindOf(err) != xerr.Forbidden || buf.Len() != 0 {
		t.Errorf("member's export: err %v, %d bytes written", err, buf.Len())
	}
}

func ExampleEngine_MemberProgress() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "xentree-example")
	defer os.RemoveAll(dir)
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	teacher, err := eng.EnsureUser(ctx, "teacher-1", "tess@example.com")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := eng.UpdateMe(ctx, teacher, auth.UpdateMeRequest{FullName: ptr("Tess Teacher")}); err != nil {
		log.Fatal(err)
	}
	school, err := eng.CreateOrganization(ctx, teacher, org.CreateRequest{Name: "Night School"})
	if err != nil {
		log.Fatal(err)
	}
	// The member directory: the first page, by name, with the last 30 days' figures.
	page, err := eng.MemberProgress(ctx, teacher, adminstats.DirectoryRequest{OrgID: school.ID})
	if err != nil {
		log.Fatal(err)
	}
	m := page.Items[0]
	fmt.Println(page.Total, m.FullName, m.Role, m.XPEarned, m.Organizations)
	// Output: 1 Tess Teacher owner 0 [Night School]
}
