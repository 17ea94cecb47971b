package httpapi_test

import (
	"testing"

	"github.com/xentree/xentree/xentreetest"
)

// Every answer, success or error, carries the security headers: a browser
// must not sniff, frame, cache or leak the referrer of any of them.
func TestSecurityHeaders(t *testing.T) {
	env := newEnv(t)
	_, tok := xentreetest.CreateUser(t, env.eng, "")
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
	}
	for _, c := range []struct {
		name, method, url, body string
		headers                 map[string]string
		status                  int
	}{
		{"success", "GET", "/api/core/conversations", "", bearer, 200},
		{"created", "POST", "/api/core/conversations", `{"title":"x"}`, bearer, 201},
		{"unauthenticated", "GET", "/api/core/conversations", "", nil, 401},
		{"bad request", "POST", "/api/core/conversations", `{`, bearer, 400},
		{"not found", "GET", "/api/nowhere", "", nil, 404},
		{"method not allowed", "PATCH", "/api/core/conversations", "", bearer, 405},
		{"public", "GET", "/healthz", "", nil, 200},
	} {
		rec := env.do(c.method, c.url, c.body, c.headers)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, rec.Code, c.status, rec.Body)
		}
		for h, v := range want {
			if got := rec.Header().Get(h); got != v {
				t.Errorf("%s: %s = %q, want %q", c.name, h, got, v)
			}
		}
	}
}
