package httpapi

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
)

// FuzzQueryString sends one query string to every GET route of the table
// that reads one (lists with limit and cursor, search with q, types, limit
// and offset, calendar ranges, OAuth callbacks, filters) as the owner of
// real resources. Whatever the query, each answer is a 2xx or a 4xx with the
// error envelope: never a 5xx, never a panic.
func FuzzQueryString(f *testing.F) {
	eng := withGoogle(f)
	h := New(eng, Config{})
	res := realIDs(f, eng)
	ctx := context.Background()
	for range 3 { // so that a page of one has a next cursor
		if _, err := eng.CreateConversation(ctx, res.owner, conversation.CreateRequest{Title: "page"}); err != nil {
			f.Fatal(err)
		}
	}
	page, err := eng.ListConversations(ctx, res.owner, xentree.Page{Limit: 1})
	if err != nil || page.NextCursor == nil {
		f.Fatalf("no cursor: %v", err)
	}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	var urls []string
	params := map[string]bool{}
	for _, rt := range (&api{eng: eng}).routes() {
		if rt.Method != "GET" || len(rt.Query) == 0 {
			continue // the table says which routes read the query string
		}
		urls = append(urls, param.ReplaceAllStringFunc(rt.Path, func(p string) string {
			if id, ok := res.ids[p[1:len(p)-1]]; ok {
				return id
			}
			return "01966b7e-1c2a-7000-8000-000000000000" // any id: a route we have no resource for yet
		}))
		for _, q := range rt.Query {
			params[q] = true
		}
	}
	for q := range params {
		for _, v := range []string{"0", "-1", "99999999999999999999", "%00", "%ff", res.ids["org_id"]} {
			f.Add(q + "=" + v)
		}
	}
	for _, s := range []string{
		"limit=1&cursor=" + *page.NextCursor, "cursor=" + *page.NextCursor + "x", "cursor=MTIzLm5vdC1hLXV1aWQ", "limit=1&limit=2",
		"q=bad&types=note,,message&limit=50&offset=1000", `q="bad input"`, "q=%22%22", "types=%00", "q=" + string(make([]byte, 600)),
		"from=2026-04-16T10:00:00Z&to=2026-04-15T10:00:00Z", "from=99999-01-01T00:00:00Z", "state=x&code=y", "error=access_denied&state=",
		"level=A1&skill=grammar", "level=Z9", "tenantId=" + res.ids["org_id"], "conversation_id=" + res.ids["conversation_id"], ";;&&==", "%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, u := range urls {
			req := httptest.NewRequest("GET", u, nil)
			req.URL.RawQuery = query
			req.Header.Set("Authorization", "Bearer "+res.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code/100 != 2 {
				checkEnvelope(t, "GET "+u+"?"+query, rec, 0, "")
			}
		}
	})
}
