package xentree

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xtime"
)

// statsAccess checks that user may see the statistics of orgID (limited to
// teamID if not "") and returns the scope for rng and the organization's
// name: owners and admins see every member, a team's manager their team,
// members are Forbidden and non-members get NotFound. An API key needs
// api:read (checked by the caller first) and acts within its own
// organization.
func statsAccess(ctx context.Context, tx *store.Tx, user User, orgID, teamID string, rng adminstats.Range) (store.StatsScope, string, error) {
	actor, err := membership(ctx, tx, user, orgID)
	if err != nil {
		return store.StatsScope{}, "", err
	}
	team, err := adminstats.Scope(actor, teamID)
	if err != nil {
		return store.StatsScope{}, "", err
	}
	if err := checkTeam(ctx, tx, orgID, teamID); err != nil {
		return store.StatsScope{}, "", err
	}
	o, err := tx.OrgForMember(ctx, orgID, user.ID)
	if err != nil {
		return store.StatsScope{}, "", err
	}
	return store.StatsScope{OrgID: orgID, TeamID: team, Start: rng.Start.UnixMilli(), End: rng.End.UnixMilli()}, o.Name, nil
}

// viewer is whose administered organizations a member's affiliations may
// show: the caller's, or none for an API key, which sees its own only.
func viewer(user User) string {
	if user.APIKeyID != "" {
		return ""
	}
	return user.ID
}

// statsRange checks req and reads its range of days against today.
func (e *Engine) statsRange(req adminstats.Request) (adminstats.Range, error) {
	if err := req.Validate(); err != nil {
		return adminstats.Range{}, err
	}
	return adminstats.ParseRange(req.StartDate, req.EndDate, e.cfg.Clock.Now())
}

// EngagementStats returns the engagement dashboard of an organization, or
// of one of its teams, for a range of UTC days: totals, one entry per day
// (zeros included) and the five members who earned the most XP.
func (e *Engine) EngagementStats(ctx context.Context, user User, req adminstats.Request) (adminstats.EngagementStats, error) {
	if err := user.Allow(auth.ScopeAPIRead); err != nil {
		return adminstats.EngagementStats{}, err
	}
	rng, err := e.statsRange(req)
	if err != nil {
		return adminstats.EngagementStats{}, err
	}
	out := adminstats.EngagementStats{OrganizationID: req.OrganizationID, StartDate: rng.StartDate(), EndDate: rng.EndDate(),
		TopMembers: []adminstats.TopMember{}}
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		scope, _, err := statsAccess(ctx, tx, user, req.OrganizationID, req.TeamID, rng)
		if err != nil {
			return err
		}
		if scope.TeamID != "" {
			out.TeamID = &scope.TeamID
		}
		members, err := tx.StatsMembers(ctx, scope)
		if err != nil {
			return err
		}
		out.Totals.Members = len(members)
		names := make(map[string]string, len(members))
		for _, m := range members {
			names[m.UserID] = m.FullName
			if m.JoinedAt >= scope.Start && m.JoinedAt < scope.End {
				out.Totals.NewMembers++
			}
		}
		act, err := loadActivity(ctx, tx, scope, &rng)
		if err != nil {
			return err
		}
		var liveMS int64
		for id, a := range act.users {
			if _, ok := names[id]; !ok {
				continue // cannot happen in one snapshot, but never count a stranger
			}
			out.Totals.ActiveMembers++
			out.Totals.Activity = addActivity(out.Totals.Activity, a.Activity)
			liveMS += a.liveMS
			if a.XPEarned > 0 {
				out.TopMembers = append(out.TopMembers, adminstats.TopMember{UserID: id, FullName: names[id], XPEarned: a.XPEarned})
			}
		}
		out.Totals.LiveSeconds = live.UsedSeconds(liveMS)
		slices.SortFunc(out.TopMembers, func(a, b adminstats.TopMember) int {
			if a.XPEarned != b.XPEarned {
				return b.XPEarned - a.XPEarned
			}
			return strings.Compare(a.UserID, b.UserID)
		})
		out.TopMembers = out.TopMembers[:min(len(out.TopMembers), adminstats.TopMembers)]
		out.Daily = act.days
		return nil
	})
	return out, err
}

