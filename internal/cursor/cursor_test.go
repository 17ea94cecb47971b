package cursor

import (
	"testing"

	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
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
		// A cursor comes from a query string: a bad one is the client's 400.
		if e := xerr.As(err); err != nil && (e == nil || e.Kind != xerr.Invalid || e.Field != "cursor" || ok) {
			t.Fatalf("Decode(%q) = %v, %#v, want an invalid cursor", s, ok, err)
		}
		if err == nil && ok {
			if Encode(p) != s && !ids.Valid(p.ID) {
				t.Fatalf("accepted %q as %v", s, p)
			}
		}
	})
}
