package adminstats

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xtime"
)

var now = time.Date(2026, time.April, 16, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) // 2026-04-17T04:30Z

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		name, start, end string
		wantStart        string // RFC 3339; "" when an error is expected
		wantEnd          string
		days             int
		field            string
	}{
		{name: "defaults: 30 days ending today in UTC", wantStart: "2026-03-19T00:00:00Z", wantEnd: "2026-04-18T00:00:00Z", days: 30},
		{name: "one day", start: "2026-04-10", end: "2026-04-10", wantStart: "2026-04-10T00:00:00Z", wantEnd: "2026-04-11T00:00:00Z", days: 1},
		{name: "end only", end: "2026-03-01", wantStart: "2026-01-31T00:00:00Z", wantEnd: "2026-03-02T00:00:00Z", days: 30},
		{name: "start only", start: "2026-04-15", wantStart: "2026-04-15T00:00:00Z", wantEnd: "2026-04-18T00:00:00Z", days: 3},
		{name: "over February of a leap year", start: "2028-02-28", end: "2028-03-01", wantStart: "2028-02-28T00:00:00Z", wantEnd: "2028-03-02T00:00:00Z", days: 3},
		{name: "366 days", start: "2027-01-01", end: "2028-01-01", wantStart: "2027-01-01T00:00:00Z", wantEnd: "2028-01-02T00:00:00Z", days: 366},
		{name: "367 days", start: "2027-01-01", end: "2028-01-02", field: "end_date"},
		{name: "centuries", start: "0001-01-01", end: "9999-12-31", field: "end_date"},
		{name: "start after end", start: "2026-04-11", end: "2026-04-10", field: "start_date"},
		{name: "start after today", start: "2026-04-18", field: "start_date"},
		{name: "no such day", start: "2026-02-29", field: "start_date"},
		{name: "month 13", end: "2026-13-01", field: "end_date"},
		{name: "short", start: "2026-4-1", field: "start_date"},
		{name: "a timestamp", end: "2026-04-10T00:00:00Z", field: "end_date"},
		{name: "slashes", start: "2026/04/10", field: "start_date"},
		{name: "signed year", start: "+026-04-10", field: "start_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRange(tc.start, tc.end, now)
			if tc.field != "" {
				if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field != tc.field {
					t.Fatalf("err = %v, want Invalid on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Start.Format(time.RFC3339); got != tc.wantStart {
				t.Errorf("Start = %s, want %s", got, tc.wantStart)
			}
			if got := r.End.Format(time.RFC3339); got != tc.wantEnd {
				t.Errorf("End = %s, want %s", got, tc.wantEnd)
			}
			if r.Days() != tc.days {
				t.Errorf("Days = %d, want %d", r.Days(), tc.days)
			}
			if r.Date(0) != r.StartDate() || r.Date(r.Days()-1) != r.EndDate() {
				t.Errorf("Date(0), Date(last) = %s, %s, want %s, %s", r.Date(0), r.Date(r.Days()-1), r.StartDate(), r.EndDate())
			}
		})
	}
}

func TestDirectoryFromQuery(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  DirectoryRequest // after Normalize
		field string
	}{
		{query: "org_id=o", want: DirectoryRequest{OrgID: "o", Sort: "name", Order: "asc", Page: 1, Limit: 25}},
		{query: "org_id=o&team_id=t&start_date=2026-04-01&end_date=2026-04-02&sort=XP_earned&order=DESC&page=3&limit=200&q=+ada+",
			want: DirectoryRequest{OrgID: "o", TeamID: "t", StartDate: "2026-04-01", EndDate: "2026-04-02", Sort: "xp_earned",
				Order: "desc", Page: 3, Limit: 200, Q: "ada"}},
		{query: "org_id=o&page=x", field: "page"},
		{query: "org_id=o&page=0", field: "page"},
		{query: "org_id=o&page=-2", field: "page"},
		{query: "org_id=o&limit=0", field: "limit"},
		{query: "org_id=o&limit=201", field: "limit"},
		{query: "org_id=o&limit=99999999999999999999", field: "limit"},
		{query: "org_id=o&sort=password", field: "sort"},
		{query: "org_id=o&order=sideways", field: "order"},
		{query: "org_id=o&q=" + strings.Repeat("a", MaxQuery+1), field: "q"},
		{query: "org_id=o&q=%ff", field: "q"},
		{query: "org_id=o&q=ada%0A%09lovelace%0D%0A", want: DirectoryRequest{OrgID: "o", Sort: "name", Order: "asc", Page: 1, Limit: 25,
			Q: "ada lovelace"}}, // a pasted query's line breaks and tabs are spaces, as in search
		{query: "org_id=o&q=a%00b", field: "q"},
		{query: "organization_id=o", field: "org_id"}, // the directory's name is org_id
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DirectoryFromQuery(v)
		if err == nil {
			r.Normalize()
			err = r.Validate()
		}
		if tc.field != "" {
			if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field != tc.field {
				t.Errorf("%s: err = %v, want Invalid on %s", tc.query, err, tc.field)
			}
			continue
		}
		if err != nil || r != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.query, r, err, tc.want)
		}
	}
}

