// Package adminstats holds the organization admin's analytics (spec §9):
// the engagement dashboard, one member's detail, and the member directory
// with its CSV export. It has the request and response types with the
// contract's JSON names, the date-range rule, the parsing of the query
// strings, who may see which members, and the directory's filter, sort and
// CSV rows. It does no I/O: the Engine (package xentree) loads the figures
// from the store in one read transaction and assembles them with these.
//
// Dates are date-only (YYYY-MM-DD) and read as UTC days: a range starts at
// start_date 00:00:00Z, inclusive, and ends at the day after end_date,
// 00:00:00Z, exclusive. Every event is placed by its stored UTC instant, never
// by the member's own time zone.
package adminstats

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xtime"
)

// Limits and defaults (ours).
const (
	DateLayout       = "2006-01-02"
	DefaultRangeDays = 30  // the 30 days ending today (UTC)
	MaxRangeDays     = 366 // a leap year
	DefaultLimit     = 25
	MaxLimit         = 200
	MaxQuery         = 200 // characters of q
	TopMembers       = 5
)

// Directory sort keys and orders.
const (
	SortName             = "name"
	SortEmail            = "email"
	SortJoinedAt         = "joined_at"
	SortXPEarned         = "xp_earned"
	SortModulesCompleted = "modules_completed"
	SortAverageScore     = "average_score"
	SortLiveSeconds      = "live_seconds"
	SortLastActiveAt     = "last_active_at"

	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// SortKeys lists the directory's sort keys, the default first.
var SortKeys = []string{SortName, SortEmail, SortJoinedAt, SortXPEarned, SortModulesCompleted,
	SortAverageScore, SortLiveSeconds, SortLastActiveAt}

// ByActivity reports whether sorting by key needs every member's figures
// (rather than only their account), so a page cannot be cut before them.
func ByActivity(key string) bool {
	switch key {
	case SortName, SortEmail, SortJoinedAt:
		return false
	}
	return true
}

// Range is a span of whole UTC days, [Start, End).
type Range struct {
	Start, End time.Time
}

const day = 24 * time.Hour

// ParseRange reads start_date and end_date ("" for the default) as UTC
// days. Without end_date the range ends today (UTC, from now); without
// start_date it starts DefaultRangeDays-1 days before its end. A malformed
// date, start after end, or more than MaxRangeDays days is Invalid with the
// field at fault.
func ParseRange(startDate, endDate string, now time.Time) (Range, error) {
	y, m, d := now.UTC().Date()
	end := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if endDate != "" {
		var err error
		if end, err = parseDate("end_date", endDate); err != nil {
			return Range{}, err
		}
	}
	start := end.AddDate(0, 0, -(DefaultRangeDays - 1))
	if startDate != "" {
		var err error
		if start, err = parseDate("start_date", startDate); err != nil {
			return Range{}, err
		}
	}
	if start.After(end) {
		return Range{}, xerr.InvalidField("start_date", "must not be after end_date")
	}
	// Counted with the calendar, not Sub: a span of centuries overflows a Duration.
	if start.AddDate(0, 0, MaxRangeDays-1).Before(end) {
		return Range{}, xerr.InvalidField("end_date", "the range must be at most "+strconv.Itoa(MaxRangeDays)+" days")
	}
	return Range{Start: start, End: end.AddDate(0, 0, 1)}, nil
}

// parseDate reads a YYYY-MM-DD date, strictly: exactly ten characters, a
// real calendar day.
func parseDate(field, s string) (time.Time, error) {
	if len(s) != len(DateLayout) {
		return time.Time{}, xerr.InvalidField(field, "must be a date as YYYY-MM-DD")
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, xerr.InvalidField(field, "must be a date as YYYY-MM-DD")
	}
	return t, nil
}

// Days is the number of days in the range.
func (r Range) Days() int { return int(r.End.Sub(r.Start) / day) }

// Date is the i-th day of the range (0 is the first).
func (r Range) Date(i int) string { return r.Start.AddDate(0, 0, i).Format(DateLayout) }

// StartDate is the first day, as the request names it.
func (r Range) StartDate() string { return r.Start.Format(DateLayout) }

// EndDate is the last day (inclusive), as the request names it.
func (r Range) EndDate() string { return r.End.AddDate(0, 0, -1).Format(DateLayout) }

// Request asks for the engagement dashboard, or one member's detail.
type Request struct {
	OrganizationID string // required
	TeamID         string // "" for every member the caller may see
	StartDate      string // YYYY-MM-DD, "" for the default
	EndDate        string
}

// RequestFromQuery reads a Request from a query string.
func RequestFromQuery(v url.Values) Request {
	return Request{OrganizationID: strings.TrimSpace(v.Get("organization_id")), TeamID: strings.TrimSpace(v.Get("team_id")),
		StartDate: strings.TrimSpace(v.Get("start_date")), EndDate: strings.TrimSpace(v.Get("end_date"))}
}

// Query is the query string RequestFromQuery reads r from.
func (r Request) Query() url.Values {
	return values("organization_id", r.OrganizationID, "team_id", r.TeamID, "start_date", r.StartDate, "end_date", r.EndDate)
}

// values makes a query of the key, value pairs whose value is not "".
func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v
}

