package knowledge

import "sort"

// RRFK is the constant of reciprocal rank fusion (Cormack, Clarke and
// Büttcher, 2009): it damps the weight of the first ranks, so that a
// chunk near the top of both rankings beats one at the very top of one.
const RRFK = 60

// Fused is an id with its fused score.
type Fused struct {
	ID    string
	Score float64
}

// FuseRRF merges rankings (ids, best first) by reciprocal rank fusion: an
// id scores the sum, over the rankings that hold it, of 1/(k + rank), rank
// counted from 1. An id repeated within a ranking counts at its first
// place. Equal scores keep the order in which the ids first appear,
// reading the rankings in turn.
func FuseRRF(k int, rankings ...[]string) []Fused {
	score := map[string]float64{}
	var order []string
	for _, r := range rankings {
		seen := map[string]bool{}
		for i, id := range r {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, ok := score[id]; !ok {
				order = append(order, id)
			}
			score[id] += 1 / float64(k+i+1)
		}
	}
	out := make([]Fused, len(order))
	for i, id := range order {
		out[i] = Fused{id, score[id]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}
