package knowledge

import (
	"math"
	"slices"
	"testing"
)

func TestFuseRRF(t *testing.T) {
	ids := func(fs []Fused) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		rankings [][]string
		want     []string
	}{
		{"one ranking keeps its order", [][]string{{"a", "b", "c"}}, []string{"a", "b", "c"}},
		{"second in both beats first in one", [][]string{{"a", "b", "c"}, {"d", "b", "e"}}, []string{"b", "a", "d", "c", "e"}},
		{"a ranking with nothing", [][]string{{}, {"x", "y"}}, []string{"x", "y"}},
		{"a repeat counts once", [][]string{{"a", "a", "b"}}, []string{"a", "b"}},
		{"nothing", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(FuseRRF(RRFK, tc.rankings...)); !slices.Equal(got, tc.want) {
				t.Errorf("FuseRRF = %v, want %v", got, tc.want)
			}
		})
	}
	f := FuseRRF(60, []string{"a", "b"}, []string{"b"})
	if want := 1.0/62 + 1.0/61; math.Abs(f[0].Score-want) > 1e-15 || f[0].ID != "b" {
		t.Errorf("b = %+v, want score 1/62 + 1/61", f[0])
	}
}