// MemberEngagement returns one member's detail for a range of UTC days.
// A user who is not a member the caller may see is NotFound.
func (e *Engine) MemberEngagement(ctx context.Context, user User, userID string, req adminstats.Request) (adminstats.MemberEngagement, error) {
	if err := user.Allow(auth.ScopeAPIRead); err != nil {
		return adminstats.MemberEngagement{}, err
	}
	rng, err := e.statsRange(req)
	if err != nil {
		return adminstats.MemberEngagement{}, err
	}
	out := adminstats.MemberEngagement{StartDate: rng.StartDate(), EndDate: rng.EndDate()}
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		scope, orgName, err := statsAccess(ctx, tx, user, req.OrganizationID, req.TeamID, rng)
		if err != nil {
			return err
		}
		if !ids.Valid(userID) {
			return errMemberNotFound
		}
		scope.UserIDs = []string{userID}
		members, err := tx.StatsMembers(ctx, scope)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			return errMemberNotFound
		}
		m := members[0]
		out.UserID, out.Email, out.Username, out.FullName = m.UserID, m.Email, m.Username, m.FullName
		affs, err := affiliations(ctx, tx, scope, viewer(user), orgName, members)
		if err != nil {
			return err
		}
		out.Affiliated = affs[m.UserID].Empty()
		act, err := loadActivity(ctx, tx, scope, &rng)
		if err != nil {
			return err
		}
		out.Daily = act.days
		if a := act.users[m.UserID]; a != nil {
			out.Totals = a.Activity
			out.Totals.LiveSeconds = live.UsedSeconds(a.liveMS)
			out.LastActiveAt = xtime.PtrFromMillis(a.last)
		}
		mods, err := e.moduleStanding(ctx, tx, scope)
		if err != nil {
			return err
		}
		out.Modules = mods[m.UserID]
		days, today, err := e.learnerDays(ctx, tx, m.UserID)
		s := xel.Streak(dates(days), today)
		out.Streak = adminstats.Streak{Current: s.CurrentStreak, Longest: s.LongestStreak}
		return err
	})
	return out, err
}

// MemberProgress returns a page of the member directory: the members the
// caller may see that match q, with their figures for the range, sorted
// and cut into pages of limit.
func (e *Engine) MemberProgress(ctx context.Context, user User, req adminstats.DirectoryRequest) (adminstats.MemberProgressPage, error) {
	rows, total, err := e.directory(ctx, user, &req, false)
	if err != nil {
		return adminstats.MemberProgressPage{}, err
	}
	return adminstats.MemberProgressPage{Items: rows, Page: req.Page, Limit: req.Limit, Total: total}, nil
}

// ExportMemberProgress writes the whole filtered member directory (every
// page, in the request's sort order) to w as CSV: a header row, then one row
// per member, lists joined with "; ". Nothing is written when the request
// fails, so the caller can still answer with an error. The rows are read in
// one snapshot and written after it ends, so a slow reader holds no
// transaction open.
func (e *Engine) ExportMemberProgress(ctx context.Context, user User, req adminstats.DirectoryRequest, w io.Writer) error {
	rows, _, err := e.directory(ctx, user, &req, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(adminstats.CSVHeader); err != nil {
		return xerr.Internalf(err, "write member csv")
	}
	for i := range rows {
		if err := cw.Write(rows[i].CSVRecord()); err != nil {
			return xerr.Internalf(err, "write member csv")
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return xerr.Internalf(err, "write member csv")
	}
	if err := bw.Flush(); err != nil {
		return xerr.Internalf(err, "write member csv")
	}
	return nil
}

// directory loads the sorted directory rows: one page, or all of them. It
// returns the number of members that match.
//
// Members and their accounts are read in one query and filtered and
// sorted here (q folds case beyond ASCII, which SQLite's LOWER does not).
// Sorted by an account field, only the page's members have their figures
// loaded; sorted by a figure, everyone's are, in one query per kind.
func (e *Engine) directory(ctx context.Context, user User, req *adminstats.DirectoryRequest, all bool) ([]adminstats.MemberProgress, int, error) {
	if err := user.Allow(auth.ScopeAPIRead); err != nil {
		return nil, 0, err
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return nil, 0, err
	}
	rng, err := adminstats.ParseRange(req.StartDate, req.EndDate, e.cfg.Clock.Now())
	if err != nil {
		return nil, 0, err
	}
	var rows []adminstats.MemberProgress
	total := 0
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		scope, orgName, err := statsAccess(ctx, tx, user, req.OrgID, req.TeamID, rng)
		if err != nil {
			return err
		}
		members, err := tx.StatsMembers(ctx, scope)
		if err != nil {
			return err
		}
		match := adminstats.Matcher(req.Q)
		rows = make([]adminstats.MemberProgress, 0, len(members))
		byUser := make(map[string]store.StatsMember, len(members))
		for _, m := range members {
			if match(m.FullName, m.Username, m.Email) {
				byUser[m.UserID] = m
				rows = append(rows, adminstats.MemberProgress{UserID: m.UserID, Email: m.Email, Username: m.Username,
					FullName: m.FullName, Role: m.Role, JoinedAt: xtime.FromMillis(m.JoinedAt)})
			}
		}
		total = len(rows)
		// What decides the order is loaded for everyone before sorting; the
		// rest only for the rows answered (all of them for the CSV).
		first := figureSet(0)
		switch {
		case all:
			first = withActivity | withModules
		case req.Sort == adminstats.SortModulesCompleted:
			first = withModules
		case adminstats.ByActivity(req.Sort):
			first = withActivity
		}
		if err := e.fillFigures(ctx, tx, scope, rows, first); err != nil {
			return err
		}
		adminstats.SortMembers(rows, req.Sort, req.Order)
		if !all {
			from, to := adminstats.PageBounds(req.Page, req.Limit, len(rows))
			rows = rows[from:to:to]
		}
		if err := e.fillFigures(ctx, tx, scope, rows, (withActivity|withModules)&^first); err != nil {
			return err
		}
		answered := make([]store.StatsMember, len(rows))
		for i := range rows {
			answered[i] = byUser[rows[i].UserID]
		}
		affs, err := affiliations(ctx, tx, only(scope, rows), viewer(user), orgName, answered)
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].Affiliated = affs[rows[i].UserID].Empty()
		}
		return nil
	})
	return rows, total, err
}

