package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/xentree/xentree/xentreetest"
)

// TestOpenAPIMatchesMux walks the route table the mux is built from: every
// route is served (not the catch-all 404, not 405) and described in the
// served OpenAPI document, and the document describes nothing else.
func TestOpenAPIMatchesMux(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	h := New(eng, Config{})
	a := &api{eng: eng}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("openapi.json: %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	described := 0
	for _, ops := range doc.Paths {
		described += len(ops)
	}
	routes := a.routes()
	if described != len(routes) {
		t.Errorf("document describes %d operations, the mux serves %d", described, len(routes))
	}
	for _, rt := range routes {
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is served but not in openapi.json", rt.Method, rt.Path)
		}
		url := param.ReplaceAllString(rt.Path, "00000000-0000-0000-0000-000000000000")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(rt.Method, url, nil))
		if rec.Code == http.StatusMethodNotAllowed || strings.Contains(rec.Body.String(), "route_not_found") {
			t.Errorf("%s %s is in the table but the mux does not serve it: %d %s", rt.Method, url, rec.Code, rec.Body)
		}
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	h := New(xentreetest.NewEngine(t), Config{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/auth/me", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, PATCH" {
		t.Errorf("DELETE /api/auth/me: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}
