package xentree

import (
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/list"
)

// Page asks for one page of a list: Limit items (0 for the default) after
// the opaque Cursor of the previous page ("" for the first). It is
// list.Page, which a REST-only program can use without this package.
type Page = list.Page

// List is a page of items and the cursor of the next page (nil at the end):
// list.List.
type List[T any] = list.List[T]

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
