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
