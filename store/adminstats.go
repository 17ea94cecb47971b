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

// StatsMember is a member in scope with their account and team.
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

// StatsTeamNames returns the names of orgID's teams by id: a handful of
// rows, read once rather than joined to every member.
func (tx *Tx) StatsTeamNames(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := tx.query(ctx, `SELECT id, name FROM teams WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, mapErr(err)
		}
		out[id] = name
	}
	return out, mapErr(rows.Err())
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

// statsQuery builds one SELECT per source, joined with UNION ALL: each is
// `SELECT <cols(src)> FROM memberships m <join> WHERE <scope> AND <time in
// range> <group>`, its arguments lead first.
func (s StatsScope) statsQuery(cols func(statsSource) string, group string, lead []any) (string, []any) {
	cond, margs := s.members()
	parts := make([]string, len(statsSources))
	var args []any
	for i, src := range statsSources {
		parts[i] = `SELECT ` + cols(src) + ` FROM memberships m ` + src.join + ` WHERE ` + cond +
			` AND ` + src.at + ` >= ? AND ` + src.at + ` < ?` + group
		args = append(args, lead...)
		args = append(args, margs...)
		args = append(args, s.Start, s.End)
	}
	return strings.Join(parts, ` UNION ALL `), args
}

// StatsCount is the activity of one kind by one member in the range, or
// on one day of it.
type StatsCount struct {
	Kind   string
	UserID string
	Day    int   // days since the scope's start; 0 when not by day
	N      int64 // events
	V1, V2 int64 // sums of the source's values
	Last   int64 // the latest event's time
}

// activityQuery is StatsActivity's SQL.
func (s StatsScope) activityQuery(byDay bool) (string, []any) {
	group, lead := ` GROUP BY m.user_id`, []any(nil)
	if byDay {
		group, lead = ` GROUP BY m.user_id, d`, []any{s.Start}
	}
	return s.statsQuery(func(src statsSource) string {
		day := `0`
		if byDay {
			day = dayOf(src.at)
		}
		return `'` + src.kind + `', m.user_id, ` + day + ` AS d, COUNT(*), COALESCE(SUM(` + src.v1 + `), 0), COALESCE(SUM(` + src.v2 + `), 0), MAX(` + src.at + `)`
	}, group, lead)
}

// dayOf is the SQL for the UTC day of an event at column at, counted from
// the scope's start (the first ? argument). Times are Unix milliseconds, in
// which a day has no leap second, and the start is a UTC midnight, so this
// is integer arithmetic that any SQL database does alike: no time zone
// functions, and events bucket by UTC whoever stored them.
func dayOf(at string) string { return `(` + at + ` - ?) / 86400000` }

// StatsActivity returns what each member in scope did in the range, per
// kind of activity, and per day too when byDay is set. Members without any
// activity have no rows. One query reaches every member once per source,
// so a dashboard's totals, days and active members all come from it.
func (tx *Tx) StatsActivity(ctx context.Context, s StatsScope, byDay bool) ([]StatsCount, error) {
	q, args := s.activityQuery(byDay)
	return queryAll(ctx, tx, q, args, func(row interface{ Scan(...any) error }) (StatsCount, error) {
		var c StatsCount
		err := row.Scan(&c.Kind, &c.UserID, &c.Day, &c.N, &c.V1, &c.V2, &c.Last)
		return c, err
	})
}

// StatsModule is a member's standing in one XEL module: the tasks they had
// passed and tried.
type StatsModule struct {
	UserID, ModuleID  string
	Passed, Attempted int
}

// StatsModules returns the XEL standing per member in scope and module
// tried, as it was at the end of the range: replayed from the submissions
// before it, or, when the range reaches the present (current), read from
// the best result per task, which is the same and a row per task.
func (tx *Tx) StatsModules(ctx context.Context, s StatsScope, current bool) ([]StatsModule, error) {
	cond, args := s.members()
	q := `SELECT m.user_id, x.module_id, COUNT(DISTINCT CASE WHEN x.passed = 1 THEN x.task_id END), COUNT(DISTINCT x.task_id)
		FROM memberships m JOIN xel_submissions x ON x.user_id = m.user_id
		WHERE ` + cond + ` AND x.created_at < ? GROUP BY m.user_id, x.module_id`
	if current {
		q = `SELECT m.user_id, x.module_id, SUM(CASE WHEN x.passed = 1 THEN 1 ELSE 0 END), COUNT(*)
			FROM memberships m JOIN xel_task_progress x ON x.user_id = m.user_id
			WHERE ` + cond + ` GROUP BY m.user_id, x.module_id`
	} else {
		args = append(args, s.End)
	}
	return queryAll(ctx, tx, q, args, func(row interface{ Scan(...any) error }) (StatsModule, error) {
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
// other organizations viewerID is an owner or admin of, in no order. (Their
// membership of the scope's organization is in StatsMembers.)
func (tx *Tx) StatsAffiliations(ctx context.Context, s StatsScope, viewerID string) ([]StatsAffiliation, error) {
	cond, args := s.members()
	return queryAll(ctx, tx, `SELECT a.user_id, a.org_id, o.name, COALESCE(a.team_id, ''), COALESCE(t.name, ''), a.role
		FROM memberships v JOIN memberships a ON a.org_id = v.org_id
		JOIN memberships m ON m.user_id = a.user_id
		JOIN organizations o ON o.id = a.org_id LEFT JOIN teams t ON t.id = a.team_id
		WHERE v.user_id = ? AND v.role IN ('owner', 'admin') AND v.org_id <> ? AND `+cond,
		append([]any{viewerID, s.OrgID}, args...),
		func(row interface{ Scan(...any) error }) (StatsAffiliation, error) {
			var a StatsAffiliation
			err := row.Scan(&a.UserID, &a.OrgID, &a.OrgName, &a.TeamID, &a.TeamName, &a.Role)
			return a, err
		})
}
