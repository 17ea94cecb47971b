package clienttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// TestGeneratedClient drives the generated client against a real server (a
// real engine behind httpapi): register, log in, create a conversation,
// list it page by page, and read the error envelope of a refusal.
func TestGeneratedClient(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(httpapi.New(xentreetest.NewEngine(t), httpapi.Config{}))
	t.Cleanup(srv.Close)
	c, err := NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	username := "ada"
	reg, err := c.PostAuthRegisterWithResponse(ctx, PostAuthRegisterJSONRequestBody{
		Email: "ada@example.com", Password: xentreetest.Password, Username: &username,
	})
	if err != nil {
		t.Fatal(err)
	}
	if reg.StatusCode() != http.StatusCreated || reg.JSON201 == nil {
		t.Fatalf("register: %d %s", reg.StatusCode(), reg.Body)
	}
	if got := reg.JSON201.Email; got != "ada@example.com" {
		t.Errorf("registered email = %q, want ada@example.com", got)
	}

	login, err := c.PostAuthLoginWithResponse(ctx, PostAuthLoginJSONRequestBody{Username: "ada@example.com", Password: xentreetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if login.StatusCode() != http.StatusOK || login.JSON200 == nil {
		t.Fatalf("login: %d %s", login.StatusCode(), login.Body)
	}
	bearer := WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
		return nil
	})
	user, err := NewClientWithResponses(srv.URL, bearer)
	if err != nil {
		t.Fatal(err)
	}

	var created []string
	for _, title := range []string{"Biology", "Chemistry"} {
		conv, err := user.PostCoreConversationsWithResponse(ctx, PostCoreConversationsJSONRequestBody{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if conv.StatusCode() != http.StatusCreated || conv.JSON201 == nil {
			t.Fatalf("create %s: %d %s", title, conv.StatusCode(), conv.Body)
		}
		if conv.JSON201.Title != title {
			t.Errorf("created title = %q, want %q", conv.JSON201.Title, title)
		}
		created = append(created, conv.JSON201.Id)
	}

	// limit is an integer in the document, so it is an *int here.
	one := 1
	var listed []string
	params := &GetCoreConversationsParams{Limit: &one}
	for range 3 {
		page, err := user.GetCoreConversationsWithResponse(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if page.StatusCode() != http.StatusOK || page.JSON200 == nil {
			t.Fatalf("list: %d %s", page.StatusCode(), page.Body)
		}
		for _, c := range page.JSON200.Items {
			listed = append(listed, c.Id)
		}
		if page.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = page.JSON200.NextCursor
	}
	// Most recently updated first.
	if want := []string{created[1], created[0]}; strings.Join(listed, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v", listed, want)
	}

	// The chat's Idempotency-Key header is a parameter: sent twice, the
	// exchange is appended once and both answers are the same message.
	key := "retry-1"
	var messageIDs []string
	for range 2 {
		chat, err := user.PostCoreChatWithResponse(ctx, &PostCoreChatParams{IdempotencyKey: &key},
			PostCoreChatJSONRequestBody{Message: "hello", ConversationId: &created[0]})
		if err != nil {
			t.Fatal(err)
		}
		if chat.StatusCode() != http.StatusOK || chat.JSON200 == nil || chat.JSON200.MessageId == nil {
			t.Fatalf("chat: %d %s", chat.StatusCode(), chat.Body)
		}
		messageIDs = append(messageIDs, *chat.JSON200.MessageId)
	}
	if messageIDs[0] != messageIDs[1] {
		t.Errorf("a retry with the same Idempotency-Key answered message %s, then %s", messageIDs[0], messageIDs[1])
	}

	// Refusals come back typed, in the error envelope.
	anon, err := c.GetCoreConversationsWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if anon.StatusCode() != http.StatusUnauthorized || anon.JSON401 == nil {
		t.Fatalf("list without a token: %d %s", anon.StatusCode(), anon.Body)
	}
	if got := anon.JSON401.Detail.Error; got != "unauthenticated" {
		t.Errorf("401 error code = %q, want unauthenticated", got)
	}
	zero := 0
	bad, err := user.GetCoreConversationsWithResponse(ctx, &GetCoreConversationsParams{Limit: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if bad.StatusCode() != http.StatusBadRequest || bad.JSON400 == nil {
		t.Fatalf("limit=0: %d %s", bad.StatusCode(), bad.Body)
	}
	if f := bad.JSON400.Detail.Field; f == nil || *f != "limit" {
		t.Errorf("limit=0: field = %v, want limit", f)
	}
}
