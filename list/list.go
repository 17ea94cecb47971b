// Package list holds the two types every list of the API shares: Page asks
// for one page, List is one. The Engine's list methods, httpapi and the
// client all use them (the root package re-exports them as xentree.Page and
// xentree.List), and the package imports nothing, so a program that only
// talks REST through package client gets them without linking the engine.
package list

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
