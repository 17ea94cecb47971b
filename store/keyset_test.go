package store

import (
	"testing"

	"github.com/xentree/xentree/internal/cursor"
)

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
