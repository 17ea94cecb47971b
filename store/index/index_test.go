package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// TestConformance is the index's conformance table (gitea's idea): every
// backend must pass it, cross-user cases included.
func TestConformance(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t0 := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	docs := []Doc{
		{ID: "a1", Type: "message", OwnerID: "alice", ParentID: "c1", Body: "We were running experiments on photosynthesis", CreatedAt: t0},
		{ID: "a2", Type: "note", OwnerID: "alice", Title: "Cell biology", Body: "Mitochondria are the powerhouse of the cell", CreatedAt: t0},
		{ID: "a3", Type: "conversation", OwnerID: "alice", Title: "Photosynthesis questions", CreatedAt: t0},
		{ID: "b1", Type: "message", OwnerID: "bob", Body: "Bob also runs photosynthesis experiments", CreatedAt: t0},
		{ID: "o1", Type: "document", OrgID: "org1", Title: "Handbook", Body: "Photosynthesis for the whole team", CreatedAt: t0},
		{ID: "a4", Type: "note", OwnerID: "alice", Body: "Never trust <script> tags in notes", CreatedAt: t0},
		{ID: "gone", Type: "note", OwnerID: "alice", Body: "photosynthesis draft to delete", CreatedAt: t0},
	}
	ops := make([]Op, 0, len(docs)+1)
	for i := range docs {
		ops = append(ops, Op{Doc: &docs[i]})
	}
	ops = append(ops, Op{DeleteID: "gone"})
	if err := ix.Apply(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		opts      SearchOptions
		want      []string // ids, in any order
		wantFirst string
		snippet   string // substring of the first hit's snippet
	}{
		{name: "stemming: runs matches running", opts: SearchOptions{Query: "run", OwnerID: "alice"}, want: []string{"a1"}},
		{name: "owner scope", opts: SearchOptions{Query: "photosynthesis", OwnerID: "alice"}, want: []string{"a1", "a3"}, wantFirst: "a3"},
		{name: "cross-user: bob sees only his", opts: SearchOptions{Query: "photosynthesis", OwnerID: "bob"}, want: []string{"b1"}},
		{name: "org scope adds org docs", opts: SearchOptions{Query: "photosynthesis", OwnerID: "bob", OrgIDs: []string{"org1"}}, want: []string{"b1", "o1"}},
		{name: "other org sees nothing", opts: SearchOptions{Query: "photosynthesis", OwnerID: "carol", OrgIDs: []string{"org2"}}, want: nil},
		{name: "type filter", opts: SearchOptions{Query: "photosynthesis", OwnerID: "alice", Types: []string{"message"}}, want: []string{"a1"}},
		{name: "phrase", opts: SearchOptions{Query: "powerhouse of the cell", Phrase: true, OwnerID: "alice"}, want: []string{"a2"}},
		{name: "phrase order matters", opts: SearchOptions{Query: "cell the of powerhouse", Phrase: true, OwnerID: "alice"}, want: nil},
		{name: "title words are text", opts: SearchOptions{Query: "biology", OwnerID: "alice"}, want: []string{"a2"}},
		{name: "phrase in a title", opts: SearchOptions{Query: "cell biology", Phrase: true, OwnerID: "alice"}, want: []string{"a2"}},
		{name: "a phrase never spans title and body", opts: SearchOptions{Query: "biology mitochondria", Phrase: true, OwnerID: "alice"}, want: nil},
		{name: "highlight", opts: SearchOptions{Query: "mitochondria", OwnerID: "alice", Highlight: true}, want: []string{"a2"}, snippet: "<mark>Mitochondria</mark>"},
		{name: "deleted never shows", opts: SearchOptions{Query: "draft", OwnerID: "alice"}, want: nil},
		{name: "only stop words", opts: SearchOptions{Query: "the of and", OwnerID: "alice"}, want: nil},
		{name: "snippet escapes HTML", opts: SearchOptions{Query: "script", OwnerID: "alice", Highlight: true}, want: []string{"a4"}, snippet: "&lt;<mark>script</mark>&gt;"},
		{name: "query syntax is text", opts: SearchOptions{Query: "owner_id:bob +photosynthesis", OwnerID: "alice"}, want: []string{"a1", "a3"}},
	}
	all := []string{"message", "note", "conversation", "document"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Types == nil {
				tc.opts.Types = all
			}
			res, err := ix.Search(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, h := range res.Hits {
				got[h.ID] = true
			}
			if len(got) != len(tc.want) || int(res.Total) != len(tc.want) {
				t.Errorf("hits = %v (total %d), want %v", keys(got), res.Total, tc.want)
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("missing %s in %v", id, keys(got))
				}
			}
			if tc.wantFirst != "" && (len(res.Hits) == 0 || res.Hits[0].ID != tc.wantFirst) {
				t.Errorf("first hit = %v, want %s (title boost)", res.Hits, tc.wantFirst)
			}
			if tc.snippet != "" && (len(res.Hits) == 0 || !strings.Contains(res.Hits[0].Snippet, tc.snippet)) {
				t.Errorf("snippet = %+v, want it to contain %q", res.Hits, tc.snippet)
			}
		})
	}
	if _, err := ix.Search(context.Background(), SearchOptions{Query: "photosynthesis", Types: all}); err != ErrUnscoped {
		t.Errorf("unscoped search: %v, want ErrUnscoped", err)
	}
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}