// Validate checks what can be checked without the store.
func (r Request) Validate() error {
	if r.OrganizationID == "" {
		return xerr.InvalidField("organization_id", "is required")
	}
	return nil
}

// DirectoryRequest asks for a page of the member directory, or (for the
// CSV) all of it in the same order.
type DirectoryRequest struct {
	OrgID     string // required; the query calls it org_id
	TeamID    string // "" for every member the caller may see
	StartDate string
	EndDate   string
	Sort      string // one of SortKeys; "" for name
	Order     string // asc or desc; "" for asc
	Page      int    // from 1; 0 for 1
	Limit     int    // 1..MaxLimit; 0 for DefaultLimit
	Q         string // matches name, username or email, case-insensitive
}

// DirectoryFromQuery reads a DirectoryRequest from a query string; page and
// limit must be integers.
func DirectoryFromQuery(v url.Values) (DirectoryRequest, error) {
	r := DirectoryRequest{OrgID: strings.TrimSpace(v.Get("org_id")), TeamID: strings.TrimSpace(v.Get("team_id")),
		StartDate: strings.TrimSpace(v.Get("start_date")), EndDate: strings.TrimSpace(v.Get("end_date")),
		Sort: strings.TrimSpace(v.Get("sort")), Order: strings.TrimSpace(v.Get("order")), Q: v.Get("q")}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"page", &r.Page}, {"limit", &r.Limit}} {
		s := strings.TrimSpace(v.Get(f.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return r, xerr.InvalidField(f.name, "must be an integer")
		}
		if n == 0 {
			return r, xerr.InvalidField(f.name, "must be at least 1")
		}
		*f.dst = n
	}
	return r, nil
}

// Query is the query string DirectoryFromQuery reads r from.
func (r DirectoryRequest) Query() url.Values {
	v := values("org_id", r.OrgID, "team_id", r.TeamID, "start_date", r.StartDate, "end_date", r.EndDate,
		"sort", r.Sort, "order", r.Order, "q", r.Q)
	for name, n := range map[string]int{"page": r.Page, "limit": r.Limit} {
		if n != 0 {
			v.Set(name, strconv.Itoa(n))
		}
	}
	return v
}

