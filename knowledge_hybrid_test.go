package xentree_test

import (
	"context"
	"slices"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// Hybrid search: texts that share no word with the query but a feature of
// the fake's embeddings (a synonym group) are found through their vectors.
const (
	carDoc     = "Automobile upkeep"
	carText    = "Change the oil of an automobile every year and check its tyres."
	glacierDoc = "Glaciers"
	glacierTxt = "Glaciers carve deep valleys as they flow downhill."
)

// embeddingsFake is a fake OpenAI server whose embeddings put car and
// automobile together.
func embeddingsFake(t *testing.T) *xentreetest.FakeOpenAI {
	fake := xentreetest.NewFakeOpenAI(t)
	fake.SetEmbeddingSynonyms([]string{"car", "automobile", "vehicle"})
	return fake
}

func withEmbeddings(fake *xentreetest.FakeOpenAI, dims int) xentreetest.Option {
	return xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.Embeddings = xentree.EmbeddingsConfig{Model: "text-embedding-3-small", BaseURL: fake.URL() + "/v1", APIKey: "sk-test", Dimensions: dims}
	})
}

// searchDocs returns the documents of a knowledge search's hits, in order.
func searchDocs(t *testing.T, eng *xentree.Engine, u xentree.User, q string, orgID string) []string {
	t.Helper()
	res, err := eng.SearchKnowledge(context.Background(), u, knowledge.SearchRequest{Query: q, Limit: 10, OrganizationID: orgID})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var docs []string
	for _, r := range res.Results {
		docs = append(docs, r.DocumentID)
	}
	return docs
}

func embeddingRequests(fake *xentreetest.FakeOpenAI) (n int, inputs []string) {
	for _, r := range fake.Requests() {
		if r.Path == "/v1/embeddings" {
			n++
			inputs = append(inputs, r.Input...)
		}
	}
	return n, inputs
}

