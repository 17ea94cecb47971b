package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/sqlite"
)

// The tests here hold the store's SQL to SQLite's query plans; its
// behaviour on both drivers is store/postgres's contract test, and the
// Engine's whole suite runs on both.

var ctx = context.Background()

func openTest(t testing.TB, now func() time.Time) *store.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestListPagesSeekTheirIndex holds each long list's order to its index:
// the page after a cursor must start with an index seek on the cursor and
// read the index in list order, never sort. A migration that changes an
// index, or a list whose order drifts from it, fails here instead of
// turning deep pages into scans.
func TestListPagesSeekTheirIndex(t *testing.T) {
	db := openTest(t, nil)
	cases := []struct {
		name, base, index, seek string
		order                   store.Keyset
	}{
		{"conversations", `SELECT id FROM conversations WHERE user_id = ?`, "conversations_user_updated", "(updated_at,id)<(?,?)", store.ByUpdatedNewest},
		{"messages", `SELECT id FROM messages WHERE conversation_id = ?`, "messages_conversation", "(created_at,id)>(?,?)", store.ByCreatedOldest},
		{"notes", `SELECT id FROM notes WHERE user_id = ?`, "notes_user_updated", "(updated_at,id)<(?,?)", store.ByUpdatedNewest},
		{"transcripts", `SELECT id FROM live_transcripts WHERE user_id = ?`, "live_transcripts_user", "(created_at,id)<(?,?)", store.ByCreatedNewest},
		{"revocations", `SELECT jti FROM integration_revocations WHERE org_id = ?`, "integration_revocations_org_revoked", "(revoked_at,jti)<(?,?)", store.RevokedNewest},
		{"members", `SELECT m.user_id FROM memberships m WHERE m.org_id = ?`, "memberships_joined", "(joined_at,user_id)>(?,?)", store.MembersByJoined},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, args := c.order.Page(c.base, []any{"x"}, &cursor.Position{Key: 1, ID: "y"}, 10)
			plan := explain(t, db, q, args)
			if !strings.Contains(plan, "INDEX "+c.index+" ") || !strings.Contains(plan, c.seek) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan for %s:\n%s\nwant a seek %s on %s and no sort", q, plan, c.seek, c.index)
			}
		})
	}
}

func explain(t *testing.T, db *store.DB, q string, args []any) string {
	t.Helper()
	var lines []string
	err := db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryRaw(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			lines = append(lines, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestStatsQueriesSeek holds every admin statistics query to index seeks:
// each member is reached through memberships and each kind of activity
// through an index that starts with the member (or their conversation) and
// holds the event time. A table scan here would read every user's activity
// to answer for one organization.
func TestStatsQueriesSeek(t *testing.T) {
	db := openTest(t, nil)
	scopes := map[string]store.StatsScope{
		"organization": {OrgID: "o", Start: 1, End: 2},
		"team":         {OrgID: "o", TeamID: "t", Start: 1, End: 2},
		"page":         {OrgID: "o", UserIDs: []string{"a", "b"}, Start: 1, End: 2},
	}
	for name, s := range scopes {
		byUser, args := s.ActivityQuery(false)
		byDay, dargs := s.ActivityQuery(true)
		cond, margs := s.Members()
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
			if n := strings.Count(plan, "SEARCH x"); strings.HasPrefix(q.sql, "SELECT '") && n != store.StatsSources {
				t.Errorf("%s, %s: %d event sources searched, want %d:\n%s", name, what, n, store.StatsSources, plan)
			}
		}
	}
}

func TestStatsScopeOfNoOne(t *testing.T) {
	db := openTest(t, nil)
	err := db.Read(ctx, func(tx *store.Tx) error {
		ms, err := tx.StatsMembers(ctx, store.StatsScope{OrgID: "o", UserIDs: []string{}})
		if len(ms) != 0 {
			t.Errorf("members of an empty page = %d, want 0", len(ms))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRawInsert is the ceiling: one single-row INSERT per committed
// transaction on the write connection, no store code around it.
func BenchmarkRawInsert(b *testing.B) {
	db := openTest(b, nil)
	if err := db.ExecRaw(ctx, `CREATE TABLE bench (id TEXT PRIMARY KEY, v TEXT NOT NULL, t INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := db.ExecRaw(ctx, `INSERT INTO bench (id, v, t) VALUES (?, ?, ?)`, ids.New(), "some value", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserInsert is a store write as the Engine does it: Write, Tx, one row.
func BenchmarkUserInsert(b *testing.B) {
	db := openTest(b, nil)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		u := store.UserRow{Profile: auth.Profile{ID: ids.New(), Email: fmt.Sprintf("u%d@example.com", n), Role: "user", Plan: "free", Timezone: "UTC", PreferredLanguage: "en"}}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
			b.Fatal(err)
		}
	}
}
