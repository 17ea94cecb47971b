package main

import (
	"bytes"
	"testing"
)

func TestRenderBar(t *testing.T) {
	for _, c := range []struct {
		done, total int
		want        string
	}{
		{0, 0, "indexing [##########] 100% 0/0"},
		{0, 1000, "indexing [          ]   0% 0/1000"},
		{400, 1000, "indexing [####      ]  40% 400/1000"},
		{999, 1000, "indexing [######### ]  99% 999/1000"},
		{1000, 1000, "indexing [##########] 100% 1000/1000"},
		{1200, 1000, "indexing [##########] 100% 1200/1200"}, // rows written during the rebuild
		{-1, 10, "indexing [          ]   0% 0/10"},
	} {
		if got := renderBar("indexing", c.done, c.total, 10); got != c.want {
			t.Errorf("renderBar(%d, %d) = %q, want %q", c.done, c.total, got, c.want)
		}
	}
}

func TestProgressBarRedrawsOnlyOnChange(t *testing.T) {
	var buf bytes.Buffer
	b := &progressBar{w: &buf, label: "indexing"}
	b.update(0, 2)
	b.update(0, 2)
	b.update(2, 2)
	b.finish()
	b.finish()
	want := "\rindexing [                              ]   0% 0/2" +
		"\rindexing [##############################] 100% 2/2\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}
