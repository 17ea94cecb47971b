package store

import "github.com/xentree/xentree/internal/cursor"

// Names for the external tests (package store_test), which open a SQLite
// store and so cannot live in this package.

type Keyset = keyset

var (
	ByUpdatedNewest = byUpdatedNewest
	ByCreatedOldest = byCreatedOldest
	ByCreatedNewest = byCreatedNewest
	RevokedNewest   = revokedNewest
	MembersByJoined = membersByJoined
	StatsSources    = len(statsSources)
)

func (k keyset) Page(q string, args []any, after *cursor.Position, limit int) (string, []any) {
	return k.page(q, args, after, limit)
}

func (s StatsScope) ActivityQuery(byDay bool) (string, []any) { return s.activityQuery(byDay) }
func (s StatsScope) Members() (string, []any)                 { return s.members() }
