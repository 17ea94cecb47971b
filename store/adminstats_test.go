package store

import (
	"strings"
	"testing"
)

// TestStatsQueriesSeek holds every admin statistics query to index seeks:
// each member is reached through memberships and each kind of activity
// through an index that starts with the member (or their conversation) and
// holds the event time. A table scan here would read every user's activity
// to answer for one organization.
func TestStatsQueriesSeek(t *testing.T) {
	db := openTest(t, nil)
	scopes := map[string]StatsScope{
		"organization": {OrgID: "o", Start: 1, End: 2},
		"team":         {OrgID: "o", TeamID: "t", Start: 1, End: 2},
		"page":         {OrgID: "o", UserIDs: []string{"a", "b"}, Start: 1, End: 2},
	}
	for name, s := range scopes {
		byUser, args := s.activityQuery(false)
		byDay, dargs := s.activityQuery(true)
		cond, margs := s.members()
		for what, q := range map[string]struct {
			sql  string
			args []any
		}{
			"activity":        {byUser, args},
			"by day":          {byDay, dargs},
			"modules":         {`SELECT x.module_id FROM memberships m JOIN xel_submissions x ON x.user_id = m.user_id WHERE ` + cond + ` AND x.created_at < ?`, append(margs, 2)},
			"members":         {`SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE ` + cond, margs},
			"current modules": {`SELECT x.module_id FROM memberships m JOIN xel_task_progress x ON x.user_id = m.user_id WHERE ` + cond, margs},
			"affiliations": {`SELECT a.role FROM memberships v JOIN memberships a ON a.org_id = v.org_id JOIN memberships m ON m.user_id = a.user_id
				JOIN organizations o ON o.id = a.org_id LEFT JOIN teams t ON t.id = a.team_id
				WHERE v.user_id = ? AND v.role IN ('owner', 'admin') AND v.org_id <> ? AND ` + cond, append([]any{"v", "o"}, margs...)},
		} {
			plan := explain(t, db, q.sql, q.args)
			for _, line := range strings.Split(plan, "\n") {
				if strings.HasPrefix(line, "SCAN ") {
					t.Errorf("%s, %s: plan scans a table:\n%s", name, what, plan)
					break
				}
			}
			if n := strings.Count(plan, "SEARCH x"); strings.HasPrefix(q.sql, "SELECT '") && n != len(statsSources) {
				t.Errorf("%s, %s: %d event sources searched, want %d:\n%s", name, what, n, len(statsSources), plan)
			}
		}
	}
}

func TestStatsScopeOfNoOne(t *testing.T) {
	db := openTest(t, nil)
	err := db.Read(ctx, func(tx *Tx) error {
		ms, err := tx.StatsMembers(ctx, StatsScope{OrgID: "o", UserIDs: []string{}})
		if len(ms) != 0 {
			t.Errorf("members of an empty page = %d, want 0", len(ms))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