// Normalize fills the defaults and makes every run of white space in q one
// space, as a search query's.
func (r *DirectoryRequest) Normalize() {
	r.OrgID = strings.TrimSpace(r.OrgID)
	r.TeamID = strings.TrimSpace(r.TeamID)
	r.Sort = strings.ToLower(strings.TrimSpace(r.Sort))
	r.Order = strings.ToLower(strings.TrimSpace(r.Order))
	r.Q = textrule.Query(r.Q)
	if r.Sort == "" {
		r.Sort = SortName
	}
	if r.Order == "" {
		r.Order = OrderAsc
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Limit == 0 {
		r.Limit = DefaultLimit
	}
}

// Validate checks a normalised request (the dates are ParseRange's).
func (r DirectoryRequest) Validate() error {
	switch {
	case r.OrgID == "":
		return xerr.InvalidField("org_id", "is required")
	case !validSort(r.Sort):
		return xerr.InvalidField("sort", "must be one of "+strings.Join(SortKeys, ", "))
	case r.Order != OrderAsc && r.Order != OrderDesc:
		return xerr.InvalidField("order", "must be asc or desc")
	case r.Page < 1:
		return xerr.InvalidField("page", "must be at least 1")
	case r.Limit < 1 || r.Limit > MaxLimit:
		return xerr.InvalidField("limit", "must be between 1 and "+strconv.Itoa(MaxLimit))
	}
	return textrule.Line("q", r.Q, MaxQuery)
}

func validSort(s string) bool {
	for _, k := range SortKeys {
		if s == k {
			return true
		}
	}
	return false
}

// Scope decides which members actor may see, given the team_id asked for
// ("" for none): owners and admins see everyone (or the team asked for),
// a team's manager only their own team (another team is Forbidden), and
// everyone else nothing. It returns the team to limit to, "" for all.
func Scope(actor org.Membership, teamID string) (string, error) {
	switch {
	case org.Rank(actor.Role) >= org.Rank(org.RoleAdmin):
		return teamID, nil
	case actor.Role == org.RoleManager && actor.TeamID != "":
		if teamID != "" && teamID != actor.TeamID {
			return "", &xerr.Error{Kind: xerr.Forbidden, Message: "a manager sees the statistics of their own team only"}
		}
		return actor.TeamID, nil
	}
	return "", &xerr.Error{Kind: xerr.Forbidden, Message: "only owners, admins and team managers see member statistics"}
}

// Activity is what members did in a range. LiveSeconds are the whole
// seconds charged, rounded up as the Live quota rounds them
// (live.UsedSeconds).
type Activity struct {
	Messages       int   `json:"messages"`
	Conversations  int   `json:"conversations"`
	LiveSessions   int   `json:"live_sessions"`
	LiveSeconds    int64 `json:"live_seconds"`
	XELSubmissions int   `json:"xel_submissions"`
	XPEarned       int   `json:"xp_earned"`
	Documents      int   `json:"documents"`
}

// Totals are an organization's (or a team's) figures for a range.
type Totals struct {
	Members       int `json:"members"`
	ActiveMembers int `json:"active_members"`
	NewMembers    int `json:"new_members"`
	Activity
}

// Day is one UTC day of a range. For one member, ActiveMembers is 0 or 1.
type Day struct {
	Date           string `json:"date"`
	ActiveMembers  int    `json:"active_members"`
	Messages       int    `json:"messages"`
	LiveSeconds    int64  `json:"live_seconds"`
	XELSubmissions int    `json:"xel_submissions"`
	XPEarned       int    `json:"xp_earned"`
}

// TopMember is one of the members who earned the most XP in a range.
type TopMember struct {
	UserID   string `json:"user_id"`
	FullName string `json:"full_name"`
	XPEarned int    `json:"xp_earned"`
}

// EngagementStats is the dashboard of an organization, or of one team.
type EngagementStats struct {
	OrganizationID string      `json:"organization_id"`
	TeamID         *string     `json:"team_id"` // the team the figures cover; null for the whole organization
	StartDate      string      `json:"start_date"`
	EndDate        string      `json:"end_date"`
	Totals         Totals      `json:"totals"`
	Daily          []Day       `json:"daily"`
	TopMembers     []TopMember `json:"top_members"`
}

// Affiliation is one membership of a member, in an organization the
// caller may see.
type Affiliation struct {
	OrganizationID   string  `json:"organization_id"`
	OrganizationName string  `json:"organization_name"`
	TeamID           *string `json:"team_id"`
	TeamName         *string `json:"team_name"`
	Role             string  `json:"role"`
}

// Affiliated is what a member belongs to among the organizations the
// caller may see: the organization and team names, and the normalized
// objects.
type Affiliated struct {
	Organizations []string      `json:"organizations"`
	Teams         []string      `json:"teams"`
	Affiliations  []Affiliation `json:"affiliations"`
}

// Add appends a membership; names are listed once each.
func (a *Affiliated) Add(af Affiliation) {
	if a.Organizations == nil {
		a.Organizations, a.Teams, a.Affiliations = []string{}, []string{}, []Affiliation{}
	}
	a.Affiliations = append(a.Affiliations, af)
	if !contains(a.Organizations, af.OrganizationName) {
		a.Organizations = append(a.Organizations, af.OrganizationName)
	}
	if af.TeamName != nil && !contains(a.Teams, *af.TeamName) {
		a.Teams = append(a.Teams, *af.TeamName)
	}
}

// Empty returns a with its lists non-nil, so they encode as [].
func (a Affiliated) Empty() Affiliated {
	if a.Organizations == nil {
		a.Organizations, a.Teams, a.Affiliations = []string{}, []string{}, []Affiliation{}
	}
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Streak is a member's XEL streak as they see it today.
type Streak struct {
	Current int `json:"current"`
	Longest int `json:"longest"`
}

// Modules counts a member's XEL modules at the end of a range.
type Modules struct {
	Completed  int `json:"completed"`
	InProgress int `json:"in_progress"`
}

// MemberEngagement is one member's detail.
type MemberEngagement struct {
	UserID   string `json:"user_id"`
	Email    string `json:"email"`
	Username string `json:"username"`
	FullName string `json:"full_name"`
	Affiliated
	StartDate    string      `json:"start_date"`
	EndDate      string      `json:"end_date"`
	Totals       Activity    `json:"totals"`
	Daily        []Day       `json:"daily"`
	Streak       Streak      `json:"streak"`
	Modules      Modules     `json:"modules"`
	LastActiveAt *xtime.Time `json:"last_active_at"` // the latest activity in the range; null when none
}

// MemberProgress is one row of the member directory; the figures are the
// range's.
type MemberProgress struct {
	UserID   string     `json:"user_id"`
	Email    string     `json:"email"`
	Username string     `json:"username"`
	FullName string     `json:"full_name"`
	Role     string     `json:"role"`
	JoinedAt xtime.Time `json:"joined_at"`
	Affiliated
	XPEarned          int         `json:"xp_earned"`
	ModulesCompleted  int         `json:"modules_completed"`
	ModulesInProgress int         `json:"modules_in_progress"`
	AverageScore      *float64    `json:"average_score"` // of the XEL submissions in the range, one decimal; null when none
	LiveSeconds       int64       `json:"live_seconds"`
	Messages          int         `json:"messages"`
	LastActiveAt      *xtime.Time `json:"last_active_at"`
}

// MemberProgressPage is one page of the directory; Total counts the whole
// filtered set.
type MemberProgressPage struct {
	Items []MemberProgress `json:"items"`
	Page  int              `json:"page"`
	Limit int              `json:"limit"`
	Total int              `json:"total"`
}

// Matcher reports whether a member matches q: a case-insensitive substring
// of their full name, username or email. An empty q matches everyone.
func Matcher(q string) func(fullName, username, email string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return func(string, string, string) bool { return true }
	}
	return func(fullName, username, email string) bool {
		return strings.Contains(strings.ToLower(fullName), q) || strings.Contains(strings.ToLower(username), q) ||
			strings.Contains(strings.ToLower(email), q)
	}
}

// PageBounds returns the slice [from, to) of a sorted set of total rows that
// page (from 1) of limit rows covers; past the end it is empty.
func PageBounds(page, limit, total int) (from, to int) {
	if page < 1 || limit < 1 || page-1 >= (total+limit-1)/limit {
		return total, total
	}
	from = (page - 1) * limit
	return from, min(from+limit, total)
}
