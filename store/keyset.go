package store

import "github.com/xentree/xentree/internal/cursor"

// keyset is the order of a list read a page at a time: a time column, then
// the id that breaks ties, oldest or newest first.
type keyset struct {
	key, id     string
	newestFirst bool
}

// The orders of the lists. TestListPagesSeekTheirIndex checks the long
// lists against their indexes.
var (
	byUpdatedNewest = keyset{key: "updated_at", id: "id", newestFirst: true}
	byCreatedOldest = keyset{key: "created_at", id: "id"}
	byCreatedNewest = keyset{key: "created_at", id: "id", newestFirst: true}
	docsByNewest    = keyset{key: "d.created_at", id: "d.id", newestFirst: true}
	orgsByOldest    = keyset{key: "o.created_at", id: "o.id"}
	membersByJoined = keyset{key: "m.joined_at", id: "m.user_id"}
	teamsByOldest   = keyset{key: "t.created_at", id: "t.id"}
	apiKeysByNewest = keyset{key: "k.created_at", id: "k.id", newestFirst: true}
	revokedNewest   = keyset{key: "revoked_at", id: "jti", newestFirst: true}
)

// page appends to a query the condition for rows after the cursor (none
// without one), the order and the limit.
//
// The cursor is compared as a row value, (key, id) < (?, ?): SQLite seeks
// an index with that, while the equivalent key < ? OR (key = ? AND id < ?)
// only filters a scan from the start of the list, so page n cost O(n).
func (k keyset) page(q string, args []any, after *cursor.Position, limit int) (string, []any) {
	op, dir := ">", ""
	if k.newestFirst {
		op, dir = "<", " DESC"
	}
	if after != nil {
		q += ` AND (` + k.key + `, ` + k.id + `) ` + op + ` (?, ?)`
		args = append(args, after.Key, after.ID)
	}
	q += ` ORDER BY ` + k.key + dir + `, ` + k.id + dir + ` LIMIT ?`
	return q, append(args, limit)
}
