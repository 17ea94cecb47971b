package xentree_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

const glaciers = `# Glaciers

## How they move

Glaciers flow downhill under their own weight. The ice deforms like a very thick fluid, and meltwater at the base lets the glacier slide over the bedrock.

## Where they form

Glaciers form where more snow falls in winter than melts in summer. Over decades the snow is compressed into dense blue ice.
`

func addDoc(t *testing.T, eng *xentree.Engine, u xentree.User, req knowledge.CreateRequest) knowledge.Document {
	t.Helper()
	d, err := eng.CreateDocument(context.Background(), u, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ksearch(t *testing.T, eng *xentree.Engine, u xentree.User, q string) []knowledge.SearchResult {
	t.Helper()
	res, err := eng.SearchKnowledge(context.Background(), u, knowledge.SearchRequest{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	return res.Results
}

func TestKnowledgeDocuments(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	d := addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Ice", Content: glaciers, ContentType: "text/markdown; charset=utf-8"})
	if d.ContentType != knowledge.TypeMarkdown || d.ChunkCount != 2 || d.SizeBytes != int64(len(glaciers)) || d.OrganizationID != "" {
		t.Fatalf("created %+v", d)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	res := ksearch(t, eng, ada, "how does a glacier move")
	if len(res) == 0 || res[0].DocumentID != d.ID || !strings.Contains(res[0].Text, "flow downhill") ||
		res[0].Title != "Ice > Glaciers > How they move" || !strings.Contains(res[0].Snippet, "<mark>") {
		t.Fatalf("search: %+v", res)
	}
	if res := ksearch(t, eng, ada, "how does a\tglacier\r\nmove\n"); len(res) == 0 || res[0].DocumentID != d.ID {
		t.Fatalf("a query with tabs and newlines: %+v", res)
	}
	// Documents show in the general search of the user's own content too.
	core, err := eng.Search(ctx, ada, conversation.SearchRequest{Query: "bedrock", Types: []string{conversation.TypeDocument}})
	if err != nil || len(core.Hits) != 1 {
		t.Fatalf("core search: %+v %v", core, err)
	}
	// The hit's id opens the document; the passage is named beside it.
	if h := core.Hits[0]; h.ID != d.ID || h.DocumentID != d.ID || h.ChunkID == "" || h.ChunkID == d.ID {
		t.Fatalf("document hit %+v, want id and document_id %s and the chunk_id", h, d.ID)
	}
	if got, err := eng.GetDocument(ctx, ada, core.Hits[0].ID); err != nil || got.ID != d.ID {
		t.Fatalf("open the hit: %+v %v", got, err)
	}
	if l, err := eng.ListDocuments(ctx, ada, "", xentree.Page{}); err != nil || len(l.Items) != 1 {
		t.Fatalf("list: %+v %v", l, err)
	}
	// Deleting is visible at once, before the index catches up.
	if err := eng.DeleteDocument(ctx, ada, d.ID); err != nil {
		t.Fatal(err)
	}
	if res := ksearch(t, eng, ada, "glacier"); len(res) != 0 {
		t.Fatalf("deleted document still found: %+v", res)
	}
	_, err = eng.GetDocument(ctx, ada, d.ID)
	wantErr(t, "get deleted", err, xerr.NotFound, "")

	for _, bad := range []knowledge.CreateRequest{
		{Title: "", Content: "text"},
		{Title: "t", Content: ""},
		{Title: "t", Content: "   \n "},
		{Title: "t", Content: "x", ContentType: "application/pdf"},
		{Title: "t", Content: "x", ContentType: "image/png"},
		{Title: "bad\x00title", Content: "x"},
	} {
		_, err := eng.CreateDocument(ctx, ada, bad)
		wantErr(t, "bad document "+bad.Title+"/"+bad.ContentType, err, xerr.Invalid, "")
	}
}

// TestKnowledgeIsolation: a user sees their own documents and their
// organizations'; nobody else's, not even in counts or answers.
func TestKnowledgeIsolation(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	cy, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, ada, "Geology club")
	addMember(t, eng, ada, o.ID, cy, org.RoleMember)
	mine := addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Private glaciers", Content: "Glaciers carve fjords slowly."})
	shared := addDoc(t, eng, cy, knowledge.CreateRequest{Title: "Club glaciers", Content: "Glaciers store most fresh water.", OrganizationID: o.ID})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	docsOf := func(rs []knowledge.SearchResult) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.DocumentID] = true
		}
		return m
	}
	if got := docsOf(ksearch(t, eng, ada, "glaciers")); !got[mine.ID] || !got[shared.ID] || len(got) != 2 {
		t.Fatalf("ada sees %v", got)
	}
	if got := docsOf(ksearch(t, eng, cy, "glaciers")); got[mine.ID] || !got[shared.ID] {
		t.Fatalf("cy sees %v", got)
	}
	if got := ksearch(t, eng, bob, "glaciers"); len(got) != 0 {
		t.Fatalf("bob sees %v", got)
	}
	res, err := eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: "glaciers", OrganizationID: o.ID})
	if err != nil || len(res.Results) != 1 || res.Results[0].DocumentID != shared.ID {
		t.Fatalf("ada within the club: %+v %v", res, err)
	}
	res, err = eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: "glaciers", DocumentIDs: []string{mine.ID}})
	if err != nil || len(res.Results) != 1 || res.Results[0].DocumentID != mine.ID {
		t.Fatalf("ada within one document: %+v %v", res, err)
	}
	_, err = eng.SearchKnowledge(ctx, bob, knowledge.SearchRequest{Query: "glaciers", OrganizationID: o.ID})
	wantErr(t, "bob names the club", err, xerr.NotFound, "")
	for _, id := range []string{mine.ID, shared.ID} {
		_, err := eng.GetDocument(ctx, bob, id)
		wantErr(t, "bob gets", err, xerr.NotFound, "")
		wantErr(t, "bob deletes", eng.DeleteDocument(ctx, bob, id), xerr.NotFound, "")
	}
	_, err = eng.ListDocuments(ctx, bob, o.ID, xentree.Page{})
	wantErr(t, "bob lists the club's", err, xerr.NotFound, "")
	if ans, err := eng.QueryKnowledge(ctx, bob, knowledge.RAGRequest{Query: "glaciers"}); err != nil || len(ans.Citations) != 0 || strings.Contains(ans.Answer, "fjord") {
		t.Fatalf("bob's answer: %+v %v", ans, err)
	}
	wantErr(t, "cy deletes ada's private one", eng.DeleteDocument(ctx, cy, mine.ID), xerr.NotFound, "")

	// An API key sees its creator's own documents and its organization's.
	k, err := eng.CreateAPIKey(ctx, cy, org.CreateKeyRequest{Name: "k", OrganizationID: o.ID, Scopes: []string{auth.ScopeRAGRead}})
	if err != nil {
		t.Fatal(err)
	}
	ku, err := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if got := docsOf(ksearch(t, eng, ku, "glaciers")); !got[shared.ID] || got[mine.ID] {
		t.Fatalf("cy's key sees %v", got)
	}
	_, err = eng.CreateDocument(ctx, ku, knowledge.CreateRequest{Title: "x", Content: "y"})
	wantErr(t, "read-only key writes", err, xerr.Forbidden, auth.CodeInsufficientScope)

	// Deleting the organization takes its documents out of search at once.
	if err := eng.DeleteOrganization(ctx, ada, o.ID); err != nil {
		t.Fatal(err)
	}
	if got := docsOf(ksearch(t, eng, ada, "glaciers")); got[shared.ID] || !got[mine.ID] {
		t.Fatalf("after the club's deletion ada sees %v", got)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestQueryKnowledgeLocal(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	d := addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Ice", Content: glaciers, ContentType: knowledge.TypeMarkdown})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	ans, err := eng.QueryKnowledge(ctx, ada, knowledge.RAGRequest{Query: "Why do glaciers slide over bedrock?"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Provider != "local" || !strings.Contains(ans.Answer, "meltwater at the base") || !strings.Contains(ans.Answer, "[1]") ||
		len(ans.Citations) == 0 || ans.Citations[0].DocumentID != d.ID || ans.Citations[0].ChunkID == "" {
		t.Fatalf("answer %+v", ans)
	}
	ans, err = eng.QueryKnowledge(ctx, ada, knowledge.RAGRequest{Query: "volcanic eruptions"})
	if err != nil || len(ans.Citations) != 0 || !strings.Contains(ans.Answer, "could not find") {
		t.Fatalf("nothing relevant: %+v %v", ans, err)
	}
	_, err = eng.QueryKnowledge(ctx, ada, knowledge.RAGRequest{Query: "x", TopK: 99})
	wantErr(t, "top_k", err, xerr.Invalid, "")

	// Chat with use_knowledge grounds the answer and stores its citations.
	c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "ice"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := eng.Chat(ctx, ada, conversation.ChatRequest{Message: "How do glaciers form?", ConversationID: c.ID, UseKnowledge: true})
	if err != nil || len(resp.Citations) == 0 || !strings.Contains(resp.Content, "more snow falls") {
		t.Fatalf("grounded chat: %+v %v", resp, err)
	}
	msgs, err := eng.ListMessages(ctx, ada, c.ID, xentree.Page{})
	if err != nil || len(msgs.Items) != 2 || len(msgs.Items[1].Citations) == 0 || msgs.Items[1].Citations[0].DocumentID != d.ID {
		t.Fatalf("stored citations: %+v %v", msgs.Items, err)
	}
	resp, err = eng.Chat(ctx, ada, conversation.ChatRequest{Message: "Tell me about volcanoes", UseKnowledge: true})
	if err != nil || len(resp.Citations) != 0 || !strings.Contains(resp.Content, "could not find") {
		t.Fatalf("ungrounded chat: %+v %v", resp, err)
	}
}

// TestQueryKnowledgeAnswersFromSentences: on documents with Markdown
// headings and lists, or HTML structure, the offline answer quotes the
// sentence that answers the question, never a heading or a list line.
func TestQueryKnowledgeAnswersFromSentences(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	md := "# Glacier guide\n\n## Overview\n\n## How glaciers move\n\nGlaciers move by internal deformation of the ice and by sliding over the bedrock. " +
		"A typical glacier moves a few metres per day.\n\n## Kinds\n\n- Valley glaciers\n- Ice sheets\n\nIce sheets cover Greenland and Antarctica.\n\n" +
		"### Where glaciers form\n\nGlaciers form where snow accumulates faster than it melts over many years.\n"
	page := "<html><body><h1>Coffee brewing</h1><h2>Water temperature for brewing coffee</h2>" +
		"<p>The best water temperature for brewing coffee is between 90 and 96 degrees Celsius.</p>" +
		"<ul><li>Use fresh beans</li><li>Grind just before brewing</li></ul><h2>Grind size</h2>" +
		"<p>A finer grind extracts faster, so espresso uses a fine grind.</p></body></html>"
	addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Glaciers", Content: md, ContentType: knowledge.TypeMarkdown})
	addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Coffee", Content: page, ContentType: knowledge.TypeHTML})
	// An FAQ whose answers do not repeat their questions' words, and
	// Markdown sent without a content type (plain text keeps its marks).
	faq := "# Volcano FAQ\n\n## Why do volcanoes erupt?\n\nPressure from gas in the magma pushes it up and out.\n\n" +
		"## Where are most volcanoes?\n\nAround the Pacific, on the Ring of Fire.\n"
	addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Volcanoes", Content: faq, ContentType: knowledge.TypeMarkdown})
	addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Otters",
		Content: "# Otters\n\n## Where do otters live?\n\nOtters live near rivers and coasts across most continents.\n"})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ q, want string }{
		{"Why do volcanoes erupt?", "Pressure from gas in the magma pushes it up and out. ["},
		{"Where are most volcanoes?", "Around the Pacific, on the Ring of Fire. ["},
		{"Where do otters live?", "Otters live near rivers and coasts across most continents. ["},
		{"How do glaciers move?", "Glaciers move by internal deformation of the ice and by sliding over the bedrock. ["},
		{"Where do glaciers form?", "Glaciers form where snow accumulates faster than it melts over many years. ["},
		{"What is the water temperature for brewing coffee?", "The best water temperature for brewing coffee is between 90 and 96 degrees Celsius. ["},
		{"Which grind size for espresso?", "A finer grind extracts faster, so espresso uses a fine grind. ["},
	} {
		ans, err := eng.QueryKnowledge(ctx, ada, knowledge.RAGRequest{Query: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ans.Answer, c.want) {
			t.Errorf("%q: answer %q, want it to open with %q", c.q, ans.Answer, c.want)
		}
		for _, heading := range []string{"Glacier guide", "Overview", "How glaciers move [", "Where glaciers form [", "Water temperature for brewing coffee [", "Valley glaciers", "Use fresh beans", "#", "?"} {
			if strings.Contains(ans.Answer, heading) {
				t.Errorf("%q: answer %q quotes %q", c.q, ans.Answer, heading)
			}
		}
	}
}

