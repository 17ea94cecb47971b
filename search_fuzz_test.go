package xentree_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/xentreetest"
)

// FuzzSearch runs user query strings through every search a client can
// start (conversation search, knowledge search, a RAG answer from the
// offline provider) on a real engine with a small corpus. Whatever the
// query, the answer is a result or a 400: never a panic, never an internal
// or unavailable error; and a hit is always the caller's own, although the
// other user's content holds the same words.
func FuzzSearch(f *testing.F) {
	eng := xentreetest.NewEngine(f)
	ada, _ := xentreetest.CreateUser(f, eng, "")
	bob, _ := xentreetest.CreateUser(f, eng, "")
	own := map[string]bool{}
	for _, u := range []xentree.User{ada, bob} {
		c, err := eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Photosynthesis «homework» 日本語",
			InitialQuery: "How do plants run photosynthesis at night? \"Quoted\" words, AND OR NOT +must -not title:field *wild?"})
		if err != nil {
			f.Fatal(err)
		}
		n, err := eng.CreateNote(ctx, u, conversation.NoteCreateRequest{Title: "Chlorophyll", ConversationID: c.ID,
			Content: strings.Repeat("Chlorophyll absorbs red and blue light; ", 20) + "é\u0301 combining, emoji 🌱, tab\there."})
		if err != nil {
			f.Fatal(err)
		}
		d, err := eng.CreateDocument(ctx, u, knowledge.CreateRequest{Title: "Plants", ContentType: knowledge.TypeMarkdown,
			Content: "# Leaves\n\nPhotosynthesis happens in the chloroplasts of leaves.\n\n## Roots\n\nRoots take up water [1](x)."})
		if err != nil {
			f.Fatal(err)
		}
		if u.ID == ada.ID {
			own[c.ID], own[n.ID], own[d.ID] = true, true, true
		}
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		f.Fatal(err)
	}
	// A document is found by its chunks, so the caller's chunks are its own too.
	chunks, err := eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: "photosynthesis leaves roots water", Limit: knowledge.MaxLimit})
	if err != nil || len(chunks.Results) == 0 {
		f.Fatalf("chunks: %v %v", chunks, err)
	}
	for _, r := range chunks.Results {
		own[r.ChunkID] = true
	}
	for _, s := range []string{
		"photosynthesis", `"red and blue"`, `""`, `" "`, `"`, `"unterminated`, "title:photosynthesis", "+must -not",
		"chloro*", "wild?", "AND OR NOT", "the a of", "日本語", "🌱", "é\u0301", "a\x00b", "a\xffb", "\xed\xa0\x80",
		strings.Repeat("x", 501), strings.Repeat("leaf ", 100), "<mark>x</mark>", `\"photosynthesis\"`, "{}[]()~^:",
	} {
		f.Add(s, "", 0, 0)
	}
	f.Add("photosynthesis", "message,note", 50, 1000)
	f.Add("photosynthesis", "document,,transcript", -1, -1)
	f.Add("light", "nope", 1<<40, 1<<40)
	f.Fuzz(func(t *testing.T, q, types string, limit, offset int) {
		req := conversation.SearchRequest{Query: q, Limit: limit, Offset: offset}
		if types != "" {
			req.Types = strings.Split(types, ",")
		}
		res, err := eng.Search(ctx, ada, req)
		checkSearch(t, "Search", q, err)
		kres, err := eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: q, Limit: limit})
		checkSearch(t, "SearchKnowledge", q, err)
		ans, err := eng.QueryKnowledge(ctx, ada, knowledge.RAGRequest{Query: q, TopK: limit})
		checkSearch(t, "QueryKnowledge", q, err)
		type found struct {
			what, id, text string
			own            bool
		}
		var all []found
		for _, h := range res.Hits {
			all = append(all, found{"Search", h.ID, h.Snippet + h.Title, own[h.ID] || own[h.ConversationID]})
		}
		for _, r := range kres.Results {
			all = append(all, found{"SearchKnowledge", r.DocumentID, r.Snippet, own[r.DocumentID]})
		}
		for _, c := range ans.Citations {
			all = append(all, found{"QueryKnowledge", c.DocumentID, c.Snippet, own[c.DocumentID]})
		}
		for _, x := range all {
			if !x.own {
				t.Fatalf("%s %q: %s is not the caller's", x.what, q, x.id)
			}
			if !utf8.ValidString(x.text) {
				t.Fatalf("%s %q: snippet %q is not UTF-8", x.what, q, x.text)
			}
		}
	})
}

func checkSearch(t *testing.T, what, q string, err error) {
	t.Helper()
	if err != nil && xentree.KindOf(err) != xentree.KindInvalid {
		t.Fatalf("%s %q: %v (kind %v), want a result or invalid", what, q, err, xentree.KindOf(err))
	}
}
