package vector

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestEncodeDot(t *testing.T) {
	a, b := []float32{3, 4}, []float32{4, 3}
	enc := Encode(b)
	if len(enc) != 8 {
		t.Fatalf("encoded length = %d, want 8", len(enc))
	}
	sim, ok := Dot(Normalize(a), enc)
	if !ok || math.Abs(float64(sim)-24.0/25) > 1e-6 {
		t.Errorf("Dot = %v %v, want 0.96 (the cosine)", sim, ok)
	}
	if sim, ok := Dot(Normalize(a), Encode(a)); !ok || math.Abs(float64(sim)-1) > 1e-6 {
		t.Errorf("a vector with itself = %v, want 1", sim)
	}
	if _, ok := Dot([]float32{1, 0, 0}, enc); ok {
		t.Error("vectors of different lengths compared")
	}
	if z := Normalize([]float32{0, 0}); z[0] != 0 || z[1] != 0 {
		t.Errorf("zero vector normalised to %v", z)
	}
}

func TestTop(t *testing.T) {
	top := NewTop(3)
	for i, s := range []float32{0.1, 0.9, 0.5, 0.9, 0.2, 0.7} {
		top.Add(fmt.Sprint("c", i), s)
	}
	var got []string
	for _, s := range top.Best() {
		got = append(got, s.ID)
	}
	if want := []string{"c1", "c3", "c5"}; !slices.Equal(got, want) {
		t.Errorf("best = %v, want %v", got, want)
	}
	if got := NewTop(0); len(got.Best()) != 0 {
		t.Error("a Top of 0 kept something")
	}
}
