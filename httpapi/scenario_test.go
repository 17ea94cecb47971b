package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// scenario is one request against the real API and what must come back
// (PocketBase's ApiScenario idea): status, and substrings of the body.
type scenario struct {
	name    string
	method  string
	url     string
	body    string
	headers map[string]string
	// setup runs before the request and may return headers to add (a token).
	setup      func(t *testing.T, env *testEnv) map[string]string
	wantStatus int
	wantBody   []string // substrings that must appear
	notInBody  []string // substrings that must not appear
	wantHeader map[string]string
}

type testEnv struct {
	eng   *xentree.Engine
	h     http.Handler
	clock *xentreetest.Clock
}

func newEnv(t *testing.T, opts ...xentreetest.Option) *testEnv {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, append([]xentreetest.Option{xentreetest.WithClock(clock)}, opts...)...)
	return &testEnv{eng: eng, h: httpapi.New(eng, httpapi.Config{}), clock: clock}
}

func (env *testEnv) do(method, url, body string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return rec
}

func (s scenario) run(t *testing.T, env *testEnv) {
	t.Helper()
	headers := map[string]string{}
	for k, v := range s.headers {
		headers[k] = v
	}
	if s.setup != nil {
		for k, v := range s.setup(t, env) {
			headers[k] = v
		}
	}
	rec := env.do(s.method, s.url, s.body, headers)
	body := rec.Body.String()
	if rec.Code != s.wantStatus {
		t.Errorf("%s %s: status %d, want %d; body %s", s.method, s.url, rec.Code, s.wantStatus, body)
	}
	for _, w := range s.wantBody {
		if !strings.Contains(body, w) {
			t.Errorf("%s %s: body lacks %q: %s", s.method, s.url, w, body)
		}
	}
	for _, w := range s.notInBody {
		if strings.Contains(body, w) {
			t.Errorf("%s %s: body contains %q: %s", s.method, s.url, w, body)
		}
	}
	for k, v := range s.wantHeader {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", s.method, s.url, k, got, v)
		}
	}
	if rec.Header().Get("X-Request-ID") == "" {
		t.Errorf("%s %s: no X-Request-ID", s.method, s.url)
	}
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusNoContent && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", s.method, s.url, ct)
	}
}

// loggedIn registers ada and returns her bearer header.
func loggedIn(t *testing.T, env *testEnv) map[string]string {
	_, tok := xentreetest.CreateUser(t, env.eng, "ada@example.com")
	return map[string]string{"Authorization": "Bearer " + tok.AccessToken}
}

