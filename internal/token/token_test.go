package token

import (
	"strings"
	"testing"
	"time"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestIssueVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := NewSigner(key, func() time.Time { return now })
	raw, c, err := s.Issue("user", "session", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(raw)
	if err != nil || got != c {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, c)
	}
	if c.ID == "" || c.ExpiresAt != now.Unix()+60 {
		t.Errorf("claims = %+v", c)
	}
	now = now.Add(time.Minute)
	if _, err := s.Verify(raw); err == nil {
		t.Error("expired token verified")
	}
	other := NewSigner([]byte("another key another key another key"), func() time.Time { return time.Unix(1_800_000_000, 0) })
	if _, err := other.Verify(raw); err == nil {
		t.Error("token verified under another key")
	}
}

// FuzzVerify: no input makes the bearer parser panic or accept a token it did not sign.
func FuzzVerify(f *testing.F) {
	s := NewSigner(key, func() time.Time { return time.Unix(1_800_000_000, 0) })
	good, _, _ := s.Issue("user", "session", time.Hour)
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add(strings.Repeat("A", 5000))
	f.Add(good[:len(good)-2])
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s.Verify(raw)
		if err == nil && raw != good {
			// Only re-encodings of the signed token may verify, and with its claims.
			if c.Subject != "user" || c.SessionID != "session" {
				t.Fatalf("forged token verified: %q → %+v", raw, c)
			}
		}
	})
}
