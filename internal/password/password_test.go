package password

import "testing"

func TestHashVerify(t *testing.T) {
	h := Hash("correct horse", Cheap)
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"", false},
	} {
		got, err := Verify(tc.pw, h)
		if err != nil || got != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, got, err, tc.want)
		}
	}
	if a, b := Hash("x", Cheap), Hash("x", Cheap); a == b {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, s := range []string{"", "$argon2id$", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=0,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if _, err := Verify("x", s); err == nil {
			t.Errorf("Verify(%q) accepted a malformed hash", s)
		}
	}
}
