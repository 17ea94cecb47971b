package postgres

import (
	"reflect"
	"strings"
	"testing"
)

// dependencyOrder puts parents first, keeps the given order where it is
// free, ignores a table's references to itself and names a cycle.
func TestDependencyOrder(t *testing.T) {
	names := func(ts []sqliteTable) string {
		var s []string
		for _, x := range ts {
			s = append(s, x.name)
		}
		return strings.Join(s, " ")
	}
	got, err := dependencyOrder([]sqliteTable{
		{name: "chunks", parents: []string{"documents"}},
		{name: "users"},
		{name: "documents", parents: []string{"users", "organizations"}},
		{name: "tree", parents: []string{"users"}}, // and itself, which sqliteTables drops
		{name: "organizations"},
	})
	if err != nil || names(got) != "users tree organizations documents chunks" {
		t.Errorf("order %q %v", names(got), err)
	}
	_, err = dependencyOrder([]sqliteTable{{name: "a", parents: []string{"b"}}, {name: "b", parents: []string{"a"}}, {name: "c"}})
	if err == nil || !strings.Contains(err.Error(), "a, b form a cycle") {
		t.Errorf("cycle: %v", err)
	}
	_, err = dependencyOrder([]sqliteTable{{name: "a", parents: []string{"gone"}}})
	if err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("a reference to a table not copied: %v", err)
	}
}

// toColumn turns what SQLite stored into what the PostgreSQL column takes,
// and refuses what it cannot hold.
func TestToColumn(t *testing.T) {
	for _, c := range []struct {
		in   any
		typ  string
		want any
	}{
		{int64(7), "bigint", int64(7)},
		{float64(7), "bigint", int64(7)},
		{"42", "bigint", int64(42)},
		{[]byte("42"), "bigint", int64(42)},
		{int64(3), "double precision", float64(3)},
		{"2.5", "double precision", 2.5},
		{[]byte("héllo"), "text", "héllo"},
		{int64(12), "text", "12"},
		{1.5, "text", "1.5"},
		{"sealed", "bytea", []byte("sealed")},
		{[]byte{0, 1, 2}, "bytea", []byte{0, 1, 2}},
		{int64(1), "boolean", true},
		{nil, "bigint", nil},
		{"as is", "tsvector", "as is"},
	} {
		got, err := toColumn(c.in, c.typ)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("toColumn(%#v, %s) = %#v, %v; want %#v", c.in, c.typ, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in  any
		typ string
	}{
		{"seven", "bigint"},
		{1.5, "bigint"},
		{[]byte{0xff, 0xfe}, "text"},
		{"a\x00b", "text"},
		{"x", "double precision"},
	} {
		if got, err := toColumn(c.in, c.typ); err == nil {
			t.Errorf("toColumn(%#v, %s) = %#v, want an error", c.in, c.typ, got)
		}
	}
}