// TestDocumentFilterAndPosition: the parent filter narrows a search to some
// documents, and a chunk's position comes back with its hit.
func TestDocumentFilterAndPosition(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Stale() || !ix.Created() {
		t.Fatal("a new index is stale, or not known as created")
	}
	docs := []Doc{
		{ID: "c1", Type: "document", OwnerID: "u", ParentID: "d1", Body: "glaciers flow downhill", Position: 0},
		{ID: "c2", Type: "document", OwnerID: "u", ParentID: "d1", Body: "glaciers form from snow", Position: 7},
		{ID: "c3", Type: "document", OwnerID: "u", ParentID: "d2", Body: "glaciers carve fjords", Position: 2},
	}
	var ops []Op
	for i := range docs {
		ops = append(ops, Op{Doc: &docs[i]})
	}
	if err := ix.Apply(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), SearchOptions{Query: "glaciers", Types: []string{"document"}, OwnerID: "u", ParentIDs: []string{"d1"}, Size: 10})
	if err != nil || res.Total != 2 {
		t.Fatalf("filtered: %+v %v", res, err)
	}
	pos := map[string]int{}
	for _, h := range res.Hits {
		pos[h.ID] = h.Position
	}
	if pos["c2"] != 7 || pos["c1"] != 0 {
		t.Fatalf("positions %v", pos)
	}
}

// TestStaleMapping: an index built with an older mapping (TF-IDF scoring;
// title and body in separate fields), or whose terms an older analysis made
// (no analysisVersion in it), is reported stale until Rebuild replaces it,
// and not after it is opened again.
func TestStaleMapping(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  func(*mapping.IndexMappingImpl)
	}{
		{"TF-IDF scoring", func(m *mapping.IndexMappingImpl) { m.ScoringModel = "" }},
		{"separate title and body fields", func(m *mapping.IndexMappingImpl) {
			dm := m.DefaultMapping
			text := dm.Properties[scopedText].Fields[0]
			delete(dm.Properties, scopedText)
			dm.AddFieldMappingsAt("stitle", text)
			dm.AddFieldMappingsAt("sbody", text)
		}},
		{"terms of an older analysis", func(*mapping.IndexMappingImpl) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ix")
			old := newMapping().(*mapping.IndexMappingImpl)
			tc.old(old)
			b, err := bleve.New(path, old)
			if err != nil {
				t.Fatal(err)
			}
			b.Close()
			ix, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !ix.Stale() {
				ix.Close()
				t.Fatal("an index with the old mapping is not stale")
			}
			err = ix.Rebuild(context.Background(), func(func(Doc) error) error { return nil }, nil)
			stale := ix.Stale()
			ix.Close()
			if err != nil || stale {
				t.Fatalf("after a rebuild: stale %v, %v", stale, err)
			}
			if ix, err = Open(path, time.Second); err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if ix.Stale() {
				t.Fatal("stale when opened again after a rebuild")
			}
		})
	}
}

// TestTiesPageByID: hits with equal scores, written in several batches (so
// several segments, whose order a merge changes), come back ordered by id,
// and paging through them with every page size sees each exactly once. A
// ranked hit before the ties stays first.
func TestTiesPageByID(t *testing.T) {
	ix := testIndex(t)
	var ids []string
	for batch := 0; batch < 4; batch++ {
		var ops []Op
		for i := 0; i < 8; i++ {
			// Ids are written out of order so that insertion order is not id order.
			id := fmt.Sprintf("n%02d", (batch*8+i)*13%32)
			ids = append(ids, id)
			ops = append(ops, Op{Doc: &Doc{ID: id, Type: "note", OwnerID: "u", Body: "volcano note"}})
		}
		if err := ix.Apply(context.Background(), ops); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Apply(context.Background(), []Op{{Doc: &Doc{ID: "zz", Type: "note", OwnerID: "u", Title: "volcano", Body: "volcano volcano"}}}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	want := append([]string{"zz"}, ids...)
	for _, size := range []int{1, 3, 7, 10, 33, 40} {
		var got []string
		for from := 0; from < len(want); from += size {
			res, err := ix.Search(context.Background(), SearchOptions{Query: "volcano", Types: []string{"note"}, OwnerID: "u",
				Size: size, From: from, Paged: true})
			if err != nil || res.Total != uint64(len(want)) {
				t.Fatalf("size %d from %d: %v %v", size, from, res.Total, err)
			}
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("size %d: paged through %v, want %v", size, got, want)
		}
	}
	// Unpaged, the one page is still ordered by score, then id.
	res, err := ix.Search(context.Background(), SearchOptions{Query: "volcano", Types: []string{"note"}, OwnerID: "u", Size: 5})
	if err != nil || len(res.Hits) != 5 || res.Hits[0].ID != "zz" {
		t.Fatalf("unpaged: %+v %v", res.Hits, err)
	}
	for i := 2; i < len(res.Hits); i++ {
		if res.Hits[i-1].ID > res.Hits[i].ID {
			t.Errorf("unpaged ties out of id order: %s before %s", res.Hits[i-1].ID, res.Hits[i].ID)
		}
	}
}

// A second process on the same index (a second server, or reindex beside a
// running one) is told what holds it; it used to get "timeout".
func TestIndexInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	_, err = Open(path, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "in use by another xentree process") {
		t.Fatalf("a second open: %v", err)
	}
}
