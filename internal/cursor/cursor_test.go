package cursor

import (
	"testing"

	"github.com/xentree/xentree/internal/ids"
)

func TestRoundTrip(t *testing.T) {
	p := Position{Key: 1776333603123, ID: ids.New()}
	got, ok, err := Decode(Encode(p))
	if err != nil || !ok || got != p {
		t.Fatalf("Decode(Encode(%v)) = %v, %v, %v", p, got, ok, err)
	}
	if _, ok, err := Decode(""); ok || err != nil {
		t.Errorf("empty cursor: %v %v", ok, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Position{Key: 5, ID: ids.New()}))
	f.Add("")
	f.Add("!!!")
	f.Add("MTIzLm5vdC1hLXV1aWQ")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok, err := Decode(s)
		if err == nil && ok {
			if Encode(p) != s && !ids.Valid(p.ID) {
				t.Fatalf("accepted %q as %v", s, p)
			}
		}
	})
}
