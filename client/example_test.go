package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/client"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/list"
)

// A program talks to a Xentree server through client.API; pointed at an
// engine in the same process with local.New(eng, user) (package
// client/local) instead, the rest stays the same. Here the server is httpapi
// in a test server; the client side needs only client, list and the domain
// packages, so a REST-only program links none of the engine.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "xentree-client")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}))
	defer srv.Close()

	c, err := client.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery staple"}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "correct horse battery staple"}); err != nil {
		log.Fatal(err)
	}

	var api client.API = c // the client keeps the tokens Login returned
	conv, err := api.CreateConversation(ctx, conversation.CreateRequest{Title: "Biology", InitialQuery: "What is photosynthesis?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conv.Title, conv.MessageCount)

	_, err = api.ListMessages(ctx, "no-such-conversation", list.Page{})
	fmt.Println(client.KindOf(err) == client.KindNotFound, client.ErrorCode(err))
	// Output:
	// Biology 1
	// true not_found
}
