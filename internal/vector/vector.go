// Package vector stores and compares embedding vectors: a vector is kept as
// little-endian float32s scaled to unit length, so that cosine similarity is
// a dot product, and Top keeps the k most similar of a scan.
package vector

import (
	"container/heap"
	"encoding/binary"
	"math"
	"sort"
)

// Encode scales v to unit length and returns it as little-endian float32s
// (4 bytes a dimension). A zero vector stays zero.
func Encode(v []float32) []byte {
	u := Normalize(v)
	b := make([]byte, 4*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Normalize returns v scaled to unit length (a copy; zero stays zero).
func Normalize(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	s := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * s)
	}
	return out
}

// Dot is the dot product of a vector and an encoded one: their cosine
// similarity when both have unit length. ok is false when the lengths
// differ.
func Dot(q []float32, enc []byte) (sim float32, ok bool) {
	if len(enc) != 4*len(q) {
		return 0, false
	}
	var s float32
	for i, x := range q {
		s += x * math.Float32frombits(binary.LittleEndian.Uint32(enc[4*i:]))
	}
	return s, true
}

// Top keeps the k best-scoring ids offered to it.
type Top struct {
	k int
	h scored
}

// Scored is an id with its similarity.
type Scored struct {
	ID    string
	Score float32
}

// NewTop keeps the k best.
func NewTop(k int) *Top { return &Top{k: k} }

// Add offers an id.
func (t *Top) Add(id string, score float32) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		heap.Push(&t.h, Scored{id, score})
		return
	}
	if score > t.h[0].Score || (score == t.h[0].Score && id < t.h[0].ID) {
		t.h[0] = Scored{id, score}
		heap.Fix(&t.h, 0)
	}
}

// Best returns what was kept, best first (ties by id).
func (t *Top) Best() []Scored {
	out := append([]Scored(nil), t.h...)
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i]) })
	return out
}

// worse orders by score, then by id descending, so that of equal scores
// the smaller id is kept and listed first.
func worse(a, b Scored) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

// scored is a min-heap: its root is the worst kept.
type scored []Scored

func (h scored) Len() int           { return len(h) }
func (h scored) Less(i, j int) bool { return worse(h[i], h[j]) }
func (h scored) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scored) Push(x any)        { *h = append(*h, x.(Scored)) }
func (h *scored) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
