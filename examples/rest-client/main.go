// Command rest-client talks to a running Xentree server over REST only:
// it logs in and lists the user's conversations, page by page. It imports
// package client, list and the domain packages, never the engine, so it
// links no SQLite, no Bleve and no AI provider (see the README's "Go client").
//
//	XENTREE_URL=http://127.0.0.1:8080 XENTREE_EMAIL=ada@example.com XENTREE_PASSWORD=... go run ./examples/rest-client
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/client"
	"github.com/xentree/xentree/list"
)

func main() {
	if err := run(context.Background(), os.Getenv("XENTREE_URL"), os.Getenv("XENTREE_EMAIL"), os.Getenv("XENTREE_PASSWORD"), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run logs in at url and prints the title of each conversation.
func run(ctx context.Context, url, email, password string, out io.Writer) error {
	c, err := client.New(url)
	if err != nil {
		return err
	}
	if _, err := c.Login(ctx, auth.LoginRequest{Username: email, Password: password}); err != nil {
		if client.KindOf(err) == client.KindUnauthenticated {
			return fmt.Errorf("wrong email or password (%s)", client.ErrorCode(err))
		}
		return err
	}
	for p := (list.Page{Limit: 50}); ; {
		page, err := c.ListConversations(ctx, p)
		if err != nil {
			return err
		}
		for _, conv := range page.Items {
			fmt.Fprintln(out, conv.Title)
		}
		if page.NextCursor == nil {
			return nil
		}
		p.Cursor = *page.NextCursor
	}
}