// TestKnowledgeLargeDocument: a document of more chunks than the indexer
// takes in one step (4,000, built in parallel batches) is searchable to its
// last chunk, and leaves nothing in the outbox.
func TestKnowledgeLargeDocument(t *testing.T) {
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Knowledge.ChunkSize, c.Knowledge.ChunkOverlap = 30, -1 // a sentence a chunk
	}))
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	var b strings.Builder
	const sentences = 9000
	for i := range sentences {
		fmt.Fprintf(&b, "Sentence %d is here. ", i)
	}
	d := addDoc(t, eng, ada, knowledge.CreateRequest{Title: "Many", Content: b.String()})
	if d.ChunkCount != sentences {
		t.Fatalf("%d chunks, want %d", d.ChunkCount, sentences)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 3999, 4000, 6001, 8000, sentences - 1} {
		res := ksearch(t, eng, ada, strconv.Itoa(i))
		if want := fmt.Sprintf("Sentence %d is here.", i); len(res) != 1 || res[0].Text != want {
			t.Fatalf("sentence %d: %+v", i, res)
		}
	}
	if pending, _, err := eng.IndexBacklog(ctx); err != nil || pending != 0 {
		t.Fatalf("outbox holds %d operations (%v)", pending, err)
	}
}

// With no AI provider configured, chat answers from the caller's knowledge
// base without being asked to (the contract: the offline provider's answers
// are grounded in the user's own knowledge base), and cites it; a question
// it has nothing for is answered as before, not refused.
func TestOfflineChatIsGrounded(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	d, err := eng.CreateDocument(ctx, ada, knowledge.CreateRequest{Title: "Glaciers",
		Content: "A valley glacier flows downhill at a few metres per day. Its ice deforms under its own weight."})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := eng.Chat(ctx, ada, conversation.ChatRequest{Message: "How fast does a valley glacier flow?"})
	if err != nil || !strings.Contains(resp.Content, "a few metres per day") || len(resp.Citations) == 0 || resp.Citations[0].DocumentID != d.ID {
		t.Fatalf("offline chat: %+v %v", resp, err)
	}
	resp, err = eng.Chat(ctx, bob, conversation.ChatRequest{Message: "How fast does a valley glacier flow?"})
	if err != nil || strings.Contains(resp.Content, "metres per day") || len(resp.Citations) != 0 {
		t.Fatalf("another user's offline chat: %+v %v", resp, err)
	}
	if !strings.Contains(resp.Content, "No AI model is configured") {
		t.Fatalf("nothing to answer from: %q", resp.Content)
	}
	// Without a search index (Config.DisableIndex) it answers as before.
	bare := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.DisableIndex = true }))
	u, _ := xentreetest.CreateUser(t, bare, "")
	if resp, err := bare.Chat(ctx, u, conversation.ChatRequest{Message: "How fast does a glacier flow?"}); err != nil || resp.Content == "" {
		t.Fatalf("offline chat without an index: %+v %v", resp, err)
	}
}