func TestAuthScenarios(t *testing.T) {
	long := strings.Repeat("a", 300)
	scenarios := []scenario{
		// register
		{name: "register", method: "POST", url: "/api/auth/register",
			body:       `{"email":"Ada@Example.com","password":"correct horse battery","username":"ada","full_name":"Ada Lovelace"}`,
			wantStatus: 201, wantBody: []string{`"email":"ada@example.com"`, `"username":"ada"`, `"role":"user"`, `"plan":"free"`, `"created_at":"2026-04-16T10:00:00.000Z"`},
			notInBody: []string{"password"}},
		{name: "register malformed JSON", method: "POST", url: "/api/auth/register", body: `{"email":`,
			wantStatus: 400, wantBody: []string{`"error":"invalid_request"`, "malformed JSON"}},
		{name: "register wrong type", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":12345678}`,
			wantStatus: 400, wantBody: []string{`"field":"password"`, "must be a string"}},
		{name: "register trailing data", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678"} {}`,
			wantStatus: 400, wantBody: []string{"unexpected data after"}},
		{name: "register unknown field", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678","admin":true}`,
			wantStatus: 400, wantBody: []string{`"field":"admin"`}},
		{name: "register not an object", method: "POST", url: "/api/auth/register", body: `["a"]`,
			wantStatus: 400, wantBody: []string{"must be a JSON object"}},
		{name: "register missing email", method: "POST", url: "/api/auth/register", body: `{"password":"12345678"}`,
			wantStatus: 400, wantBody: []string{`"field":"email"`, "is required"}},
		{name: "register missing password", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com"}`,
			wantStatus: 400, wantBody: []string{`"field":"password"`}},
		{name: "register empty body", method: "POST", url: "/api/auth/register", body: ``,
			wantStatus: 400, wantBody: []string{"request body is required"}},
		{name: "register invalid email", method: "POST", url: "/api/auth/register", body: `{"email":"not-an-email","password":"12345678"}`,
			wantStatus: 400, wantBody: []string{`"field":"email"`, "not a valid email"}},
		{name: "register email with name", method: "POST", url: "/api/auth/register", body: `{"email":"Ada <a@example.com>","password":"12345678"}`,
			wantStatus: 400, wantBody: []string{`"field":"email"`}},
		{name: "register over-long email", method: "POST", url: "/api/auth/register", body: `{"email":"` + long + `@example.com","password":"12345678"}`,
			wantStatus: 400, wantBody: []string{`"field":"email"`, "at most 254"}},
		{name: "register short password", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"1234567"}`,
			wantStatus: 400, wantBody: []string{`"field":"password"`, "at least 8"}},
		{name: "register over-long password", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"` + long + `"}`,
			wantStatus: 400, wantBody: []string{`"field":"password"`, "at most 128"}},
		{name: "register over-long full name", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678","full_name":"` + long + `"}`,
			wantStatus: 400, wantBody: []string{`"field":"full_name"`}},
		{name: "register bad username", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678","username":"a b"}`,
			wantStatus: 400, wantBody: []string{`"field":"username"`}},
		{name: "register invalid UTF-8", method: "POST", url: "/api/auth/register", body: "{\"email\":\"a@example.com\",\"password\":\"1234567\xff\"}",
			wantStatus: 400, wantBody: []string{"UTF-8"}},
		{name: "register NUL in name", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678","full_name":"a\u0000b"}`,
			wantStatus: 400, wantBody: []string{`"field":"full_name"`}},
		{name: "register deeply nested", method: "POST", url: "/api/auth/register", body: strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
			wantStatus: 400},
		{name: "register huge number", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":1e999}`,
			wantStatus: 400},
		{name: "register oversize body", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"` + strings.Repeat("x", 1<<20) + `"}`,
			wantStatus: 413, wantBody: []string{`"error":"payload_too_large"`}},
		{name: "register wrong content type", method: "POST", url: "/api/auth/register", body: `{"email":"a@example.com","password":"12345678"}`,
			headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: 415, wantBody: []string{`"error":"unsupported_media_type"`, `must be application/json"`}},
		{name: "register duplicate email", method: "POST", url: "/api/auth/register", body: `{"email":"ADA@example.com","password":"12345678"}`,
			setup:      func(t *testing.T, env *testEnv) map[string]string { loggedIn(t, env); return nil },
			wantStatus: 409, wantBody: []string{`"error":"email_taken"`, `"field":"email"`}},
		{name: "register wrong method", method: "GET", url: "/api/auth/register", wantStatus: 405},

		// login
		{name: "login form", method: "POST", url: "/api/auth/login", body: "username=ada%40example.com&password=correct+horse+battery+staple",
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			setup:      func(t *testing.T, env *testEnv) map[string]string { loggedIn(t, env); return nil },
			wantStatus: 200, wantBody: []string{`"token_type":"bearer"`, `"access_token":"`, `"refresh_token":"`, `"expires_in":900`}},
		{name: "login JSON", method: "POST", url: "/api/auth/login", body: `{"username":"ada@example.com","password":"correct horse battery staple"}`,
			setup:      func(t *testing.T, env *testEnv) map[string]string { loggedIn(t, env); return nil },
			wantStatus: 200, wantBody: []string{`"access_token":"`}},
		{name: "login wrong password", method: "POST", url: "/api/auth/login", body: `{"username":"ada@example.com","password":"wrong password"}`,
			setup:      func(t *testing.T, env *testEnv) map[string]string { loggedIn(t, env); return nil },
			wantStatus: 401, wantBody: []string{`"error":"invalid_credentials"`}, wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="xentree"`}},
		{name: "login unknown email", method: "POST", url: "/api/auth/login", body: `{"username":"nobody@example.com","password":"wrong password"}`,
			wantStatus: 401, wantBody: []string{`"error":"invalid_credentials"`}},
		{name: "login missing password", method: "POST", url: "/api/auth/login", body: "username=ada",
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 400, wantBody: []string{`"field":"password"`}},
		{name: "login username with a trailing newline", method: "POST", url: "/api/auth/login", body: `{"username":"ada@example.com\n","password":"correct horse battery staple"}`,
			setup:      func(t *testing.T, env *testEnv) map[string]string { loggedIn(t, env); return nil },
			wantStatus: 200, wantBody: []string{`"access_token":"`}},
		{name: "login form NUL in username", method: "POST", url: "/api/auth/login", body: "username=a%00b&password=x",
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 400, wantBody: []string{`"field":"username"`}},
		{name: "login form invalid UTF-8 in username", method: "POST", url: "/api/auth/login", body: "username=a%ffb&password=x",
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 400, wantBody: []string{`"field":"username"`}},
		{name: "login form password twice", method: "POST", url: "/api/auth/login", body: "username=ada%40example.com&password=a&password=b",
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 400, wantBody: []string{`"field":"password"`, "must be given once"}},
		{name: "login missing username", method: "POST", url: "/api/auth/login", body: `{"password":"x"}`,
			wantStatus: 400, wantBody: []string{`"field":"username"`}},
		{name: "login wrong content type", method: "POST", url: "/api/auth/login", body: "username=a&password=b",
			headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: 415,
			wantBody: []string{`must be application/json or application/x-www-form-urlencoded`}},

		// refresh
		{name: "refresh missing token", method: "POST", url: "/api/auth/refresh", body: `{}`,
			wantStatus: 400, wantBody: []string{`"field":"refresh_token"`}},
		{name: "refresh unknown token", method: "POST", url: "/api/auth/refresh", body: `{"refresh_token":"nope"}`,
			wantStatus: 401, wantBody: []string{`"error":"unauthenticated"`}},
		{name: "refresh over-long token", method: "POST", url: "/api/auth/refresh", body: `{"refresh_token":"` + long + `"}`,
			wantStatus: 401},

		// me
		{name: "me", method: "GET", url: "/api/auth/me", setup: loggedIn,
			wantStatus: 200, wantBody: []string{`"email":"ada@example.com"`, `"timezone":"UTC"`, `"preferred_language":"en"`}},
		{name: "me anonymous", method: "GET", url: "/api/auth/me", wantStatus: 401, wantBody: []string{"missing bearer token"}},
		{name: "me bad token", method: "GET", url: "/api/auth/me", headers: map[string]string{"Authorization": "Bearer x.y.z"}, wantStatus: 401},
		{name: "me wrong scheme", method: "GET", url: "/api/auth/me", headers: map[string]string{"Authorization": "Basic YTpi"}, wantStatus: 401},
		{name: "me expired", method: "GET", url: "/api/auth/me", setup: func(t *testing.T, env *testEnv) map[string]string {
			h := loggedIn(t, env)
			env.clock.Advance(16 * 60e9)
			return h
		}, wantStatus: 401},
		{name: "update me", method: "PATCH", url: "/api/auth/me", setup: loggedIn,
			body:       `{"full_name":"Ada Lovelace","timezone":"Europe/London","preferred_language":"en-GB","username":"ada"}`,
			wantStatus: 200, wantBody: []string{`"full_name":"Ada Lovelace"`, `"timezone":"Europe/London"`, `"preferred_language":"en-GB"`}},
		{name: "update me bad timezone", method: "PATCH", url: "/api/auth/me", setup: loggedIn,
			body: `{"timezone":"Nowhere/Special"}`, wantStatus: 400, wantBody: []string{`"field":"timezone"`}},
		{name: "update me wrong current password", method: "PATCH", url: "/api/auth/me", setup: loggedIn,
			body: `{"current_password":"nope nope","new_password":"long enough"}`, wantStatus: 400, wantBody: []string{`"field":"current_password"`}},
		{name: "update me role is not a field", method: "PATCH", url: "/api/auth/me", setup: loggedIn,
			body: `{"role":"admin"}`, wantStatus: 400, wantBody: []string{`"field":"role"`}},
		{name: "update me anonymous", method: "PATCH", url: "/api/auth/me", body: `{"full_name":"x"}`, wantStatus: 401},

		// logout
		{name: "logout", method: "POST", url: "/api/auth/logout", setup: loggedIn, wantStatus: 204},
		{name: "logout with refresh token body", method: "POST", url: "/api/auth/logout", setup: loggedIn, body: `{"refresh_token":"whatever"}`, wantStatus: 204},
		{name: "logout anonymous", method: "POST", url: "/api/auth/logout", wantStatus: 401},

		// operations and conventions
		{name: "healthz", method: "GET", url: "/healthz", wantStatus: 200, wantBody: []string{`"status":"ok"`, `"database":"ok"`, `"store":"`}},
		{name: "unknown route", method: "GET", url: "/api/nope", wantStatus: 404, wantBody: []string{`"error":"route_not_found"`}},
		// ServeMux answered these with an HTML 307 to the clean path, which clients follow re-sending the body.
		{name: "double slash", method: "POST", url: "/api/core//notes", setup: loggedIn, body: `{"title":"t","content":"c"}`, wantStatus: 404, wantBody: []string{`"error":"route_not_found"`}},
		{name: "dot segment", method: "GET", url: "/api/core/./conversations", setup: loggedIn, wantStatus: 404, wantBody: []string{`"error":"route_not_found"`}},
		{name: "dot-dot segment", method: "GET", url: "/api/core/x/../conversations", setup: loggedIn, wantStatus: 404, wantBody: []string{`"error":"route_not_found"`}},
		{name: "CONNECT", method: "CONNECT", url: "127.0.0.1:22", wantStatus: 405, wantBody: []string{`"error":"method_not_allowed"`}},
		{name: "request id echoed", method: "GET", url: "/healthz", headers: map[string]string{"X-Request-ID": "abc-123"},
			wantStatus: 200, wantHeader: map[string]string{"X-Request-ID": "abc-123", "X-Content-Type-Options": "nosniff"}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			s.run(t, newEnv(t))
		})
	}
}