// byID is how many members a query names one by one (IN (...)) rather
// than reaching them through the scope's memberships: a page at most.
const byID = adminstats.MaxLimit

// only narrows s to the members of rows when they are few enough to name.
func only(s store.StatsScope, rows []adminstats.MemberProgress) store.StatsScope {
	if len(rows) <= byID {
		s.UserIDs = make([]string, len(rows))
		for i := range rows {
			s.UserIDs[i] = rows[i].UserID
		}
	}
	return s
}

// figureSet says which of a directory row's figures to load.
type figureSet int

const (
	withActivity figureSet = 1 << iota // XP, messages, Live, scores, last activity
	withModules                        // the module standing at the range's end
)

// fillFigures loads the figures in what for rows, which are members of s.
func (e *Engine) fillFigures(ctx context.Context, tx *store.Tx, s store.StatsScope, rows []adminstats.MemberProgress, what figureSet) error {
	if what == 0 || len(rows) == 0 {
		return nil
	}
	s = only(s, rows)
	if what&withModules != 0 {
		mods, err := e.moduleStanding(ctx, tx, s)
		if err != nil {
			return err
		}
		for i := range rows {
			md := mods[rows[i].UserID]
			rows[i].ModulesCompleted, rows[i].ModulesInProgress = md.Completed, md.InProgress
		}
	}
	if what&withActivity == 0 {
		return nil
	}
	act, err := loadActivity(ctx, tx, s, nil)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		a := act.users[r.UserID]
		if a == nil {
			continue
		}
		r.XPEarned, r.Messages = a.XPEarned, a.Messages
		r.LiveSeconds = live.UsedSeconds(a.liveMS)
		r.LastActiveAt = xtime.PtrFromMillis(a.last)
		if a.XELSubmissions > 0 {
			avg := math.Round(float64(a.scoreSum)/float64(a.XELSubmissions)*10) / 10
			r.AverageScore = &avg
		}
	}
	return nil
}

// memberActivity is one member's activity in a range, with what the
// public figures are computed from.
type memberActivity struct {
	adminstats.Activity
	// liveMS is the Live time charged, in milliseconds. A figure sums it
	// first, then counts it in whole seconds by the Live quota's own rule,
	// live.UsedSeconds (rounded up: a second begun is a second used).
	liveMS   int64
	scoreSum int64
	last     int64 // Unix ms of the latest event
}

// activity is what the members of a scope did in a range: per member, and
// (when loaded by day) one entry per day of the range, zeros included.
type activity struct {
	users map[string]*memberActivity
	days  []adminstats.Day
}

