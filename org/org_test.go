package org_test

import (
	"strings"
	"testing"

	"github.com/xentree/xentree/org"
)

func TestSlugify(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acme Learning", "acme-learning"},
		{"  --Hello,   World!!  ", "hello-world"},
		{"Café Zürich", "cafe-zurich"},
		{"Straße 42", "strasse-42"},
		{"日本語", ""},
		{"A", "a"},
		{strings.Repeat("word ", 30), strings.TrimSuffix(strings.Repeat("word-", 12), "-")},
		{strings.Repeat("x", 100), strings.Repeat("x", 63)},
	} {
		if got := org.Slugify(c.in); got != c.want {
			t.Errorf("Slugify(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := org.WithSuffix(strings.Repeat("x", 63), 12); len(got) != 63 || !strings.HasSuffix(got, "-12") {
		t.Errorf("WithSuffix = %q", got)
	}
}

// FuzzSlugify: a derived slug is either valid or too short to use, and a
// suffixed one is always valid.
func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Acme", "Café Zürich", "日本語", "a--b", "-x-", strings.Repeat("ab-", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := org.Slugify(name)
		if len(s) >= org.MinSlug {
			if err := org.ValidateSlug("slug", s); err != nil {
				t.Fatalf("Slugify(%q) = %q: %v", name, s, err)
			}
			if err := org.ValidateSlug("slug", org.WithSuffix(s, 999)); err != nil {
				t.Fatalf("WithSuffix(%q): %v", s, err)
			}
		}
	})
}

func TestAllowList(t *testing.T) {
	l, err := org.ParseAllowList([]string{"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::ffff:172.16.0.1", "::ffff:100.64.0.0/106"})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{
		"10.200.3.4": true, "11.0.0.1": false, "192.168.1.7": true, "192.168.1.8": false,
		"2001:db8:1::5": true, "2001:db9::1": false, "::ffff:10.0.0.1": true, "172.16.0.1": true,
		"fe80::1%eth0": false, "": false, "garbage": false,
		"100.64.9.9": true, "::ffff:100.127.0.1": true, "100.128.0.1": false, // an IPv4-mapped CIDR is IPv4's
	} {
		if got := l.Allows(ip); got != want {
			t.Errorf("Allows(%q) = %v, want %v", ip, got, want)
		}
	}
	if !org.AllowList(nil).Allows("anything") {
		t.Error("an empty list must allow any address")
	}
	for _, bad := range []string{"10.0.0.0/33", "300.1.1.1", "fe80::1%eth0", "", "10.0.0.0/8/8"} {
		if _, err := org.ParseAllowed(bad); err == nil {
			t.Errorf("ParseAllowed(%q) accepted", bad)
		}
	}
}

// FuzzParseAllowed: whatever parses re-parses to itself and contains its
// own address.
func FuzzParseAllowed(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::ffff:1.2.3.4", "1.2.3.4/0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := org.ParseAllowed(s)
		if err != nil {
			return
		}
		q, err := org.ParseAllowed(p.String())
		if err != nil || q != p {
			t.Fatalf("%q -> %v -> %v, %v", s, p, q, err)
		}
		if !(org.AllowList{p}).Allows(p.Addr().String()) {
			t.Fatalf("%v does not allow its own address", p)
		}
	})
}