func TestHybridSearchFindsByMeaning(t *testing.T) {
	fake := embeddingsFake(t)
	eng := xentreetest.NewEngine(t, withEmbeddings(fake, 0))
	ada, _ := xentreetest.CreateUser(t, eng, "")
	car := addDoc(t, eng, ada, knowledge.CreateRequest{Title: carDoc, Content: carText})
	glacier := addDoc(t, eng, ada, knowledge.CreateRequest{Title: glacierDoc, Content: glacierTxt})
	if err := eng.WaitIndexed(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each chunk was embedded once, by the indexer, as its title and text.
	before, inputs := embeddingRequests(fake)
	if len(inputs) != 2 || !slices.Contains(inputs, carDoc+"\n"+carText) {
		t.Errorf("embedded %q, want each chunk's title and text once", inputs)
	}

	// "vehicle" is in neither document: only the vectors find it.
	if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 1 || got[0] != car.ID {
		t.Errorf("search vehicle = %v, want [%s] (through its vector)", got, car.ID)
	}
	// A word both rankings agree on comes first; a lexical hit still counts.
	if got := searchDocs(t, eng, ada, "glaciers valleys", ""); len(got) == 0 || got[0] != glacier.ID {
		t.Errorf("search glaciers = %v, want %s first", got, glacier.ID)
	}
	// The query is embedded at search time: one call per search. (The
	// indexer may have sent the chunks in one call or two, depending on
	// whether the second document was committed before it woke.)
	if n, inputs := embeddingRequests(fake); n-before != 2 || inputs[len(inputs)-1] != "glaciers valleys" {
		t.Errorf("embeddings calls = %d after %d for the chunks (%q), want one per query", n, before, inputs)
	}
	// Nothing near enough: a question on something absent finds nothing.
	if got := searchDocs(t, eng, ada, "photosynthesis", ""); len(got) != 0 {
		t.Errorf("search photosynthesis = %v, want nothing", got)
	}
	// RAG and chat grounding retrieve the same way.
	rag, err := eng.QueryKnowledge(context.Background(), ada, knowledge.RAGRequest{Query: "vehicle"})
	if err != nil || len(rag.Citations) != 1 || rag.Citations[0].DocumentID != car.ID {
		t.Errorf("RAG vehicle: %+v %v, want the car document cited", rag.Citations, err)
	}

	// Another user's vectors are never compared: the scope is the same as
	// the text search's.
	bob, _ := xentreetest.CreateUser(t, eng, "")
	if got := searchDocs(t, eng, bob, "vehicle", ""); len(got) != 0 {
		t.Errorf("bob's search vehicle = %v, want nothing", got)
	}
	// An organization's documents are found by its members, through vectors too.
	o, err := eng.CreateOrganization(context.Background(), bob, org.CreateRequest{Name: "Garage"})
	if err != nil {
		t.Fatal(err)
	}
	orgCar := addDoc(t, eng, bob, knowledge.CreateRequest{Title: "Fleet", Content: "Every automobile of the fleet is serviced in spring.", OrganizationID: o.ID})
	if err := eng.WaitIndexed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := searchDocs(t, eng, bob, "vehicle", o.ID); len(got) != 1 || got[0] != orgCar.ID {
		t.Errorf("org search vehicle = %v, want [%s]", got, orgCar.ID)
	}
	if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 1 || got[0] != car.ID {
		t.Errorf("ada's search vehicle = %v, want only her own [%s]", got, car.ID)
	}

	// A deleted document is gone from the vector path at once.
	if err := eng.DeleteDocument(context.Background(), ada, car.ID); err != nil {
		t.Fatal(err)
	}
	if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 0 {
		t.Errorf("search vehicle after delete = %v, want nothing", got)
	}
}

// When the query's embedding fails, the search answers by words alone.
func TestHybridSearchFallsBackToWords(t *testing.T) {
	fake := embeddingsFake(t)
	eng := xentreetest.NewEngine(t, withEmbeddings(fake, 0))
	ada, _ := xentreetest.CreateUser(t, eng, "")
	glacier := addDoc(t, eng, ada, knowledge.CreateRequest{Title: glacierDoc, Content: glacierTxt})
	if err := eng.WaitIndexed(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.FailNext(xentreetest.FailBadRequest)
	if got := searchDocs(t, eng, ada, "glaciers", ""); len(got) != 1 || got[0] != glacier.ID {
		t.Errorf("search with the embeddings call failing = %v, want [%s]", got, glacier.ID)
	}
}

// Off by default: no embeddings call, and a search without a shared word
// finds nothing. Turned on later, the documents already stored are embedded
// (the full pass at Open); a change of model embeds them again.
func TestHybridSearchOffThenOn(t *testing.T) {
	fake := embeddingsFake(t)
	dir := t.TempDir()
	ctx := context.Background()
	eng, err := xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir), xentreetest.WithConfig(func(c *xentree.Config) {
		c.AI.OpenAI = xentree.OpenAIConfig{APIKey: "sk-test", BaseURL: fake.URL() + "/v1"} // chat only
	})))
	if err != nil {
		t.Fatal(err)
	}
	ada, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	car := addDoc(t, eng, ada, knowledge.CreateRequest{Title: carDoc, Content: carText})
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 0 {
		t.Errorf("search vehicle without embeddings = %v, want nothing", got)
	}
	res, err := eng.SearchKnowledge(ctx, ada, knowledge.SearchRequest{Query: "automobile"})
	if err != nil || len(res.Results) != 1 || res.Results[0].Score < 0.1 {
		t.Errorf("search automobile without embeddings: %+v %v, want one BM25-scored hit", res.Results, err)
	}
	if n, _ := embeddingRequests(fake); n != 0 {
		t.Errorf("embeddings calls with embeddings off = %d, want 0", n)
	}
	eng.Close()

	for _, dims := range []int{0, 16} {
		eng, err = xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir), withEmbeddings(fake, dims)))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password})
		if err != nil {
			t.Fatal(err)
		}
		if ada, err = eng.Authenticate(ctx, tok.AccessToken); err != nil {
			t.Fatal(err)
		}
		if err := eng.WaitIndexed(ctx); err != nil {
			t.Fatal(err)
		}
		if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 1 || got[0] != car.ID {
			t.Errorf("dimensions %d: search vehicle = %v, want [%s]", dims, got, car.ID)
		}
		eng.Close()
	}
}

// TestHybridOpenWithPendingChunks: chunks left unindexed (a crash, or
// content written with the index off) are indexed when an engine with
// embeddings opens, and get their vectors; Open used to hang there, its
// start-up drain having filled the vectors' wake-up before their start.
func TestHybridOpenWithPendingChunks(t *testing.T) {
	fake := embeddingsFake(t)
	dir := t.TempDir()
	ctx := context.Background()
	noIndex, err := xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir), xentreetest.WithConfig(func(c *xentree.Config) { c.DisableIndex = true })))
	if err != nil {
		t.Fatal(err)
	}
	ada, _ := xentreetest.CreateUser(t, noIndex, "ada@example.com")
	car := addDoc(t, noIndex, ada, knowledge.CreateRequest{Title: carDoc, Content: carText})
	if err := noIndex.Close(); err != nil {
		t.Fatal(err)
	}

	eng, err := xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir), withEmbeddings(fake, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchDocs(t, eng, ada, "vehicle", ""); len(got) != 1 || got[0] != car.ID {
		t.Errorf("search vehicle = %v, want [%s]", got, car.ID)
	}
}
