package index

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// testIndex opens an index in a temporary folder, closed when the test ends.
func testIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// TestPartition: runs of consecutive ops, or one run when an id has ops in
// two of them.
func TestPartition(t *testing.T) {
	ops := make([]Op, 10)
	for i := range ops {
		ops[i] = Op{DeleteID: fmt.Sprint(i)}
	}
	runs := func(parts [][]Op) (ids [][]string) {
		for _, p := range parts {
			var run []string
			for _, op := range p {
				id := op.DeleteID
				if op.Doc != nil {
					id = op.Doc.ID
				}
				run = append(run, id)
			}
			ids = append(ids, run)
		}
		return ids
	}
	for _, c := range []struct {
		ops  []Op
		n    int
		want string
	}{
		{ops, 0, "[[0 1 2 3 4 5 6 7 8 9]]"},
		{ops, 1, "[[0 1 2 3 4 5 6 7 8 9]]"},
		{ops, 2, "[[0 1 2 3 4] [5 6 7 8 9]]"},
		{ops, 3, "[[0 1 2 3] [4 5 6] [7 8 9]]"},
		{append(ops[:9:9], Op{Doc: &Doc{ID: "0"}}), 2, "[[0 1 2 3 4 5 6 7 8 0]]"},
		{append(ops[:9:9], Op{Doc: &Doc{ID: "7"}}), 2, "[[0 1 2 3 4] [5 6 7 8 7]]"},
	} {
		if got := fmt.Sprint(runs(partition(c.ops, c.n))); got != c.want {
			t.Errorf("partition(%v, %d) = %s, want %s", runs([][]Op{c.ops}), c.n, got, c.want)
		}
	}
}

// TestApplyInParallel: a large Apply, built as several batches, indexes
// every document, and a later op on an id still wins.
func TestApplyInParallel(t *testing.T) {
	ix := testIndex(t)
	t0 := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	var ops []Op
	for i := range 2 * minPartition * maxPartitions {
		ops = append(ops, Op{Doc: &Doc{ID: fmt.Sprintf("d%d", i), Type: "note", OwnerID: "u1", Body: fmt.Sprintf("note %d", i), CreatedAt: t0}})
	}
	if err := ix.Apply(ops); err != nil {
		t.Fatal(err)
	}
	// The same id first and last: one batch, in order.
	if err := ix.Apply(append(ops[:2*minPartition:2*minPartition], Op{DeleteID: "d0"})); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(); err != nil || n != uint64(len(ops)-1) {
		t.Fatalf("count = %d (%v), want %d", n, err, len(ops)-1)
	}
	for _, i := range []int{0, 1, minPartition, len(ops) - 1} {
		res, err := ix.Search(context.Background(), SearchOptions{Query: fmt.Sprint(i), OwnerID: "u1", Types: []string{"note"}})
		if err != nil || len(res.Hits) != min(i, 1) {
			t.Fatalf("note %d: %+v %v", i, res, err)
		}
	}
}
