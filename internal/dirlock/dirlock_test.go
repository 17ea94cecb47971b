package dirlock

import (
	"errors"
	"testing"
)

func TestLocks(t *testing.T) {
	if !Supported {
		t.Skip("no flock on this system")
	}
	dir := t.TempDir()
	a, err := Shared(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Shared(dir)
	if err != nil {
		t.Fatalf("a second shared lock: %v", err)
	}
	if _, err := Exclusive(dir); !errors.Is(err, ErrBusy) {
		t.Fatalf("exclusive beside shared locks: %v, want ErrBusy", err)
	}
	a.Release()
	if _, err := Exclusive(dir); !errors.Is(err, ErrBusy) {
		t.Fatalf("exclusive beside one shared lock: %v, want ErrBusy", err)
	}
	b.Release()
	b.Release() // twice is harmless
	x, err := Exclusive(dir)
	if err != nil {
		t.Fatalf("exclusive once all are released: %v", err)
	}
	if _, err := Shared(dir); !errors.Is(err, ErrBusy) {
		t.Fatalf("shared beside exclusive: %v, want ErrBusy", err)
	}
	x.Release()
	if l, err := Shared(dir); err != nil {
		t.Fatal(err)
	} else {
		l.Release()
	}
	var none *Lock
	if err := none.Release(); err != nil {
		t.Fatal(err)
	}
}
