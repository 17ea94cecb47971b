package adminstats

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/xentree/xentree/xtime"
)

// SortMembers orders rows by key (one of SortKeys) in order. Ties break by
// user_id, ascending in either order, so every row has one place and pages
// never repeat or skip one. A missing average score or last activity sorts
// below every present one. Names compare case-insensitively; a member who
// gave no full name sorts by username, then email (what a directory shows
// for them), not ahead of everyone.
func SortMembers(rows []MemberProgress, key, order string) {
	var folded []string
	if key == SortName {
		folded = make([]string, len(rows))
		for i := range rows {
			folded[i] = strings.ToLower(cmp.Or(rows[i].FullName, rows[i].Username, rows[i].Email))
		}
	}
	by := func(a, b int) int {
		x, y := &rows[a], &rows[b]
		switch key {
		case SortEmail:
			return strings.Compare(x.Email, y.Email)
		case SortJoinedAt:
			return x.JoinedAt.Compare(y.JoinedAt.Time)
		case SortXPEarned:
			return cmp.Compare(x.XPEarned, y.XPEarned)
		case SortModulesCompleted:
			return cmp.Compare(x.ModulesCompleted, y.ModulesCompleted)
		case SortAverageScore:
			return comparePtr(x.AverageScore, y.AverageScore, cmp.Compare[float64])
		case SortLiveSeconds:
			return cmp.Compare(x.LiveSeconds, y.LiveSeconds)
		case SortLastActiveAt:
			return comparePtr(x.LastActiveAt, y.LastActiveAt, func(a, b xtime.Time) int { return a.Compare(b.Time) })
		}
		return strings.Compare(folded[a], folded[b])
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		c := by(a, b)
		if order == OrderDesc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return strings.Compare(rows[a].UserID, rows[b].UserID)
	})
	sorted := make([]MemberProgress, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

// comparePtr compares optional values; nil is below every value.
func comparePtr[T any](a, b *T, c func(T, T) int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return c(*a, *b)
}

// CSVHeader is the first row of the directory's CSV export.
var CSVHeader = []string{"user_id", "email", "username", "full_name", "role", "joined_at", "organizations", "teams",
	"affiliations", "xp_earned", "modules_completed", "modules_in_progress", "average_score", "live_seconds",
	"messages", "last_active_at"}

// ListSeparator joins a list in one CSV cell.
const ListSeparator = "; "

// CSVRecord is m as a row under CSVHeader: lists joined with ListSeparator,
// times as in JSON, an empty cell for null. An affiliation reads
// "Organization (role)" or "Organization / Team (role)". Text a spreadsheet
// would run as a formula gets a leading apostrophe (see Cell).
func (m MemberProgress) CSVRecord() []string {
	affs := make([]string, len(m.Affiliations))
	for i, a := range m.Affiliations {
		s := a.OrganizationName
		if a.TeamName != nil {
			s += " / " + *a.TeamName
		}
		affs[i] = s + " (" + a.Role + ")"
	}
	avg := ""
	if m.AverageScore != nil {
		avg = strconv.FormatFloat(*m.AverageScore, 'f', -1, 64)
	}
	last := ""
	if m.LastActiveAt != nil {
		last = m.LastActiveAt.String()
	}
	return []string{m.UserID, Cell(m.Email), Cell(m.Username), Cell(m.FullName), m.Role, m.JoinedAt.String(),
		Cell(strings.Join(m.Organizations, ListSeparator)), Cell(strings.Join(m.Teams, ListSeparator)),
		Cell(strings.Join(affs, ListSeparator)), strconv.Itoa(m.XPEarned), strconv.Itoa(m.ModulesCompleted),
		strconv.Itoa(m.ModulesInProgress), avg, strconv.FormatInt(m.LiveSeconds, 10), strconv.Itoa(m.Messages), last}
}

// Cell guards a text cell against formula injection: a value starting with
// =, +, -, @, a tab or a carriage return is what spreadsheets evaluate, so
// it gets a leading apostrophe (OWASP's advice). Other text is unchanged.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
