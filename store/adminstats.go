package store

import (
	"context"
	"strings"
)

// StatsScope selects the members an admin statistics query covers, and
// the range of time it counts: [Start, End) in Unix milliseconds.
type StatsScope struct {
	OrgID   string
	TeamID  string   // "" for the whole organization
	UserIDs []string // nil for every member in scope; otherwise only these (a page: keep it small)
	Start   int64
	End     int64
}

// members is the condition on memberships m that selects the scope's
// members, with its arguments.
func (s StatsScope) members() (string, []any) {
	q := `m.org_id = ?`
	args := []any{s.OrgID}
	if s.TeamID != "" {
		q += ` AND m.team_id = ?`
		args = append(args, s.TeamID)
	}
	if s.UserIDs != nil {
		if len(s.UserIDs) == 0 {
			return q + ` AND 0 = 1`, args
		}
		var in string
		in, args = inList(args, s.UserIDs)
		q += ` AND m.user_id IN ` + in
	}
	return q, args
}

// StatsMember is a member in scope with their account.
type StatsMember struct {
	UserID, Email, Username, FullName, Role, TeamID string
	JoinedAt                                        int64
}

// StatsMembers returns the members in scope, by user id.
func (tx *Tx) StatsMembers(ctx context.Context, s StatsScope) ([]StatsMember, error) {
	cond, args := s.members()
	return queryAll(ctx, tx, `SELECT m.user_id, u.email, COALESCE(u.username, ''), u.full_name, m.role, COALESCE(m.team_id, ''), m.joined_at
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE `+cond+` ORDER BY m.user_id`, args,
		func(row interface{ Scan(...any) error }) (StatsMember, error) {
			var m StatsMember
			err := row.Scan(&m.UserID, &m.Email, &m.Username, &m.FullName, &m.Role, &m.TeamID, &m.JoinedAt)
			return m, err
		})
}

// Kinds of activity counted by the statistics.
const (
	StatsMessage      = "message"      // a message the member sent
	StatsConversation = "conversation" // a conversation started
	StatsSession      = "session"      // a learning session started in a conversation
	StatsLive         = "live"         // a Live session started; value: milliseconds charged
	StatsTranscript   = "transcript"   // a Live transcript saved
	StatsXEL          = "xel"          // an XEL submission; values: XP awarded, score
	StatsDocument     = "document"     // a document added (the member's own, or to this organization)
)

// statsSource is where one kind of activity is stored: the joins from the
// member m to the event x, the event's time, and up to two values.
type statsSource struct {
	kind, join, at, v1, v2 string
}

// statsSources are all the kinds of activity. Every join reaches the event
// through an index that starts with the member (or the conversation) and
// holds the time, so each member costs a seek and their events in range.
// Documents are two sources: a member's own reach documents_user, those
// added to the organization documents_org.
var statsSources = []statsSource{
	{StatsMessage, `JOIN conversations c ON c.user_id = m.user_id JOIN messages x ON x.conversation_id = c.id AND x.role = 'user'`, `x.created_at`, `0`, `0`},
	{StatsConversation, `JOIN conversations x ON x.user_id = m.user_id`, `x.created_at`, `0`, `0`},
	{StatsSession, `JOIN conversations c ON c.user_id = m.user_id JOIN conversation_sessions x ON x.conversation_id = c.id`, `x.started_at`, `0`, `0`},
	{StatsLive, `JOIN live_sessions x ON x.user_id = m.user_id`, `x.started_at`, `x.charged_ms`, `0`},
	{StatsTranscript, `JOIN live_transcripts x ON x.user_id = m.user_id`, `x.created_at`, `0`, `0`},
	{StatsXEL, `JOIN xel_submissions x ON x.user_id = m.user_id`, `x.created_at`, `x.xp`, `x.score`},
	{StatsDocument, `JOIN documents x ON x.user_id = m.user_id AND x.org_id IS NULL`, `x.created_at`, `0`, `0`},
	{StatsDocument, `JOIN documents x ON x.org_id = m.org_id AND x.user_id = m.user_id`, `x.created_at`, `0`, `0`},
}

// statsUnion builds one SELECT per source, joined with op (UNION ALL or
// UNION): each is `SELECT <cols(src)> FROM memberships m <join> WHERE
// <scope> AND <time in range> <tail>`.
func (s StatsScope) statsUnion(op string, cols func(statsSource) string, tail string, lead []any) (string, []any) {
	cond, margs := s.members()
	parts := make([]string, len(statsSources))
	var args []any
	for i, src := range statsSources {
		parts[i] = `SELECT ` + cols(src) + ` FROM memberships m ` + src.join + ` WHERE ` + cond +
			` AND ` + src.at + ` >= ? AND ` + src.at + ` < ?` + tail
		args = append(args, lead...)
		args = append(args, margs...)
		args = append(args, s.Start, s.End)
	}
	return strings.Join(parts, ` `+op+` `), args
}

// StatsCount is the activity of one kind by one member, or on one day.
type StatsCount struct {
	Kind   string
	Key    string // the member's id (ActivityByUser), or "" (ActivityByDay)
	Day    int    // days since the scope's start (ActivityByDay)
	N      int64  // events
	V1, V2 int64  // sums of the source's values
	Last   int64  // the latest event's time
}

