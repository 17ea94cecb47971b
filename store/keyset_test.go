package store

import (
	"strings"
	"testing"

	"github.com/xentree/xentree/internal/cursor"
)

// TestListPagesSeekTheirIndex holds each long list's order to its index:
// the page after a cursor must start with an index seek on the cursor and
// read the index in list order, never sort. A migration that changes an
// index, or a list whose order drifts from it, fails here instead of
// turning deep pages into scans.
func TestListPagesSeekTheirIndex(t *testing.T) {
	db := openTest(t, nil)
	cases := []struct {
		name, base, index, seek string
		order                   keyset
	}{
		{"conversations", `SELECT id FROM conversations WHERE user_id = ?`, "conversations_user_updated", "(updated_at,id)<(?,?)", byUpdatedNewest},
		{"messages", `SELECT id FROM messages WHERE conversation_id = ?`, "messages_conversation", "(created_at,id)>(?,?)", byCreatedOldest},
		{"notes", `SELECT id FROM notes WHERE user_id = ?`, "notes_user_updated", "(updated_at,id)<(?,?)", byUpdatedNewest},
		{"transcripts", `SELECT id FROM live_transcripts WHERE user_id = ?`, "live_transcripts_user", "(created_at,id)<(?,?)", byCreatedNewest},
		{"revocations", `SELECT jti FROM integration_revocations WHERE org_id = ?`, "integration_revocations_org_revoked", "(revoked_at,jti)<(?,?)", revokedNewest},
		{"members", `SELECT m.user_id FROM memberships m WHERE m.org_id = ?`, "memberships_joined", "(joined_at,user_id)>(?,?)", membersByJoined},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, args := c.order.page(c.base, []any{"x"}, &cursor.Position{Key: 1, ID: "y"}, 10)
			plan := explain(t, db, q, args)
			if !strings.Contains(plan, "INDEX "+c.index+" ") || !strings.Contains(plan, c.seek) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan for %s:\n%s\nwant a seek %s on %s and no sort", q, plan, c.seek, c.index)
			}
		})
	}
}

func explain(t *testing.T, db *DB, q string, args []any) string {
	t.Helper()
	var lines []string
	err := db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
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

func TestKeysetPage(t *testing.T) {
	after := &cursor.Position{Key: 5, ID: "b"}
	cases := []struct {
		order keyset
		after *cursor.Position
		want  string
		args  int
	}{
		{byUpdatedNewest, nil, "W ORDER BY updated_at DESC, id DESC LIMIT ?", 2},
		{byUpdatedNewest, after, "W AND (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT ?", 4},
		{membersByJoined, after, "W AND (m.joined_at, m.user_id) > (?, ?) ORDER BY m.joined_at, m.user_id LIMIT ?", 4},
	}
	for _, c := range cases {
		q, args := c.order.page("W", []any{"scope"}, c.after, 10)
		if q != c.want || len(args) != c.args || args[len(args)-1] != 10 {
			t.Errorf("page = %q %v; want %q with %d args ending in the limit", q, args, c.want, c.args)
		}
	}
}
