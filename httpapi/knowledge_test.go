package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// upload posts a multipart document with the given parts ("file" carries
// fileName and data).
func (env *testEnv) upload(fileName string, data []byte, fields map[string]string, headers map[string]string) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/api/knowledge/documents", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return rec
}

// TestUploadRefusals: each bad upload gets a clear 4xx and leaves nothing:
// no document, no chunk in search.
func TestUploadRefusals(t *testing.T) {
	env := newEnv(t)
	a := loggedIn(t, env)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 3}, 64)...)
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7 % 256)
	}
	big := bytes.Repeat([]byte("All work and no play makes a dull day. "), (21<<20)/39+1)
	for _, c := range []struct {
		name   string
		file   string
		data   []byte
		status int
		code   string
	}{
		{"malformed PDF", "report.pdf", []byte("%PDF-1.7\n1 0 obj garbage with no xref\n%%EOF"), 400, "document_unreadable"},
		{"PDF name, text inside", "notes.pdf", []byte("just some text"), 400, ""},
		{"binary renamed .txt", "notes.txt", binary, 400, "unsupported_document_type"},
		{"PNG renamed .txt", "notes.txt", png, 400, "unsupported_document_type"},
		{"empty file", "empty.txt", []byte{}, 400, "empty_document"},
		{"whitespace only", "blank.md", []byte("  \n\n\t "), 400, "empty_document"},
		{"21 MiB", "big.txt", big, 413, ""},
	} {
		rec := env.upload(c.file, c.data, map[string]string{"title": c.name}, a)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, rec.Code, rec.Body, c.status, c.code)
		}
	}
	if err := env.eng.WaitIndexed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec := env.do("GET", "/api/knowledge/documents", "", a); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Fatalf("something was left behind: %s", rec.Body)
	}
	if rec := env.do("POST", "/api/knowledge/search", `{"query":"dull day work"}`, a); !strings.Contains(rec.Body.String(), `"results":[]`) {
		t.Fatalf("search finds a refused upload: %s", rec.Body)
	}
	for _, c := range []struct{ name, body, ctype string }{
		{"no file part", "", ""},
	} {
		rec := env.upload("", nil, map[string]string{"title": c.name}, a)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"file"`) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	if rec := env.upload("x.txt", []byte("hi"), map[string]string{"colour": "red"}, a); rec.Code != 400 {
		t.Errorf("unknown part: %d %s", rec.Code, rec.Body)
	}
}

// TestKnowledgeRoutesIsolation: every knowledge route, as the owner, a
// member of the organization, another user and an anonymous client.
func TestKnowledgeRoutesIsolation(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	ada, atok := xentreetest.CreateUser(t, env.eng, "ada@example.com")
	cy, ctok := xentreetest.CreateUser(t, env.eng, "cy@example.com")
	_, btok := xentreetest.CreateUser(t, env.eng, "bob@example.com")
	A := map[string]string{"Authorization": "Bearer " + atok.AccessToken}
	C := map[string]string{"Authorization": "Bearer " + ctok.AccessToken}
	B := map[string]string{"Authorization": "Bearer " + btok.AccessToken}
	o, err := env.eng.CreateOrganization(ctx, ada, org.CreateRequest{Name: "Club"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.eng.AddMember(ctx, ada, o.ID, org.AddMemberRequest{UserID: cy.ID, Role: org.RoleMember}); err != nil {
		t.Fatal(err)
	}
	rec := env.upload("private.md", []byte("# Zeppelins\n\nZeppelins are rigid airships."), nil, A)
	var mine knowledge.Document
	if err := json.Unmarshal(rec.Body.Bytes(), &mine); rec.Code != 201 || err != nil || mine.Title != "private" || mine.ContentType != "text/markdown" {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	rec = env.do("POST", "/api/knowledge/documents", `{"title":"Club zeppelins","content":"<p>Zeppelins flew <b>over</b> the Atlantic.</p><script>zeppelin()</script>","content_type":"text/html","organization_id":"`+o.ID+`"}`, C)
	var shared knowledge.Document
	if err := json.Unmarshal(rec.Body.Bytes(), &shared); rec.Code != 201 || err != nil || shared.OrganizationID != o.ID {
		t.Fatalf("club upload: %d %s", rec.Code, rec.Body)
	}
	if err := env.eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(h map[string]string, body string) int {
		rec := env.do("POST", "/api/knowledge/search", body, h)
		var res knowledge.SearchResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &res); rec.Code != 200 || err != nil {
			t.Fatalf("search: %d %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "zeppelin()") {
			t.Fatalf("script text indexed: %s", rec.Body)
		}
		return len(res.Results)
	}
	if n := count(A, `{"query":"zeppelins"}`); n != 2 {
		t.Errorf("ada finds %d, want 2", n)
	}
	if n := count(C, `{"query":"zeppelins"}`); n != 1 {
		t.Errorf("cy finds %d, want 1", n)
	}
	if n := count(B, `{"query":"zeppelins"}`); n != 0 {
		t.Errorf("bob finds %d, want 0", n)
	}
	for _, r := range []struct {
		method, url, body string
		who               map[string]string
		want              int
	}{
		{"GET", "/api/knowledge/documents/" + mine.ID, "", C, 404},
		{"GET", "/api/knowledge/documents/" + mine.ID, "", B, 404},
		{"GET", "/api/knowledge/documents/" + shared.ID, "", B, 404},
		{"GET", "/api/knowledge/documents/" + shared.ID, "", C, 200},
		{"GET", "/api/knowledge/documents/" + shared.ID, "", nil, 401},
		{"GET", "/api/knowledge/documents?organization_id=" + o.ID, "", B, 404},
		{"GET", "/api/knowledge/documents?organization_id=" + o.ID, "", C, 200},
		{"DELETE", "/api/knowledge/documents/" + mine.ID, "", B, 404},
		{"DELETE", "/api/knowledge/documents/" + shared.ID, "", B, 404},
		{"POST", "/api/knowledge/search", `{"query":"zeppelins","organization_id":"` + o.ID + `"}`, B, 404},
		{"POST", "/api/rag/query", `{"query":"zeppelins","organization_id":"` + o.ID + `"}`, B, 404},
		{"POST", "/api/knowledge/documents", `{"title":"x","content":"y","organization_id":"` + o.ID + `"}`, B, 404},
		{"POST", "/api/rag/query", `{"query":"zeppelins"}`, nil, 401},
	} {
		rec := env.do(r.method, r.url, r.body, r.who)
		if rec.Code != r.want || (r.want == 404 && strings.Contains(rec.Body.String(), "eppelin")) {
			t.Errorf("%s %s: %d %s, want %d", r.method, r.url, rec.Code, rec.Body, r.want)
		}
	}
	rec = env.do("POST", "/api/rag/query", `{"query":"What are zeppelins?"}`, B)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "rigid") || !strings.Contains(rec.Body.String(), `"citations":[]`) {
		t.Errorf("bob's answer: %d %s", rec.Code, rec.Body)
	}
	rec = env.do("POST", "/api/rag/query", `{"query":"What are zeppelins?"}`, A)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "rigid airships") || !strings.Contains(rec.Body.String(), mine.ID) {
		t.Errorf("ada's answer: %d %s", rec.Code, rec.Body)
	}
	// A member cannot delete another member's club document; the owner can.
	if rec := env.do("DELETE", "/api/knowledge/documents/"+mine.ID, "", A); rec.Code != 204 {
		t.Errorf("ada deletes her own: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("DELETE", "/api/knowledge/documents/"+shared.ID, "", A); rec.Code != 204 {
		t.Errorf("the owner deletes a club document: %d %s", rec.Code, rec.Body)
	}
	if n := count(C, `{"query":"zeppelins"}`); n != 0 {
		t.Errorf("after deletion cy finds %d", n)
	}
}
