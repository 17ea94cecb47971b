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

// TestOpenAPIErrorTables keeps the tables of openapi.go about real routes
// and statuses the document can describe.
func TestOpenAPIErrorTables(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	served := map[string]bool{}
	for _, rt := range (&api{eng: eng}).routes() {
		served[rt.Method+" "+rt.Path] = true
	}
	for name, table := range map[string]map[string][]int{"engineErrors": engineErrors, "notAnswered": notAnswered} {
		for op, statuses := range table {
			if !served[op] {
				t.Errorf("%s names %q, which is not a route", name, op)
			}
			for _, s := range statuses {
				if _, ok := errorResponses[s]; !ok {
					t.Errorf("%s[%q] lists %d, which errorResponses does not describe", name, op, s)
				}
			}
		}
	}
}

// TestOpenAPIDocument checks what the linter and client generators rely on:
// servers and license, integer paging parameters, the error responses of
// authenticated operations, and chat's event stream.
func TestOpenAPIDocument(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	rec := httptest.NewRecorder()
	New(eng, Config{}).ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	var doc struct {
		Info struct {
			License struct{ Name, Identifier string } `json:"license"`
		} `json:"info"`
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]map[string]struct {
			Security   []map[string][]string `json:"security"`
			Parameters []struct {
				Name, In string
				Schema   struct{ Type string } `json:"schema"`
			} `json:"parameters"`
			Responses map[string]struct {
				Ref     string                     `json:"$ref"`
				Content map[string]json.RawMessage `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.License.Name == "" || doc.Info.License.Identifier == "" {
		t.Errorf("info.license = %+v, want a name and an identifier", doc.Info.License)
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL == "" {
		t.Errorf("servers = %+v, want one", doc.Servers)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			for _, p := range op.Parameters {
				if p.In == "query" && (p.Name == "limit" || p.Name == "page" || p.Name == "offset") && p.Schema.Type != "integer" {
					t.Errorf("%s: query %s is %q, want integer", name, p.Name, p.Schema.Type)
				}
			}
			if len(op.Security) > 0 {
				for _, status := range []string{"401", "403"} {
					if op.Responses[status].Ref == "" {
						t.Errorf("%s needs credentials but lists no %s", name, status)
					}
				}
			}
			for status, r := range op.Responses {
				if ref, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok && doc.Components.Responses[ref] == nil {
					t.Errorf("%s %s refers to the missing response %q", name, status, ref)
				}
			}
		}
	}
	chat := doc.Paths["/api/core/chat"]["post"].Responses["200"]
	for _, ct := range []string{"application/json", "text/event-stream"} {
		if chat.Content[ct] == nil {
			t.Errorf("POST /api/core/chat 200 does not offer %s", ct)
		}
	}
}
