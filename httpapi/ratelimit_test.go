package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// TestRateLimitsHTTP checks that register and refresh are counted per client
// address (httptest's 192.0.2.1, or the proxy's X-Forwarded-For entry when
// trusted) and chat per user, and that a refusal is 429 rate_limited with
// Retry-After, lifted once the window has passed.
func TestRateLimitsHTTP(t *testing.T) {
	// Key 0 and key 1 are two client addresses, or two users.
	byAddress := func(t *testing.T, env *testEnv) [2]map[string]string {
		return [2]map[string]string{{"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}}
	}
	cases := []struct {
		name   string
		limit  func(*xentree.Config) *xentree.RateLimit
		window time.Duration
		keys   func(t *testing.T, env *testEnv) [2]map[string]string // each key's headers
		req    func(key, i int) (path, body string)                  // the i-th attempt
	}{
		{name: "register", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.RegisterRateLimit }, window: time.Hour,
			keys: byAddress,
			req: func(key, i int) (string, string) {
				return "/api/auth/register", fmt.Sprintf(`{"email":"u%d-%d@example.com","password":"correct horse battery"}`, key, i)
			}},
		{name: "refresh", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.RefreshRateLimit }, window: time.Minute,
			keys: byAddress,
			req: func(key, i int) (string, string) {
				return "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":"guess-%d"}`, i)
			}},
		{name: "chat", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.ChatRateLimit }, window: time.Minute,
			keys: func(t *testing.T, env *testEnv) [2]map[string]string {
				var h [2]map[string]string
				for k := range h {
					_, tok := xentreetest.CreateUser(t, env.eng, "")
					h[k] = map[string]string{"Authorization": "Bearer " + tok.AccessToken}
				}
				return h
			},
			req: func(key, i int) (string, string) {
				if i%2 == 1 {
					return "/api/core/chat", `{"message":"hello","stream":true}`
				}
				return "/api/core/chat", `{"message":"hello"}`
			}},
	}
	const max = 3
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := xentreetest.NewClock()
			eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithConfig(func(c *xentree.Config) {
				tc.limit(c).Max = max
			}))
			env := &testEnv{eng: eng, clock: clock, h: httpapi.New(eng, httpapi.Config{TrustProxyHeaders: true})}
			keys := tc.keys(t, env)
			send := func(key, i int) *httptest.ResponseRecorder {
				path, body := tc.req(key, i)
				return env.do("POST", path, body, keys[key])
			}
			for i := range max {
				if rec := send(0, i); rec.Code == 429 {
					t.Fatalf("attempt %d of %d refused: %s", i+1, max, rec.Body)
				}
			}
			clock.Advance(time.Second)
			rec := send(0, max)
			wantRetry := fmt.Sprint(int((tc.window - time.Second) / time.Second))
			if rec.Code != 429 || rec.Header().Get("Retry-After") != wantRetry || !strings.Contains(rec.Body.String(), `"error":"rate_limited"`) {
				t.Errorf("over the limit: status %d, Retry-After %q, body %s; want 429, %s, rate_limited",
					rec.Code, rec.Header().Get("Retry-After"), rec.Body, wantRetry)
			}
			if rec := send(1, 0); rec.Code == 429 {
				t.Errorf("another client refused: %s", rec.Body)
			}
			clock.Advance(tc.window - time.Second)
			if rec := send(0, max+1); rec.Code == 429 {
				t.Errorf("after the window: still refused: %s", rec.Body)
			}
		})
	}
}
