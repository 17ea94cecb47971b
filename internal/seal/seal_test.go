package seal_test

import (
	"bytes"
	"testing"

	"github.com/xentree/xentree/internal/seal"
)

func TestSeal(t *testing.T) {
	s, err := seal.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := seal.New(bytes.Repeat([]byte{8}, 32))
	secret := []byte("1//refresh-token")
	box := s.Seal(secret, "google:user-1")
	if bytes.Contains(box, secret) {
		t.Fatal("plaintext visible in the sealed value")
	}
	if got, err := s.Open(box, "google:user-1"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q %v", got, err)
	}
	if bytes.Equal(box, s.Seal(secret, "google:user-1")) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	tampered := append([]byte(nil), box...)
	tampered[len(tampered)-1] ^= 1
	for name, c := range map[string]struct {
		s   *seal.Sealer
		box []byte
		ctx string
	}{
		"another row": {s, box, "google:user-2"},
		"another key": {other, box, "google:user-1"},
		"tampered":    {s, tampered, "google:user-1"},
		"truncated":   {s, box[:10], "google:user-1"},
		"empty":       {s, nil, "google:user-1"},
	} {
		if _, err := c.s.Open(c.box, c.ctx); err != seal.ErrOpen {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	if _, err := seal.New([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
}
