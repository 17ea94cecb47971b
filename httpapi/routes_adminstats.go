package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
)

// dateDocs describe the date-only range every stats route reads.
var dateDocs = map[string]string{
	"start_date": "YYYY-MM-DD, a UTC day, inclusive (default: 29 days before end_date)",
	"end_date":   "YYYY-MM-DD, a UTC day, inclusive: the range ends at the next day's 00:00Z (default: today, UTC)",
}

func (a *api) adminStatsRoutes() []route {
	const tag = "Admin stats"
	e := a.eng
	// The contract names the organization organization_id here, and org_id
	// on the directory.
	dates := []string{"organization_id", "team_id", "start_date", "end_date"}
	return []route{
		{Method: "GET", Path: "/api/v1/admin/stats/engagement", Tag: tag,
			Summary: "Engagement of an organization or team for a range of UTC days: totals, every day, top members (owners, admins, a team's manager)",
			Auth:    bearer, Scope: auth.ScopeAPIRead, Status: 200, Response: adminstats.EngagementStats{}, Query: dates, Required: dates[:1], QueryDoc: dateDocs,
			Handle: reply(func(r *http.Request, u xentree.User) (adminstats.EngagementStats, error) {
				return e.EngagementStats(r.Context(), u, adminstats.RequestFromQuery(r.URL.Query()))
			})},
		{Method: "GET", Path: "/api/v1/admin/stats/users/{user_id}", Tag: tag,
			Summary: "One member's engagement for a range of UTC days, streak and modules (404 unless a member the caller may see)",
			Auth:    bearer, Scope: auth.ScopeAPIRead, Status: 200, Response: adminstats.MemberEngagement{}, Query: dates, Required: dates[:1], QueryDoc: dateDocs,
			Handle: reply(func(r *http.Request, u xentree.User) (adminstats.MemberEngagement, error) {
				return e.MemberEngagement(r.Context(), u, r.PathValue("user_id"), adminstats.RequestFromQuery(r.URL.Query()))
			})},
		{Method: "GET", Path: "/api/v1/admin/stats/progress/members", Tag: tag,
			Summary: "The member directory with the range's figures, sorted and paged; text/csv (every matching member) with format=csv or Accept: text/csv",
			Auth:    bearer, Scope: auth.ScopeAPIRead, Status: 200, Response: adminstats.MemberProgressPage{}, CSV: true,
			Query:    []string{"org_id", "team_id", "start_date", "end_date", "sort", "order", "page", "limit", "q", "format"},
			Required: []string{"org_id"},
			QueryDoc: map[string]string{
				"start_date": dateDocs["start_date"], "end_date": dateDocs["end_date"],
				"sort":   "name (default), email, joined_at, xp_earned, modules_completed, average_score, live_seconds or last_active_at; ties break by user_id",
				"order":  "asc (default) or desc",
				"page":   "from 1 (default 1)",
				"limit":  "members per page: default " + strconv.Itoa(adminstats.DefaultLimit) + ", at most " + strconv.Itoa(adminstats.MaxLimit),
				"q":      "matches name, username or email, case-insensitive",
				"format": "json (default) or csv: every matching member, not one page",
			},
			Handle: a.memberProgress},
	}
}

// memberProgress answers the directory as JSON, or as CSV when asked.
func (a *api) memberProgress(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	req, err := adminstats.DirectoryFromQuery(r.URL.Query())
	if err != nil {
		return err
	}
	asCSV, err := wantsCSV(r)
	if err != nil {
		return err
	}
	if !asCSV {
		page, err := a.eng.MemberProgress(r.Context(), u, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
	cw := &csvResponse{w: w}
	if err := a.eng.ExportMemberProgress(r.Context(), u, req, cw); err != nil {
		if !cw.started {
			return err // refused before the first byte: the usual error answer
		}
		// The client went away mid-file; the status is long sent.
		a.log.Debug("member csv export cut short", "err", err)
	}
	return nil
}

// wantsCSV reads format (json or csv), else looks for text/csv in Accept.
func wantsCSV(r *http.Request) (bool, error) {
	switch f := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("format"))); f {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, xerr.InvalidField("format", "must be json or csv")
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != "text/csv" {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
			continue // text/csv;q=0: explicitly not
		}
		return true, nil
	}
	return false, nil
}

// csvResponse sets the CSV headers on the first write, so an error before
// it can still be answered as JSON.
type csvResponse struct {
	w       http.ResponseWriter
	started bool
}

func (c *csvResponse) Write(p []byte) (int, error) {
	if !c.started {
		c.started = true
		h := c.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="members.csv"`)
		c.w.WriteHeader(http.StatusOK)
	}
	return c.w.Write(p)
}