func TestScope(t *testing.T) {
	const a, b = "team-a", "team-b"
	for _, tc := range []struct {
		actor   org.Membership
		teamID  string
		want    string
		forbids bool
	}{
		{org.Membership{Role: org.RoleOwner}, "", "", false},
		{org.Membership{Role: org.RoleAdmin, TeamID: a}, b, b, false},
		{org.Membership{Role: org.RoleManager, TeamID: a}, "", a, false},
		{org.Membership{Role: org.RoleManager, TeamID: a}, a, a, false},
		{org.Membership{Role: org.RoleManager, TeamID: a}, b, "", true},
		{org.Membership{Role: org.RoleManager}, "", "", true}, // manages no team
		{org.Membership{Role: org.RoleMember, TeamID: a}, a, "", true},
	} {
		got, err := Scope(tc.actor, tc.teamID)
		if got != tc.want || (err != nil) != tc.forbids || err != nil && xerr.KindOf(err) != xerr.Forbidden {
			t.Errorf("Scope(%+v, %q) = %q, %v; want %q, forbidden %v", tc.actor, tc.teamID, got, err, tc.want, tc.forbids)
		}
	}
}

func TestSortMembers(t *testing.T) {
	at := func(s string) *xtime.Time {
		tm, _ := time.Parse(time.RFC3339, s)
		x := xtime.Of(tm)
		return &x
	}
	score := func(f float64) *float64 { return &f }
	rows := []MemberProgress{
		{UserID: "u3", FullName: "émile", Email: "c@x", XPEarned: 10, AverageScore: score(50), LastActiveAt: at("2026-04-02T00:00:00Z")},
		{UserID: "u1", FullName: "Bea", Email: "b@x", XPEarned: 10},
		{UserID: "u2", FullName: "bea", Email: "a@x", XPEarned: 30, AverageScore: score(90), LastActiveAt: at("2026-04-01T00:00:00Z")},
		{UserID: "u0", FullName: "Ann", Email: "d@x", XPEarned: 0, AverageScore: score(50)},
	}
	ids := func(rs []MemberProgress) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.UserID)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct{ key, order, want string }{
		{SortName, OrderAsc, "u0 u1 u2 u3"}, // Bea and bea tie: by user id
		{SortName, OrderDesc, "u3 u1 u2 u0"},
		{SortEmail, OrderAsc, "u2 u1 u3 u0"},
		{SortXPEarned, OrderDesc, "u2 u1 u3 u0"},
		{SortXPEarned, OrderAsc, "u0 u1 u3 u2"},
		{SortAverageScore, OrderAsc, "u1 u0 u3 u2"}, // none is lowest
		{SortAverageScore, OrderDesc, "u2 u0 u3 u1"},
		{SortLastActiveAt, OrderDesc, "u3 u2 u0 u1"},
	} {
		rs := slices.Clone(rows)
		SortMembers(rs, tc.key, tc.order)
		if got := ids(rs); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.key, tc.order, got, tc.want)
		}
	}
	// Without a full name: by username, then email, not ahead of everyone.
	rs := append(slices.Clone(rows), MemberProgress{UserID: "u4", Username: "Bob", Email: "z@x"}, MemberProgress{UserID: "u5", Email: "carl@x"})
	SortMembers(rs, SortName, OrderAsc)
	if got := ids(rs); got != "u0 u1 u2 u4 u5 u3" {
		t.Errorf("names missing: %s", got)
	}
}

