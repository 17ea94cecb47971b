package postgres

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/store/index"
)

func openIndex(t *testing.T) *Index {
	t.Helper()
	d, _ := openTest(t)
	ix, err := d.Index(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// An organization's rows have no owner: a search with no owner, scoped to
// one organization, must see that organization's rows and no other's, and
// count only them.
func TestSearchScopes(t *testing.T) {
	ix := openIndex(t)
	now := time.Now()
	docs := []index.Doc{
		{ID: "a1", Type: "chunk", OrgID: "orgA", Body: "moraines of the alps", CreatedAt: now},
		{ID: "b1", Type: "chunk", OrgID: "orgB", Body: "moraines of the andes", CreatedAt: now},
		{ID: "u1", Type: "chunk", OwnerID: "ada", Body: "moraines in my notes", CreatedAt: now},
		{ID: "u2", Type: "chunk", OwnerID: "bob", Body: "moraines in bob's notes", CreatedAt: now},
	}
	var ops []index.Op
	for i := range docs {
		ops = append(ops, index.Op{Doc: &docs[i]})
	}
	if err := ix.Apply(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		owner string
		orgs  []string
		want  []string
	}{
		{"organization only", "", []string{"orgA"}, []string{"a1"}},
		{"organization, an empty org id beside it", "", []string{"orgA", ""}, []string{"a1"}},
		{"owner only", "ada", nil, []string{"u1"}},
		{"owner and organization", "ada", []string{"orgB"}, []string{"b1", "u1"}},
	} {
		res, err := ix.Search(context.Background(), index.SearchOptions{Query: "moraine", Types: []string{"chunk"},
			OwnerID: c.owner, OrgIDs: c.orgs, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(c.want, ",") || res.Total != uint64(len(c.want)) {
			t.Errorf("%s: hits %v (total %d), want %v", c.name, got, res.Total, c.want)
		}
	}
}

// A word longer than PostgreSQL takes in a tsvector (a pasted key, a data
// URL) is left out of the index instead of failing the whole batch.
func TestSearchLongWords(t *testing.T) {
	ix := openIndex(t)
	long := strings.Repeat("x", 5000)
	d := index.Doc{ID: "l1", Type: "note", OwnerID: "ada", Body: "glacier " + long + " drumlin", CreatedAt: time.Now()}
	other := index.Doc{ID: "l2", Type: "note", OwnerID: "ada", Body: "esker", CreatedAt: time.Now()}
	if err := ix.Apply(context.Background(), []index.Op{{Doc: &d}, {Doc: &other}}); err != nil {
		t.Fatalf("a batch with a 5,000-byte word: %v", err)
	}
	for _, q := range []string{"drumlin", "esker", long + " glacier"} {
		res, err := ix.Search(context.Background(), index.SearchOptions{Query: q, Types: []string{"note"}, OwnerID: "ada", Size: 10})
		if err != nil || res.Total != 1 {
			t.Errorf("search %.20q: %+v %v, want one hit", q, res, err)
		}
	}
}

// TestStaleAnalysis: terms made by another analysis (search_analysis older
// or empty beside rows, as schema 15 leaves an upgraded database) make the
// index stale until Rebuild, which marks it current for later opens; an
// empty table is current at once.
func TestStaleAnalysis(t *testing.T) {
	ctx := context.Background()
	d, _ := openTest(t)
	ix, err := d.Index(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Stale() || !ix.Created() {
		t.Fatal("a new index is stale, or not known as created")
	}
	doc := index.Doc{ID: "c1", Type: "chunk", OwnerID: "ada", Body: "Topic:mitochondria", CreatedAt: time.Now()}
	if err := ix.Apply(ctx, []index.Op{{Doc: &doc}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.pool.Exec(ctx, "UPDATE search_analysis SET version = '1'"); err != nil {
		t.Fatal(err)
	}
	if ix, err = d.Index(ctx, nil); err != nil || !ix.Stale() {
		t.Fatalf("an older analysis: stale %v, %v", ix.Stale(), err)
	}
	each := func(yield func(index.Doc) error) error { return yield(doc) }
	if err := ix.Rebuild(ctx, each, nil); err != nil || ix.Stale() {
		t.Fatalf("after a rebuild: stale %v, %v", ix.Stale(), err)
	}
	if ix, err = d.Index(ctx, nil); err != nil || ix.Stale() {
		t.Fatalf("opened after a rebuild: stale %v, %v", ix.Stale(), err)
	}
	res, err := ix.Search(ctx, index.SearchOptions{Query: "mitochondria", Types: []string{"chunk"}, OwnerID: "ada", Size: 10})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("search after the rebuild: %+v %v", res, err)
	}
	if _, err := d.pool.Exec(ctx, "DELETE FROM search_analysis"); err != nil {
		t.Fatal(err)
	}
	if ix, err = d.Index(ctx, nil); err != nil || !ix.Stale() {
		t.Fatalf("rows with no analysis recorded: stale %v, %v", ix.Stale(), err)
	}
}
