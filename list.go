package xentree

import (
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/xerr"
)

// Page asks for one page of a list: Limit items (0 for the default) after
// the opaque Cursor of the previous page ("" for the first).
type Page struct {
	Limit  int
	Cursor string
}

// List is a page of items and the cursor of the next page (nil at the end).
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// page validates p and returns the decoded position and the limit.
func (e *Engine) page(p Page) (*cursor.Position, int, error) {
	limit := p.Limit
	if limit == 0 {
		limit = e.cfg.Limits.DefaultPageSize
	}
	if limit < 1 || limit > e.cfg.Limits.MaxPageSize {
		return nil, 0, xerr.Newf(xerr.Invalid, "must be between 1 and %d", e.cfg.Limits.MaxPageSize).WithField("limit")
	}
	pos, ok, err := cursor.Decode(p.Cursor)
	if err != nil || !ok {
		return nil, limit, err
	}
	return &pos, limit, nil
}

// makeList trims a limit+1 result to limit and sets the next cursor from
// the last item kept.
func makeList[T any](items []T, limit int, pos func(T) cursor.Position) List[T] {
	l := List[T]{Items: items}
	if len(items) > limit {
		l.Items = items[:limit]
		c := cursor.Encode(pos(l.Items[limit-1]))
		l.NextCursor = &c
	}
	if l.Items == nil {
		l.Items = []T{}
	}
	return l
}
