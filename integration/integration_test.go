package integration_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/integration"
)

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Partner.Example":      "https://partner.example",
		"https://partner.example/":     "https://partner.example",
		"https://partner.example:8443": "https://partner.example:8443",
		"http://localhost:3000":        "http://localhost:3000",
		"http://127.0.0.1":             "http://127.0.0.1",
		"http://partner.example":       "",
		"https://partner.example/app":  "",
		"https://user@partner.example": "",
		"https://partner.example?x=1":  "",
		"javascript:alert(1)":          "",
		"":                             "",
		"partner.example":              "",
		// As a browser's Origin header spells it, or refused.
		"https://partner.example:443":   "https://partner.example",
		"http://localhost:80":           "http://localhost",
		"https://[::1]:8443":            "https://[::1]:8443",
		"http://[::1]":                  "http://[::1]",
		"https://partner.example:99999": "",
		"https://partner.example:0":     "",
		"https://partner.example:":      "",
		"https://partner.example:08443": "",
		"https://bücher.example":        "",
		"https://xn--bcher-kva.example": "https://xn--bcher-kva.example",
	} {
		got, err := integration.NormalizeOrigin(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzNormalizeOrigin: an accepted origin is scheme://host[:port] and
// normalises to itself.
func FuzzNormalizeOrigin(f *testing.F) {
	for _, s := range []string{"https://a.example", "http://localhost:1", "https://A.example/", "https://[::1]:8080", "ftp://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := integration.NormalizeOrigin(s)
		if err != nil {
			return
		}
		u, perr := url.Parse(o)
		if perr != nil || u.Path != "" || u.RawQuery != "" || u.User != nil || !strings.HasPrefix(o, u.Scheme+"://") {
			t.Fatalf("%q -> %q", s, o)
		}
		if again, err := integration.NormalizeOrigin(o); err != nil || again != o {
			t.Fatalf("%q -> %q -> %q, %v", s, o, again, err)
		}
	})
}

func TestEventRange(t *testing.T) {
	now := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	f, to, err := integration.EventRange("", "", now)
	if err != nil || !f.Equal(now) || to.Sub(f) != 7*24*time.Hour {
		t.Fatalf("defaults: %v %v %v", f, to, err)
	}
	for _, c := range [][2]string{{"yesterday", ""}, {"2026-04-16T10:00:00Z", "2026-04-16T09:00:00Z"}, {"2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"}} {
		if _, _, err := integration.EventRange(c[0], c[1], now); err == nil {
			t.Errorf("EventRange(%q, %q) accepted", c[0], c[1])
		}
	}
}