// The README's curl tour, as one flow: register, login, me, refresh, logout, me is 401.
func TestAuthTour(t *testing.T) {
	env := newEnv(t)
	rec := env.do("POST", "/api/auth/register", `{"email":"ada@example.com","password":"correct horse battery"}`, nil)
	if rec.Code != 201 {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	rec = env.do("POST", "/api/auth/login", "username=ada@example.com&password=correct horse battery",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	var tok struct{ AccessToken, RefreshToken string }
	decode(t, rec, 200, &tok)
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	if rec := env.do("GET", "/api/auth/me", "", bearer); rec.Code != 200 {
		t.Fatalf("me: %d", rec.Code)
	}
	rec = env.do("POST", "/api/auth/refresh", `{"refresh_token":"`+tok.RefreshToken+`"}`, nil)
	decode(t, rec, 200, &tok)
	bearer = map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	if rec := env.do("POST", "/api/auth/logout", "", bearer); rec.Code != 204 {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/auth/me", "", bearer); rec.Code != 401 {
		t.Fatalf("me after logout: %d, want 401", rec.Code)
	}
}

func TestLoginRateLimitHTTP(t *testing.T) {
	env := newEnv(t)
	xentreetest.CreateUser(t, env.eng, "ada@example.com")
	for i := 0; i < 10; i++ {
		if rec := env.do("POST", "/api/auth/login", `{"username":"ada@example.com","password":"wrong password"}`, nil); rec.Code != 401 {
			t.Fatalf("attempt %d: %d", i, rec.Code)
		}
	}
	rec := env.do("POST", "/api/auth/login", `{"username":"ada@example.com","password":"wrong password"}`, nil)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "60" || !strings.Contains(rec.Body.String(), `"error":"rate_limited"`) {
		t.Fatalf("11th attempt: %d Retry-After=%q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

func decode(t *testing.T, rec *httptest.ResponseRecorder, status int, v any) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	// snake_case to the struct's fields
	norm := map[string]any{}
	for k, val := range raw {
		norm[strings.ReplaceAll(k, "_", "")] = val
	}
	nb, _ := json.Marshal(norm)
	if err := json.Unmarshal(nb, v); err != nil {
		t.Fatal(err)
	}
}

func mustAuth(t *testing.T, env *testEnv, tok string) xentree.User {
	t.Helper()
	u, err := env.eng.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