func scanCount(row interface{ Scan(...any) error }) (StatsCount, error) {
	var c StatsCount
	err := row.Scan(&c.Kind, &c.Key, &c.Day, &c.N, &c.V1, &c.V2, &c.Last)
	return c, err
}

// StatsActivityByUser returns, per member in scope and kind of activity,
// what they did in the range. Members without any activity have no rows.
func (tx *Tx) StatsActivityByUser(ctx context.Context, s StatsScope) ([]StatsCount, error) {
	q, args := s.statsUnion(`UNION ALL`, func(src statsSource) string {
		return `'` + src.kind + `', m.user_id, 0, COUNT(*), COALESCE(SUM(` + src.v1 + `), 0), COALESCE(SUM(` + src.v2 + `), 0), MAX(` + src.at + `)`
	}, ` GROUP BY m.user_id`, nil)
	return queryAll(ctx, tx, q, args, scanCount)
}

// dayOf is the SQL for the UTC day of an event at column at, counted from
// the scope's start (the first ? argument). Times are Unix milliseconds, in
// which a day has no leap second, and the start is a UTC midnight, so this
// is integer arithmetic that any SQL database does alike: no time zone
// functions, and events bucket by UTC whoever stored them.
func dayOf(at string) string { return `(` + at + ` - ?) / 86400000` }

// StatsActivityByDay returns, per day of the range and kind of activity,
// what the members in scope did; days without activity have no rows.
func (tx *Tx) StatsActivityByDay(ctx context.Context, s StatsScope) ([]StatsCount, error) {
	q, args := s.statsUnion(`UNION ALL`, func(src statsSource) string {
		return `'` + src.kind + `', '', ` + dayOf(src.at) + ` AS d, COUNT(*), COALESCE(SUM(` + src.v1 + `), 0), COALESCE(SUM(` + src.v2 + `), 0), MAX(` + src.at + `)`
	}, ` GROUP BY d`, []any{s.Start})
	return queryAll(ctx, tx, q, args, scanCount)
}

// StatsActiveByDay returns, per day of the range (days since its start),
// how many members in scope did anything that day.
func (tx *Tx) StatsActiveByDay(ctx context.Context, s StatsScope) (map[int]int, error) {
	// UNION (not ALL) keeps each (member, day) once across every source.
	q, args := s.statsUnion(`UNION`, func(src statsSource) string {
		return `m.user_id, ` + dayOf(src.at) + ` AS d`
	}, ``, []any{s.Start})
	rows, err := tx.query(ctx, `SELECT d, COUNT(*) FROM (`+q+`) a GROUP BY d`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var d, n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, mapErr(err)
		}
		out[d] = n
	}
	return out, mapErr(rows.Err())
}

// StatsModule is a member's standing in one XEL module: the tasks they had
// passed and tried before the scope's end.
type StatsModule struct {
	UserID, ModuleID  string
	Passed, Attempted int
}

// StatsModules returns the XEL standing, per member in scope and module
// tried, as it was at the end of the range.
func (tx *Tx) StatsModules(ctx context.Context, s StatsScope) ([]StatsModule, error) {
	cond, args := s.members()
	return queryAll(ctx, tx, `SELECT m.user_id, x.module_id, COUNT(DISTINCT CASE WHEN x.passed = 1 THEN x.task_id END), COUNT(DISTINCT x.task_id)
		FROM memberships m JOIN xel_submissions x ON x.user_id = m.user_id
		WHERE `+cond+` AND x.created_at < ? GROUP BY m.user_id, x.module_id`, append(args, s.End),
		func(row interface{ Scan(...any) error }) (StatsModule, error) {
			var sm StatsModule
			err := row.Scan(&sm.UserID, &sm.ModuleID, &sm.Passed, &sm.Attempted)
			return sm, err
		})
}

// StatsAffiliation is one membership of a member in scope.
type StatsAffiliation struct {
	UserID, OrgID, OrgName, TeamID, TeamName, Role string
}

// StatsAffiliations returns the memberships of the members in scope in the
// scope's organization and in every organization viewerID is an owner or
// admin of ("" for none: an API key sees its own organization only), by
// member, then organization name.
func (tx *Tx) StatsAffiliations(ctx context.Context, s StatsScope, viewerID string) ([]StatsAffiliation, error) {
	cond, args := s.members()
	return queryAll(ctx, tx, `SELECT a.user_id, a.org_id, o.name, COALESCE(a.team_id, ''), COALESCE(t.name, ''), a.role
		FROM memberships m JOIN memberships a ON a.user_id = m.user_id
		JOIN organizations o ON o.id = a.org_id LEFT JOIN teams t ON t.id = a.team_id
		WHERE `+cond+` AND (a.org_id = m.org_id OR a.org_id IN
			(SELECT v.org_id FROM memberships v WHERE v.user_id = ? AND v.role IN ('owner', 'admin')))
		ORDER BY a.user_id, o.name, a.org_id`, append(args, viewerID),
		func(row interface{ Scan(...any) error }) (StatsAffiliation, error) {
			var a StatsAffiliation
			err := row.Scan(&a.UserID, &a.OrgID, &a.OrgName, &a.TeamID, &a.TeamName, &a.Role)
			return a, err
		})
}
