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
)

// A program talks to a Xentree server through client.API; pointed at an
// engine in the same process with client.Local(eng, user) instead, the
// rest stays the same. Here the server is httpapi in a test server.
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

	_, err = api.ListMessages(ctx, "no-such-conversation", xentree.Page{})
	fmt.Println(xentree.KindOf(err) == xentree.KindNotFound, xentree.ErrorCode(err))
	// Output:
	// Biology 1
	// true not_found
}
