package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// legacyDoc is how documents were mapped before scopedField: the scoped
// text as two prefixed strings, split by the whitespace analyzer.
func (ix *Index) legacyDoc(d *Doc) map[string]any {
	scopes := scopeKeys(d.OwnerID, d.OrgID)
	prefixed := func(text string) string {
		var b strings.Builder
		for _, sc := range scopes {
			for _, t := range ix.en.Analyze([]byte(splitJoined(text))) {
				b.WriteString(sc + "|" + d.Type + "|" + string(t.Term) + " ")
			}
		}
		return b.String()
	}
	return map[string]any{
		"type": d.Type, "owner_id": d.OwnerID, "org_id": d.OrgID, "parent_id": d.ParentID,
		"title": d.Title, "body": d.Body, "created_at": d.CreatedAt, "position": d.Position,
		scopedText: []string{prefixed(d.Title), prefixed(d.Body)},
	}
}

// analysed is what a segment gets from a document: per field name, its
// summed length and merged term frequencies with their locations, as zap
// merges the instances of a field, and the stored values.
func analysed(doc *document.Document) string {
	type field struct {
		length int
		freqs  bindex.TokenFrequencies
		stored []string
	}
	fields := map[string]*field{}
	doc.VisitFields(func(f bindex.Field) {
		fl := fields[f.Name()]
		if fl == nil {
			fl = &field{}
			fields[f.Name()] = fl
		}
		if f.Options().IsStored() {
			fl.stored = append(fl.stored, fmt.Sprintf("%v %q %v", f.ArrayPositions(), f.Value(), f.Options()))
		}
		if !f.Options().IsIndexed() {
			return
		}
		f.Analyze()
		doc.VisitComposite(func(cf bindex.CompositeField) { cf.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies()) })
		fl.length += f.AnalyzedLength()
		if fl.freqs == nil {
			fl.freqs = bindex.TokenFrequencies{}
		}
		fl.freqs.MergeAll(f.Name(), f.AnalyzedTokenFrequencies())
	})
	doc.VisitComposite(func(cf bindex.CompositeField) {
		fields[cf.Name()] = &field{length: cf.AnalyzedLength(), freqs: cf.AnalyzedTokenFrequencies()}
	})
	var out []string
	for name, fl := range fields {
		var terms []string
		for term, tf := range fl.freqs {
			s := fmt.Sprintf("\n  %q %q freq=%d", term, tf.Term, tf.Frequency())
			for _, l := range tf.Locations {
				s += fmt.Sprintf(" %v/%d/%d-%d", l.ArrayPositions, l.Position, l.Start, l.End)
			}
			terms = append(terms, s)
		}
		slices.Sort(terms)
		out = append(out, fmt.Sprintf("%s len=%d stored=%v", name, fl.length, fl.stored)+strings.Join(terms, ""))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// TestScopedFieldAsLegacy: a document is indexed exactly as it was when the
// scoped text went through the whitespace analyzer: the same terms,
// frequencies, lengths and locations, and the same other fields.
func TestScopedFieldAsLegacy(t *testing.T) {
	ix := testIndex(t)
	t0 := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	docs := []Doc{
		{ID: "a", Type: "document", OwnerID: "u1", ParentID: "d1", Title: "Plants > Light", Body: "Photosynthesis turns light, water and carbon dioxide into sugar.\nLight! Light again; the plant's leaves.", CreatedAt: t0, Position: 3},
		{ID: "b", Type: "note", OwnerID: "u1", OrgID: "o1", Title: "Both scopes", Body: "running runs ran run", CreatedAt: t0},
		{ID: "c", Type: "message", OwnerID: "u2", Body: "Ünïcödé straße 3.14 e.g. can't x_y café 東京 🌱 the of", CreatedAt: t0},
		{ID: "d", Type: "document", OrgID: "o2", Title: "the and of", Body: "", CreatedAt: t0},
		{ID: "e", Type: "conversation", OwnerID: "u3", Title: "", Body: "only a body body body", CreatedAt: t0},
	}
	m := ix.b.Mapping()
	for _, d := range docs {
		want := document.NewDocument(d.ID)
		if err := m.MapDocument(want, ix.legacyDoc(&d)); err != nil {
			t.Fatal(err)
		}
		got, err := ix.bleveDoc(m, &d)
		if err != nil {
			t.Fatal(err)
		}
		if w, g := analysed(want), analysed(got); w != g {
			t.Errorf("%s:\n got %s\nwant %s", d.ID, g, w)
		}
	}
}

// TestScopedFieldSearchesAsLegacy: an index built with scopedField answers
// every search as one built from the legacy mapping: the same hits, with the
// same scores. Scores are compared to 1e-12: Bleve sums a document's term
// scores in an order that depends on which documents its analysis workers
// finished first, so two builds of the same index differ in the last bit.
func TestScopedFieldSearchesAsLegacy(t *testing.T) {
	words := strings.Fields(`glacier ice river flows valley water rock plants grow light sugar energy cells running runs ran
		the of and a to in is it that photosynthesis chloroplast leaves roots soil carbon dioxide oxygen heart blood
		brain memory sleep language grammar verb noun tense sentence history empire trade road city king war peace`)
	r := rand.New(rand.NewPCG(3, 4))
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = words[r.IntN(len(words))]
		}
		return strings.Join(ws, " ")
	}
	t0 := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 300 {
		d := Doc{ID: fmt.Sprintf("d%03d", i), Type: []string{"document", "note", "message"}[i%3], OwnerID: []string{"u1", "u2", ""}[i%3],
			ParentID: fmt.Sprintf("p%d", i%7), Title: text(r.IntN(5)), Body: text(r.IntN(120)), CreatedAt: t0, Position: i}
		if d.OwnerID == "" || i%10 == 0 {
			d.OrgID = "o1"
		}
		docs = append(docs, d)
	}
	legacy := testIndex(t)
	batch := legacy.b.NewBatch()
	for i := range docs {
		if err := batch.Index(docs[i].ID, legacy.legacyDoc(&docs[i])); err != nil {
			t.Fatal(err)
		}
	}
	if err := legacy.b.Batch(batch); err != nil {
		t.Fatal(err)
	}
	ix := testIndex(t)
	ops := make([]Op, len(docs))
	for i := range docs {
		ops[i] = Op{Doc: &docs[i]}
	}
	if err := ix.Apply(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
	hits := func(res Result) map[string]Hit {
		m := map[string]Hit{}
		for _, h := range res.Hits {
			m[h.ID] = h
		}
		return m
	}
	for i := range 200 {
		o := SearchOptions{Query: text(1 + r.IntN(6)), Phrase: i%4 == 0, Types: []string{"document", "note", "message"},
			OwnerID: []string{"u1", "u2", ""}[i%3], OrgIDs: []string{"o1"}, Size: len(docs), Highlight: true}
		want, err := legacy.Search(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ix.Search(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		g, w := hits(got), hits(want)
		if got.Total != want.Total || len(g) != len(w) {
			t.Fatalf("%+v: %d hits (total %d), want %d (total %d)", o, len(g), got.Total, len(w), want.Total)
		}
		for id, wh := range w {
			gh, ok := g[id]
			if !ok || math.Abs(gh.Score-wh.Score) > 1e-12*wh.Score {
				t.Fatalf("%+v: %s scores %v, want %v", o, id, gh.Score, wh.Score)
			}
			gh.Score = wh.Score
			if gh != wh {
				t.Fatalf("%+v:\n got %+v\nwant %+v", o, gh, wh)
			}
		}
	}
}