// loadActivity reads the activity of the members of s in one query; with
// rng, by day too.
func loadActivity(ctx context.Context, tx *store.Tx, s store.StatsScope, rng *adminstats.Range) (activity, error) {
	counts, err := tx.StatsActivity(ctx, s, rng != nil)
	if err != nil {
		return activity{}, err
	}
	act := activity{users: map[string]*memberActivity{}}
	var liveMS []int64
	type dayUser struct {
		day  int
		user string
	}
	active := map[dayUser]bool{}
	if rng != nil {
		act.days = make([]adminstats.Day, rng.Days())
		for i := range act.days {
			act.days[i].Date = rng.Date(i)
		}
		liveMS = make([]int64, len(act.days))
	}
	for _, c := range counts {
		a := act.users[c.UserID]
		if a == nil {
			a = &memberActivity{}
			act.users[c.UserID] = a
		}
		n := int(c.N)
		switch c.Kind {
		case store.StatsMessage:
			a.Messages += n
		case store.StatsConversation:
			a.Conversations += n
		case store.StatsLive:
			a.LiveSessions += n
			a.liveMS += c.V1
		case store.StatsXEL:
			a.XELSubmissions += n
			a.XPEarned += int(c.V1)
			a.scoreSum += c.V2
		case store.StatsDocument:
			a.Documents += n
		}
		a.last = max(a.last, c.Last)
		if rng == nil || c.Day < 0 || c.Day >= len(act.days) {
			continue
		}
		d := &act.days[c.Day]
		switch c.Kind {
		case store.StatsMessage:
			d.Messages += n
		case store.StatsLive:
			liveMS[c.Day] += c.V1
		case store.StatsXEL:
			d.XELSubmissions += n
			d.XPEarned += int(c.V1)
		}
		if k := (dayUser{c.Day, c.UserID}); !active[k] {
			active[k] = true
			d.ActiveMembers++
		}
	}
	for i := range liveMS {
		act.days[i].LiveSeconds = live.UsedSeconds(liveMS[i])
	}
	return act, nil
}

func addActivity(a, b adminstats.Activity) adminstats.Activity {
	a.Messages += b.Messages
	a.Conversations += b.Conversations
	a.LiveSessions += b.LiveSessions
	a.XELSubmissions += b.XELSubmissions
	a.XPEarned += b.XPEarned
	a.Documents += b.Documents
	return a
}

// moduleStanding counts, per member of s, the curriculum's modules they had
// completed (every task passed) and were in (a task tried) at the range's end.
func (e *Engine) moduleStanding(ctx context.Context, tx *store.Tx, s store.StatsScope) (map[string]adminstats.Modules, error) {
	rows, err := tx.StatsModules(ctx, s, s.End > tx.NowMillis())
	if err != nil {
		return nil, err
	}
	out := map[string]adminstats.Modules{}
	for _, r := range rows {
		m, ok := e.xel.Module(r.ModuleID)
		if !ok {
			continue // a module no longer in the curriculum
		}
		md := out[r.UserID]
		switch {
		case r.Passed >= len(m.Tasks):
			md.Completed++
		case r.Attempted > 0:
			md.InProgress++
		}
		out[r.UserID] = md
	}
	return out, nil
}

// affiliations returns, per member of members (who are members of s), the
// memberships the viewer may see: in s's organization, named orgName, and
// in the other organizations the viewer administers; by organization name.
func affiliations(ctx context.Context, tx *store.Tx, s store.StatsScope, viewerID, orgName string, members []store.StatsMember) (map[string]adminstats.Affiliated, error) {
	teams, err := tx.StatsTeamNames(ctx, s.OrgID)
	if err != nil {
		return nil, err
	}
	all := make(map[string][]adminstats.Affiliation, len(members))
	for _, m := range members {
		all[m.UserID] = []adminstats.Affiliation{affiliation(s.OrgID, orgName, m.TeamID, teams[m.TeamID], m.Role)}
	}
	if viewerID != "" {
		rows, err := tx.StatsAffiliations(ctx, s, viewerID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if list, ok := all[r.UserID]; ok {
				all[r.UserID] = append(list, affiliation(r.OrgID, r.OrgName, r.TeamID, r.TeamName, r.Role))
			}
		}
	}
	out := make(map[string]adminstats.Affiliated, len(all))
	for id, list := range all {
		slices.SortFunc(list, func(a, b adminstats.Affiliation) int {
			if c := strings.Compare(a.OrganizationName, b.OrganizationName); c != 0 {
				return c
			}
			return strings.Compare(a.OrganizationID, b.OrganizationID)
		})
		var a adminstats.Affiliated
		for _, af := range list {
			a.Add(af)
		}
		out[id] = a
	}
	return out, nil
}

func affiliation(orgID, orgName, teamID, teamName, role string) adminstats.Affiliation {
	af := adminstats.Affiliation{OrganizationID: orgID, OrganizationName: orgName, Role: role}
	if teamID != "" {
		af.TeamID, af.TeamName = &teamID, &teamName
	}
	return af
}
