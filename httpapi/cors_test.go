package httpapi_test

import (
	"cmp"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

func TestCORS(t *testing.T) {
	const app, other = "https://app.example.com", "https://evil.example.net"
	listed := httpapi.CORSConfig{AllowedOrigins: []string{app, "http://localhost:5173"}}
	withCreds := httpapi.CORSConfig{AllowedOrigins: []string{app}, AllowCredentials: true, MaxAge: time.Hour}
	anyOrigin := httpapi.CORSConfig{AllowedOrigins: []string{"*"}}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
	// "" means the header must be absent.
	none := map[string]string{
		"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Access-Control-Allow-Headers": "",
		"Access-Control-Allow-Credentials": "", "Access-Control-Max-Age": "", "Access-Control-Expose-Headers": "",
	}
	cases := []struct {
		name       string
		cors       httpapi.CORSConfig
		method     string
		path       string // defaults to /healthz
		origin     string
		headers    map[string]string
		wantStatus int
		wantHeader map[string]string
	}{
		{name: "closed: preflight answered as today", method: "OPTIONS", origin: app, headers: preflight,
			wantStatus: 405, wantHeader: merge(none, map[string]string{"Vary": ""})},
		{name: "closed: request", method: "GET", origin: app,
			wantStatus: 200, wantHeader: merge(none, map[string]string{"Vary": ""})},
		{name: "preflight from a listed origin", cors: listed, method: "OPTIONS", origin: app, headers: preflight,
			wantStatus: 204, wantHeader: map[string]string{
				"Access-Control-Allow-Origin":      app,
				"Access-Control-Allow-Methods":     "GET, POST, PUT, PATCH, DELETE",
				"Access-Control-Allow-Headers":     "Authorization, Content-Type, X-API-Key, X-Request-ID, Accept",
				"Access-Control-Max-Age":           "600",
				"Access-Control-Allow-Credentials": "",
				"Access-Control-Expose-Headers":    "",
				"Vary":                             "Origin",
			}},
		{name: "preflight from the second listed origin", cors: listed, method: "OPTIONS", origin: "http://localhost:5173", headers: preflight,
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"}},
		{name: "preflight from an unlisted origin", cors: listed, method: "OPTIONS", origin: other, headers: preflight,
			wantStatus: 405, wantHeader: merge(none, map[string]string{"Vary": "Origin"})},
		{name: "origin matched exactly, not by prefix", cors: listed, method: "OPTIONS", origin: app + ".evil.example.net", headers: preflight,
			wantStatus: 405, wantHeader: none},
		{name: "origin matched exactly, not by case", cors: listed, method: "OPTIONS", origin: "https://APP.example.com", headers: preflight,
			wantStatus: 405, wantHeader: none},
		{name: "null origin", cors: listed, method: "OPTIONS", origin: "null", headers: preflight,
			wantStatus: 405, wantHeader: none},
		{name: "OPTIONS without Access-Control-Request-Method is no preflight", cors: listed, method: "OPTIONS", origin: app,
			wantStatus: 405, wantHeader: map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Methods": ""}},
		{name: "request from a listed origin", cors: listed, method: "GET", origin: app,
			wantStatus: 200, wantHeader: map[string]string{
				"Access-Control-Allow-Origin":   app,
				"Access-Control-Expose-Headers": "X-Request-ID, Retry-After",
				"Access-Control-Allow-Methods":  "",
				"Vary":                          "Origin",
			}},
		{name: "request from an unlisted origin", cors: listed, method: "GET", origin: other,
			wantStatus: 200, wantHeader: merge(none, map[string]string{"Vary": "Origin"})},
		{name: "request without Origin", cors: listed, method: "GET",
			wantStatus: 200, wantHeader: merge(none, map[string]string{"Vary": "Origin"})},
		{name: "error answers carry CORS headers too", cors: listed, method: "GET", origin: app, path: "/api/auth/me",
			wantStatus: 401, wantHeader: map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Expose-Headers": "X-Request-ID, Retry-After"}},
		{name: "credentials and max age", cors: withCreds, method: "OPTIONS", origin: app, headers: preflight,
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "3600"}},
		{name: "credentials on requests", cors: withCreds, method: "GET", origin: app,
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true"}},
		{name: "any origin: preflight", cors: anyOrigin, method: "OPTIONS", origin: other, headers: preflight,
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": ""}},
		{name: "any origin: request", cors: anyOrigin, method: "GET", origin: other,
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": ""}},
	}
	eng := xentreetest.NewEngine(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := httpapi.New(eng, httpapi.Config{CORS: tc.cors})
			path := cmp.Or(tc.path, "/healthz")
			req := httptest.NewRequest(tc.method, path, nil)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			for k, want := range tc.wantHeader {
				got, present := strings.Join(rec.Header().Values(k), ", "), len(rec.Header().Values(k)) > 0
				if want == "" && present {
					t.Errorf("header %s = %q, want none", k, got)
				} else if want != "" && got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestCORSConfigRefused(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	for _, tc := range []struct {
		name string
		cors httpapi.CORSConfig
	}{
		{"any origin with credentials", httpapi.CORSConfig{AllowedOrigins: []string{"*"}, AllowCredentials: true}},
		{"trailing slash", httpapi.CORSConfig{AllowedOrigins: []string{"https://app.example.com/"}}},
		{"path", httpapi.CORSConfig{AllowedOrigins: []string{"https://app.example.com/app"}}},
		{"no scheme", httpapi.CORSConfig{AllowedOrigins: []string{"app.example.com"}}},
		{"other scheme", httpapi.CORSConfig{AllowedOrigins: []string{"ftp://app.example.com"}}},
		{"upper case", httpapi.CORSConfig{AllowedOrigins: []string{"https://App.example.com"}}},
		{"null", httpapi.CORSConfig{AllowedOrigins: []string{"null"}}},
		{"wildcard subdomain", httpapi.CORSConfig{AllowedOrigins: []string{"https://*.example.com"}}},
		{"user info", httpapi.CORSConfig{AllowedOrigins: []string{"https://u@app.example.com"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cors.Validate(); err == nil {
				t.Errorf("Validate() = nil, want an error")
			}
			defer func() {
				if recover() == nil {
					t.Errorf("New did not refuse %+v", tc.cors)
				}
			}()
			httpapi.New(eng, httpapi.Config{CORS: tc.cors})
		})
	}
	ok := httpapi.CORSConfig{AllowedOrigins: []string{"https://app.example.com", "http://localhost:5173", "http://[::1]:8080", "*"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v, want nil", ok.AllowedOrigins, err)
	}
}

// merge returns a copy of a with b's entries added.
func merge(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}