func TestPageBounds(t *testing.T) {
	for _, tc := range []struct{ page, limit, total, from, to int }{
		{1, 25, 0, 0, 0},
		{1, 25, 10, 0, 10},
		{2, 4, 10, 4, 8},
		{3, 4, 10, 8, 10},
		{4, 4, 10, 10, 10},
		{1 << 62, 200, 10, 10, 10}, // no overflow
	} {
		if from, to := PageBounds(tc.page, tc.limit, tc.total); from != tc.from || to != tc.to {
			t.Errorf("PageBounds(%d, %d, %d) = %d, %d, want %d, %d", tc.page, tc.limit, tc.total, from, to, tc.from, tc.to)
		}
	}
}

func TestCSVRecord(t *testing.T) {
	team := "Evening"
	score := 87.5
	m := MemberProgress{UserID: "u1", Email: "a@x", FullName: "=HYPERLINK(\"x\")", Role: "member",
		JoinedAt: xtime.Of(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)), XPEarned: 20, AverageScore: &score, LiveSeconds: 90}
	m.Add(Affiliation{OrganizationID: "o1", OrganizationName: "School", TeamID: &team, TeamName: &team, Role: "member"})
	m.Add(Affiliation{OrganizationID: "o2", OrganizationName: "-Other", Role: "admin"})
	rec := m.CSVRecord()
	if len(rec) != len(CSVHeader) {
		t.Fatalf("%d cells, want %d", len(rec), len(CSVHeader))
	}
	get := func(col string) string { return rec[slices.Index(CSVHeader, col)] }
	for col, want := range map[string]string{
		"full_name":      "'=HYPERLINK(\"x\")",
		"organizations":  "School; -Other",
		"teams":          "Evening",
		"affiliations":   "School / Evening (member); -Other (admin)",
		"joined_at":      "2026-04-01T08:00:00.000Z",
		"average_score":  "87.5",
		"live_seconds":   "90",
		"last_active_at": "",
	} {
		if got := get(col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
}

// FuzzParseQuery: whatever the query string, the directory and range
// parsers answer a valid request or an Invalid error naming a field, never
// panic; and an accepted range is 1..366 whole UTC days.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"org_id=o", "org_id=o&start_date=2026-04-01&end_date=2026-04-30&sort=xp_earned&order=desc&page=2&limit=10&q=ada",
		"start_date=2026-02-29", "end_date=0000-01-01", "start_date=9999-12-31&end_date=9999-12-31", "page=99999999999999999999",
		"limit=-1", "q=%ff%fe", "q=%00", "sort=&order=", "start_date=2026-04-01T00:00:00Z", "end_date=2026-04-1 ", "%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := DirectoryFromQuery(v)
		if err == nil {
			r.Normalize()
			err = r.Validate()
		}
		if err != nil {
			if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field == "" {
				t.Fatalf("%q: err %v, want Invalid with a field", query, err)
			}
		} else {
			if !validSort(r.Sort) || r.Page < 1 || r.Limit < 1 || r.Limit > MaxLimit || !utf8.ValidString(r.Q) {
				t.Fatalf("%q: accepted %+v", query, r)
			}
			if from, to := PageBounds(r.Page, r.Limit, 1000); from < 0 || to > 1000 || from > to {
				t.Fatalf("%q: page bounds %d, %d", query, from, to)
			}
		}
		rng, err := ParseRange(v.Get("start_date"), v.Get("end_date"), now)
		if err != nil {
			if xerr.KindOf(err) != xerr.Invalid || xerr.As(err).Field == "" {
				t.Fatalf("%q: range err %v, want Invalid with a field", query, err)
			}
			return
		}
		if d := rng.Days(); d < 1 || d > MaxRangeDays || !rng.End.Equal(rng.Start.AddDate(0, 0, d)) ||
			rng.Start.Location() != time.UTC || rng.Start.Hour() != 0 {
			t.Fatalf("%q: range %v..%v (%d days)", query, rng.Start, rng.End, d)
		}
	})
}
